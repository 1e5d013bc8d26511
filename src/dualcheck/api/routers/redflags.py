"""API route for red flags: POST /api/v1/redflags (one transaction)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from dualcheck.api import responses
from dualcheck.api.deps import actor, allow, get_db, get_settings_dep
from dualcheck.auth import roles
from dualcheck.config import Settings

router = APIRouter(tags=["redflags"])


@router.post("/redflags", dependencies=allow(roles.OFFICERS), response_model=responses.Document)
def create_redflags_check(request: Request,
                          transaction: dict[str, Any] = Body(..., description="Transaction JSON (CONTRACTS.md) "
                                                                                "plus the optional red-flag facts."),
                          settings: Settings = Depends(get_settings_dep),
                          who: str = Depends(actor)) -> dict[str, Any]:
    """Red flags of one transaction; the result is recorded in the ledger (redflags.check)."""
    from dualcheck.redflags.service import run_check

    return run_check(get_db(request), transaction, settings.effective_data_dir, actor=who, source="request body")
