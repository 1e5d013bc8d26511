"""API routes for transaction checks: POST /api/v1/checks, GET /api/v1/checks/{id}."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy.orm import Session

from dualcheck.api import responses
from dualcheck.api.deps import actor, allow, db_session, get_db, get_settings_dep
from dualcheck.auth import roles
from dualcheck.check.store import checks_for_transaction, get_check
from dualcheck.config import Settings

router = APIRouter(tags=["checks"])


@router.post("/checks", dependencies=allow(roles.OFFICERS), response_model=responses.CheckResult)
def create_check(request: Request,
                 transaction: dict[str, Any] = Body(..., description="Transaction JSON (CONTRACTS.md)."),
                 as_of: dt.date | None = Query(None, description="Judge as of this date; default the "
                                                                 "transaction date, else today."),
                 settings: Settings = Depends(get_settings_dep),
                 who: str = Depends(actor)) -> dict[str, Any]:
    """Determine the licence position of a transaction; stored and recorded in the ledger."""
    from dualcheck.check.service import run_check
    from dualcheck.rules import cached_ruleset

    rules = cached_ruleset(settings.effective_data_dir)
    return run_check(get_db(request), transaction, rules, settings.effective_data_dir,
                     as_of=as_of.isoformat() if as_of else None, actor=who, source="request body")


@router.get("/checks/{check_id}", dependencies=allow(roles.READERS), response_model=responses.CheckResult)
def read_check(check_id: str, session: Session = Depends(db_session)) -> dict[str, Any]:
    """A stored check, exactly as it was answered."""
    return get_check(session, check_id)


@router.get("/checks", dependencies=allow(roles.READERS), response_model=responses.TransactionChecks)
def list_checks(transaction_id: str = Query(..., description="Transaction reference."),
                session: Session = Depends(db_session)) -> dict[str, Any]:
    """All checks of one transaction, oldest first."""
    return {"transaction_id": transaction_id, "checks": checks_for_transaction(session, transaction_id)}
