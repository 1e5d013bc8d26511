"""API routes for licences, holds and evidence packs. Refusals answer 409 (403 for roles and four-eyes)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.api import responses
from dualcheck.api.deps import WRITE_SESSION, actor, allow, current_identity, db_session
from dualcheck.auth import roles
from dualcheck.auth.identity import Identity
from dualcheck.licences import holds
from dualcheck.licences.errors import Refused

router = APIRouter(tags=["licences"])


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except Refused as exc:
        raise HTTPException(status_code=exc.http_status, detail=str(exc)) from None


def _as_of(as_of: dt.date | None, tx: dict[str, Any]) -> dt.date:
    if as_of:
        return as_of
    try:
        return dt.date.fromisoformat(str(tx["date"])) if tx.get("date") else dt.datetime.now(dt.UTC).date()
    except ValueError:
        from dualcheck.errors import BadInput

        raise BadInput(f"not a date: {tx['date']!r}", location="date") from None


AsOf = Query(None, description="Date of the shipment; default the transaction's date, else today.")


@router.post("/licences", dependencies=allow(roles.MANAGERS), status_code=201, response_model=responses.StoredLicence)
def add_licence(document: dict[str, Any] = Body(..., description="One licence or registration (see docs)."),
                session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    from dualcheck.licences.master import parse_licence, store_licence

    licence, created = store_licence(session, parse_licence(document), actor=who)
    return {"reference": licence.reference, "id": licence.id, "created": created}


@router.get("/licences", dependencies=allow(roles.READERS), response_model=responses.Licences)
def list_licences(session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.licences.models import Licence

    rows = session.execute(select(Licence).order_by(Licence.reference)).scalars()
    return {"licences": [{"reference": r.reference, "kind": r.kind, "authorisation": r.authorisation,
                          "status": r.status, "valid_from": r.valid_from, "valid_until": r.valid_until,
                          "destinations": r.destinations, "end_users": r.end_users} for r in rows]}


@router.get("/licences/{reference}", dependencies=allow(roles.READERS), response_model=responses.Document)
def read_licence(reference: str, session: Session = Depends(db_session)) -> dict[str, Any]:
    """One licence with its lines and balances, or one registration with its uses."""
    from dualcheck.licences.reports import licence_document

    return licence_document(session, reference)


class StatusChange(BaseModel):
    status: Literal["active", "suspended", "revoked"]
    reason: str = Field(min_length=1)


@router.post("/licences/{reference}/status", dependencies=allow(roles.MANAGERS), response_model=responses.LicenceStatus)
def change_status(reference: str, change: StatusChange, session: Session = WRITE_SESSION,
                  who: str = Depends(actor)) -> dict[str, Any]:
    from dualcheck.licences.master import set_status

    licence = set_status(session, reference, change.status, reason=change.reason, actor=who)
    return {"reference": licence.reference, "status": licence.status}


@router.post("/licences/find", dependencies=allow(roles.READERS), response_model=responses.Coverage)
def find(transaction: dict[str, Any] = Body(...), as_of: dt.date | None = AsOf,
         session: Session = Depends(db_session)) -> dict[str, Any]:
    """Usable licence lines per item of a transaction, and why the others do not fit (nothing is charged)."""
    from dualcheck.licences.coverage import licence_coverage

    return licence_coverage(session, transaction, as_of=_as_of(as_of, transaction), source="request body")


@router.post("/licences/use", dependencies=allow(roles.OFFICERS), response_model=responses.Charges)
def use(transaction: dict[str, Any] = Body(...), as_of: dt.date | None = AsOf,
        mode: Literal["consume", "reserve"] = Query("consume"),
        session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    """Charge a shipment (or reserve an order) to usable licences, all items or none."""
    from dualcheck.licences.usage import use_for_transaction

    with refusals():
        return use_for_transaction(session, transaction, as_of=_as_of(as_of, transaction), actor=who, mode=mode,
                                   source="request body")


@router.post("/licences/reservations/{reservation_id}/ship", dependencies=allow(roles.OFFICERS),
             response_model=responses.Charges)
def ship(reservation_id: str, transaction: dict[str, Any] = Body(...), as_of: dt.date | None = AsOf,
         session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    from dualcheck.licences.coverage import shipment_context
    from dualcheck.licences.usage import consume_reservation

    destination, end_users = shipment_context(transaction, source="request body")
    with refusals():
        return consume_reservation(session, reservation_id, as_of=_as_of(as_of, transaction),
                                   destination=destination, end_users=end_users, actor=who)


class Reason(BaseModel):
    reason: str = Field(min_length=1)


@router.post("/licences/reservations/{reservation_id}/release", dependencies=allow(roles.OFFICERS),
             response_model=responses.ReleasedReservation)
def release_reservation(reservation_id: str, body: Reason, session: Session = WRITE_SESSION,
                        who: str = Depends(actor)) -> dict[str, Any]:
    from dualcheck.licences.usage import release_reservation as release

    with refusals():
        return release(session, reservation_id, reason=body.reason, actor=who)


@router.post("/licences/general/{authorisation}/use", dependencies=allow(roles.OFFICERS),
             response_model=responses.Document)
def use_general(authorisation: str, transaction: dict[str, Any] = Body(...), as_of: dt.date | None = AsOf,
                session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    from dualcheck.licences.general import record_general_use

    with refusals():
        return record_general_use(session, authorisation=authorisation, transaction=transaction,
                                  as_of=_as_of(as_of, transaction), actor=who, source="request body")


@router.get("/licences/reports/usage", dependencies=allow(roles.READERS), response_model=responses.Document)
def report_usage(licence: str | None = None, since: dt.date | None = Query(None, alias="from"),
                 until: dt.date | None = Query(None, alias="to"),
                 session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.licences.reports import usage_report

    return usage_report(session, reference=licence, since=since, until=until)


@router.get("/licences/reports/general", dependencies=allow(roles.READERS), response_model=responses.Document)
def report_general(authorisation: str | None = None, since: dt.date | None = Query(None, alias="from"),
                   until: dt.date | None = Query(None, alias="to"),
                   session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.licences.reports import general_authorisation_report

    return general_authorisation_report(session, authorisation=authorisation, since=since, until=until)


@router.get("/licences/reports/expiring", dependencies=allow(roles.READERS), response_model=responses.ExpiryWarnings)
def report_expiring(days: int = Query(60, ge=0), share: float = Query(0.9, ge=0, le=1),
                    session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.licences.reports import expiry_warnings

    return {"warnings": expiry_warnings(session, today=dt.datetime.now(dt.UTC).date(), within_days=days,
                                        usage_share=share)}


@router.get("/holds", dependencies=allow(roles.READERS), response_model=responses.Holds)
def list_holds(status: str = Query("open", description="open, held, awaiting_second, released, rejected, "
                                                       "superseded or all"),
               transaction_id: str | None = None, session: Session = Depends(db_session)) -> dict[str, Any]:
    rows = holds.list_holds(session, status=None if status == "all" else status, transaction_id=transaction_id)
    return {"holds": [holds.hold_document(h) for h in rows]}


@router.get("/holds/{hold_id}", dependencies=allow(roles.READERS), response_model=responses.Hold)
def read_hold(hold_id: str, session: Session = Depends(db_session)) -> dict[str, Any]:
    return holds.hold_document(holds.get_hold(session, hold_id))


class HoldIn(BaseModel):
    transaction_id: str = Field(min_length=1)
    check_id: str | None = None
    outcome: Literal["PROHIBITED", "LICENCE_REQUIRED", "NEEDS_INFORMATION"]
    reasons: list[Any] = []


@router.post("/holds", dependencies=allow(roles.OFFICERS), status_code=201, response_model=responses.Hold)
def place(body: HoldIn, session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    hold = holds.place_hold(session, transaction_id=body.transaction_id, check_id=body.check_id,
                            outcome=body.outcome, reasons=body.reasons, actor=who)
    return holds.hold_document(hold)


class Decision(BaseModel):
    role: str | None = Field(default=None, min_length=1, description="Must be the caller's role if given.")
    reason: str = Field(min_length=1)


@router.post("/holds/{hold_id}/release", dependencies=allow(roles.OFFICERS), response_model=responses.Hold)
def release(hold_id: str, body: Decision, session: Session = WRITE_SESSION,
            identity: Identity = Depends(current_identity)) -> dict[str, Any]:
    """Release a hold as the authenticated user in its role; four-eyes outcomes need two different users."""
    with refusals():
        return holds.hold_document(holds.release(session, hold_id, actor=identity.user,
                                                 role=body.role or identity.role, reason=body.reason,
                                                 roles=identity.roles))


@router.post("/holds/{hold_id}/reject", dependencies=allow(roles.OFFICERS), response_model=responses.Hold)
def reject(hold_id: str, body: Decision, session: Session = WRITE_SESSION,
           identity: Identity = Depends(current_identity)) -> dict[str, Any]:
    with refusals():
        return holds.hold_document(holds.reject(session, hold_id, actor=identity.user, role=body.role or identity.role,
                                                reason=body.reason, roles=identity.roles))


class RoleGrant(BaseModel):
    officer: str = Field(min_length=1)
    role: str = Field(min_length=1)
    revoke: bool = False


@router.post("/holds/roles", dependencies=allow(roles.ADMINS), response_model=responses.RoleGranted)
def grant(body: RoleGrant, session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    holds.grant_role(session, officer=body.officer, role=body.role, actor=who, revoke=body.revoke)
    return {"officer": body.officer, "role": body.role, "granted": not body.revoke}


@router.post("/evidence", dependencies=allow(roles.RECORD_READERS), response_class=Response,
             responses={200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                                   "description": "The evidence pack."}})
def evidence_pack(transaction_id: str | None = None, since: dt.date | None = Query(None, alias="from"),
                  until: dt.date | None = Query(None, alias="to"), session: Session = WRITE_SESSION,
                  who: str = Depends(actor)) -> Response:
    """An evidence pack (ZIP) for a transaction or a period."""
    from dualcheck.licences.evidence import build_evidence_pack

    data, _manifest = build_evidence_pack(
        session, transaction_id=transaction_id, actor=who,
        since=dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None,
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) if until else None)
    # a header carries latin-1 only: anything else in the reference becomes "_"
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"evidence-{transaction_id or 'period'}.zip")
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
