"""API routes of the authority domain: applications, decisions, denial exchange, statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dualcheck.api import responses
from dualcheck.api.deps import WRITE_SESSION, actor, allow, db_session
from dualcheck.auth import roles
from dualcheck.authority import exchange, service
from dualcheck.authority import stats as stats_mod
from dualcheck.authority.parsing import parse_application

router = APIRouter(prefix="/authority", tags=["authority"])


class DecisionIn(BaseModel):
    outcome: Literal["granted", "denied", "withdrawn"]
    reason: str = Field(min_length=1)
    legal_basis: str | None = None
    date: dt.date | None = None
    consulted: list[str] = Field(default_factory=list)


@router.post("/applications", dependencies=allow(roles.AUTHORITY), status_code=201,
             response_model=responses.RegisteredApplication)
def register_application(document: dict[str, Any] = Body(..., description="One application (docs/authority.md)."),
                         session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    """Register an application; the answer carries the essentially-identical check and its warnings."""
    return service.register(session, parse_application(document, source="body"), actor=who)


@router.get("/applications/{reference}", dependencies=allow(roles.AUTHORITY_READERS),
            response_model=responses.Application)
def get_application(reference: str, session: Session = Depends(db_session)) -> dict[str, Any]:
    return service.show(session, reference)


@router.post("/applications/{reference}/decision", dependencies=allow(roles.AUTHORITY),
             response_model=responses.Application)
def decide(reference: str, body: DecisionIn, session: Session = WRITE_SESSION,
           who: str = Depends(actor)) -> dict[str, Any]:
    return service.decide(session, reference, body.outcome, reason=body.reason, actor=who,
                          legal_basis=body.legal_basis, on=body.date, consulted=body.consulted)


@router.get("/denials", dependencies=allow(roles.AUTHORITY_READERS), response_model=responses.DenialExchange)
def export_denials(include_imported: bool = Query(False), session: Session = Depends(db_session)) -> dict[str, Any]:
    """Our denial notifications in the exchange format (version 1)."""
    return exchange.export_document(session, include_imported=include_imported)


class ShareIn(BaseModel):
    shared: bool = True


@router.post("/denials/{reference}/share", dependencies=allow(roles.AUTHORITY), response_model=responses.SharedDenial)
def share_denial(reference: str, body: ShareIn, session: Session = WRITE_SESSION,
                 who: str = Depends(actor)) -> dict[str, Any]:
    """Share one of our denials with the other authorities on this server (or stop sharing it)."""
    return service.share_denial(session, reference, shared=body.shared, actor=who)


@router.post("/denials/import", dependencies=allow(roles.AUTHORITY), response_model=responses.Document)
def import_denials(document: dict[str, Any] = Body(..., description="An exchange file (version 1)."),
                   session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    denials = exchange.parse_document(document, source="body")
    return service.import_and_recheck(session, denials, actor=who, source="api")


@router.get("/stats", dependencies=allow(roles.AUTHORITY_READERS), response_model=None,
            responses={200: {"model": responses.Document, "content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "The statistics (JSON, or CSV with format=csv)."}})
def stats(start: dt.date | None = Query(None, alias="from"), end: dt.date | None = Query(None, alias="to"),
          by: Literal["destination", "category", "outcome", "month"] | None = Query(None),
          state: str | None = Query(None), format: Literal["json", "csv"] = Query("json"),
          session: Session = Depends(db_session)) -> dict[str, Any] | Response:
    doc = stats_mod.compute(session, start=start, end=end, by=by, authority_state=state)
    if format == "csv":
        return PlainTextResponse(stats_mod.to_csv(doc), media_type="text/csv")
    return doc
