"""API routes for the lists domain: versions, entity lookup with its source record, diffs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from dualcheck.api import responses
from dualcheck.api.deps import allow, db_session
from dualcheck.auth import roles
from dualcheck.lists.diff import diff_versions
from dualcheck.lists.store import get_entity, list_versions, version_info

router = APIRouter(prefix="/lists", tags=["lists"])


@router.get("", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.ListStatus)
def status(session: Session = Depends(db_session)) -> dict[str, Any]:
    """Each list's current version (the `lists status` JSON)."""
    return {"lists": [version_info(v) for v in list_versions(session) if v.is_current]}


@router.get("/versions", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.ListVersions)
def versions(name: str | None = Query(None, description="Only this list, e.g. us-ofac-sdn."),
             session: Session = Depends(db_session)) -> dict[str, Any]:
    """Every loaded version, oldest first per list."""
    return {"versions": [version_info(v) for v in list_versions(session, name)]}


@router.get("/entities/{entity_id}", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.ListEntity)
def entity(entity_id: str, version: int | None = Query(None, description="Version id (default: current)."),
           session: Session = Depends(db_session)) -> dict[str, Any]:
    """One listed entity (followthemoney properties) with the record as published."""
    found = get_entity(session, entity_id, version)
    return {"entity": asdict(found.entity), "source_record": found.source_record, "version": found.version}


@router.get("/{name}/diff", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.ListDiff)
def diff(name: str,
         from_ref: str | None = Query(None, alias="from", description="Version id or publication date."),
         to_ref: str | None = Query(None, alias="to", description="Version id or publication date."),
         session: Session = Depends(db_session)) -> dict[str, Any]:
    """Entities added, removed and modified between two versions (the `lists diff` JSON)."""
    return diff_versions(session, name, from_ref, to_ref)
