"""API routes for screening: single and batch screening, counterparties, decisions, re-screen runs."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.api import responses
from dualcheck.api.deps import WRITE_SESSION, actor, allow, db_session, get_db
from dualcheck.auth import roles
from dualcheck.errors import BadInput
from dualcheck.screening import counterparties as cps
from dualcheck.screening.decisions import decision_document, record_decision
from dualcheck.screening.models import ScreeningRun
from dualcheck.screening.runs import delta_index, latest_change, run_document, run_hits, run_screening
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.service import get_index, ledger_payload, screen_one, with_decisions
from dualcheck.screening.subjects import query_subject

router = APIRouter(tags=["screening"])
MAX_BATCH = 1000


class ScreenQuery(BaseModel):
    name: str = Field(max_length=10_000)
    schema_: str | None = Field(default=None, alias="schema")
    birth_date: str | None = None
    country: str | None = None
    identifiers: list[str] = Field(default_factory=list, max_length=50)
    threshold: float | None = Field(default=None, ge=0, le=1)
    limit: int = Field(default=25, ge=1, le=500)

    def raw(self) -> dict[str, Any]:
        return {"name": self.name, "schema": self.schema_, "birth_date": self.birth_date, "country": self.country}


class BatchQuery(BaseModel):
    queries: list[ScreenQuery] = Field(min_length=1, max_length=MAX_BATCH)
    threshold: float | None = Field(default=None, ge=0, le=1)


def _screen(request: Request, session: Session, q: ScreenQuery, threshold: float | None,
            where: str = "") -> dict[str, Any]:
    try:
        subject = query_subject(q.name, schema=q.schema_, birth_date=q.birth_date, country=q.country,
                                identifiers=q.identifiers)
    except BadInput as exc:
        raise BadInput(exc.message, location=where or None) from None
    index = get_index(get_db(request))
    doc = screen_one(index, subject, q.raw(), q.threshold if q.threshold is not None else threshold, limit=q.limit)
    with_decisions(session, index, doc, q.raw())
    return doc


@router.post("/screen", dependencies=allow(roles.OFFICERS), response_model=responses.ScreenResult,
             summary="Screen one party against every loaded list")
def screen(body: ScreenQuery, request: Request, session: Session = WRITE_SESSION,
           who: str = Depends(actor)) -> dict[str, Any]:
    doc = _screen(request, session, body, None)
    ledger.append(session, "screening.screen", ledger_payload(doc), actor=who, subject=f"screen:{body.name[:150]}")
    return doc


@router.post("/screen/batch", dependencies=allow(roles.OFFICERS), response_model=responses.BatchScreenResult,
             summary=f"Screen up to {MAX_BATCH} parties")
def screen_batch(body: BatchQuery, request: Request, session: Session = WRITE_SESSION,
                 who: str = Depends(actor)) -> dict[str, Any]:
    results = [_screen(request, session, q, body.threshold, f"queries[{i}]") for i, q in enumerate(body.queries)]
    ledger.append(session, "screening.screen.batch", {"queries": len(results), "results": [
        ledger_payload(r) for r in results]}, actor=who, subject=f"screen-batch:{len(results)}")
    return {"results": results}


class CounterpartyBody(BaseModel):
    ref: str = Field(min_length=1, max_length=200)
    name: str = Field(max_length=10_000)
    schema_: str | None = Field(default=None, alias="schema")
    country: str | None = None
    birth_date: str | None = None
    aliases: list[str] = Field(default_factory=list, max_length=100)
    attributes: dict[str, Any] = Field(default_factory=dict)


def _body(body: CounterpartyBody) -> dict[str, Any]:
    return body.model_dump(by_alias=True)


@router.get("/counterparties", dependencies=allow(roles.READERS), response_model=responses.Counterparties)
def list_counterparties(offset: int = 0, limit: int = 100, session: Session = Depends(db_session)) -> dict[str, Any]:
    total, rows = cps.list_counterparties(session, offset=max(0, offset), limit=max(1, min(limit, 1000)))
    return {"total": total, "counterparties": [cps.counterparty_document(c) for c in rows]}


@router.post("/counterparties", dependencies=allow(roles.OFFICERS), status_code=201,
             response_model=responses.Counterparty)
def create_counterparty(body: CounterpartyBody, session: Session = WRITE_SESSION,
                        who: str = Depends(actor)) -> dict[str, Any]:
    return cps.counterparty_document(cps.upsert_counterparty(session, _body(body), actor=who))


@router.get("/counterparties/{ref}", dependencies=allow(roles.READERS), response_model=responses.Counterparty)
def get_counterparty(ref: str, session: Session = Depends(db_session)) -> dict[str, Any]:
    return cps.counterparty_document(cps.get_counterparty(session, ref))


@router.put("/counterparties/{ref}", dependencies=allow(roles.OFFICERS), response_model=responses.Counterparty)
def put_counterparty(ref: str, body: CounterpartyBody, session: Session = WRITE_SESSION,
                     who: str = Depends(actor)) -> dict[str, Any]:
    if body.ref != ref:
        raise BadInput(f"ref in the body ({body.ref!r}) differs from the path ({ref!r})", location="ref")
    return cps.counterparty_document(cps.upsert_counterparty(session, _body(body), actor=who))


@router.delete("/counterparties/{ref}", dependencies=allow(roles.OFFICERS), status_code=204)
def delete_counterparty(ref: str, session: Session = WRITE_SESSION, who: str = Depends(actor)) -> Response:
    cps.delete_counterparty(session, ref, actor=who)
    return Response(status_code=204)


class DecisionBody(BaseModel):
    party_name: str = Field(max_length=10_000)
    country: str | None = None
    list: str
    entity_id: str
    status: Literal["cleared", "confirmed"]
    reason: str = Field(min_length=1, max_length=5000)


@router.post("/decisions", dependencies=allow(roles.OFFICERS), status_code=201, response_model=responses.HitDecision)
def add_decision(body: DecisionBody, session: Session = WRITE_SESSION,
                 who: str = Depends(actor)) -> dict[str, Any]:
    return decision_document(record_decision(session, party_name=body.party_name, country=body.country,
                                             list_name=body.list, entity_id=body.entity_id, status=body.status,
                                             reason=body.reason, actor=who))


class BulkDecisions(BaseModel):
    decisions: list[DecisionBody] = Field(min_length=1, max_length=MAX_BATCH)


@router.post("/decisions/bulk", dependencies=allow(roles.OFFICERS), status_code=201,
             response_model=responses.HitDecisions)
def add_decisions(body: BulkDecisions, session: Session = WRITE_SESSION,
                  who: str = Depends(actor)) -> dict[str, Any]:
    """Decisions for a selection of hits, all or none; each is recorded in the ledger on its own."""
    from dualcheck.screening.decisions import record_decisions

    rows = [{"party": d.party_name, "country": d.country or "", "list": d.list, "entity_id": d.entity_id,
             "status": d.status, "reason": d.reason} for d in body.decisions]
    return {"decisions": [decision_document(d) for d in record_decisions(session, rows, actor=who,
                                                                          source="request body")]}


@router.get("/decisions", dependencies=allow(roles.READERS), response_model=responses.HitDecisions)
def list_decisions(session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.screening.models import Decision

    rows = session.execute(select(Decision).where(Decision.superseded_at.is_(None)).order_by(Decision.id)).scalars()
    return {"decisions": [decision_document(d) for d in rows]}


class RescreenBody(BaseModel):
    kind: Literal["full", "delta"] = "delta"
    list: str | None = None
    from_version: int | None = None
    to_version: int | None = None
    threshold: float | None = Field(default=None, ge=0, le=1)


@router.post("/rescreen", dependencies=allow(roles.OFFICERS), status_code=201, response_model=responses.Document,
             summary="Re-screen the stored counterparties (delta or full)")
def rescreen(body: RescreenBody, request: Request, who: str = Depends(actor)) -> dict[str, Any]:
    db = get_db(request)
    details: dict[str, Any] = {}
    if body.kind == "delta":
        if not body.list:
            raise BadInput("a delta re-screen needs the list", location="list")
        old, new = (body.from_version, body.to_version) if body.from_version and body.to_version \
            else latest_change(db, body.list)
        index, details = delta_index(db, default_scorer(), body.list, old, new)
    else:
        index = get_index(db, max_age=0)
    return run_screening(db, index, kind=body.kind, actor=who, threshold=body.threshold, workers=1, details=details)


@router.get("/rescreen/runs", dependencies=allow(roles.READERS), response_model=responses.ScreeningRuns)
def list_runs(session: Session = Depends(db_session)) -> dict[str, Any]:
    rows = session.execute(select(ScreeningRun).order_by(ScreeningRun.id.desc()).limit(200)).scalars()
    return {"runs": [run_document(r) for r in rows]}


@router.get("/rescreen/runs/{run_id}/hits", dependencies=allow(roles.READERS), response_model=responses.RunHits)
def get_run_hits(run_id: int, new: bool = False, session: Session = Depends(db_session)) -> dict[str, Any]:
    return {"run": run_id, "hits": run_hits(session, run_id, only_new=new)}
