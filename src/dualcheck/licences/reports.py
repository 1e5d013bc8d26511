"""Reports: licence usage per licence and period, general-authorisation use, expiry warnings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dualcheck.licences.amounts import quantity_decimal, value_decimal
from dualcheck.licences.coverage import line_remaining
from dualcheck.licences.models import Licence, LicenceMovement


def _period(query: Any, since: dt.date | None, until: dt.date | None) -> Any:
    if since:
        query = query.where(LicenceMovement.created_at >= dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        query = query.where(LicenceMovement.created_at < end)
    return query


def usage_report(session: Session, *, reference: str | None = None, since: dt.date | None = None,
                 until: dt.date | None = None) -> dict[str, Any]:
    """Per licence and line: authorised, used, reserved and remaining now, and use within the period."""
    query = select(Licence).where(Licence.kind != "eu_general").options(selectinload(Licence.lines))
    if reference:
        query = query.where(Licence.reference == reference)
    licences = session.execute(query.order_by(Licence.reference)).scalars().all()
    moves = _period(select(LicenceMovement).where(LicenceMovement.kind == "consume"), since, until)
    in_period: dict[int, list[LicenceMovement]] = defaultdict(list)
    for move in session.execute(moves).scalars():
        if move.line_id is not None:
            in_period[move.line_id].append(move)
    out = []
    for licence in licences:
        lines = []
        for line in licence.lines:
            rem_q, rem_v = line_remaining(line)
            period = in_period.get(line.id, [])
            lines.append({
                "line": line.line_no, "control_codes": line.control_codes, "unit": line.unit,
                "currency": line.currency, "tolerance_percent": line.tolerance_permille / 10,
                "quantity": {"authorised": quantity_decimal(line.quantity_authorised),
                             "used": quantity_decimal(line.quantity_used),
                             "reserved": quantity_decimal(line.quantity_reserved),
                             "remaining_with_tolerance": quantity_decimal(rem_q),
                             "used_in_period": quantity_decimal(sum(m.quantity for m in period))},
                "value": {"authorised": value_decimal(line.value_authorised), "used": value_decimal(line.value_used),
                          "reserved": value_decimal(line.value_reserved),
                          "remaining_with_tolerance": value_decimal(rem_v),
                          "used_in_period": value_decimal(sum(m.value for m in period))},
                "shipments_in_period": len({m.transaction_id for m in period}),
            })
        out.append({"licence": licence.reference, "kind": licence.kind, "authority": licence.authority,
                    "status": licence.status, "valid_from": licence.valid_from.isoformat(),
                    "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
                    "destinations": licence.destinations, "lines": lines})
    return {"period": {"from": since.isoformat() if since else None, "to": until.isoformat() if until else None},
            "licences": out}


def licence_document(session: Session, reference: str) -> dict[str, Any]:
    """One licence with its lines and balances, or one registration with its recorded uses."""
    from dualcheck.licences.master import get_licence

    licence = get_licence(session, reference)
    if licence.kind != "eu_general":
        doc: dict[str, Any] = usage_report(session, reference=reference)["licences"][0]
        return doc
    uses = session.execute(select(LicenceMovement).where(LicenceMovement.licence_id == licence.id)
                           .order_by(LicenceMovement.id)).scalars()
    return {"licence": licence.reference, "kind": licence.kind, "authorisation": licence.authorisation,
            "authority": licence.authority, "status": licence.status,
            "registered_on": licence.registered_on.isoformat() if licence.registered_on else None,
            "valid_from": licence.valid_from.isoformat(),
            "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
            "uses": [{"date": m.created_at.date().isoformat(), "transaction_id": m.transaction_id, **m.detail}
                     for m in uses]}


def general_authorisation_report(session: Session, *, authorisation: str | None = None,
                                 since: dt.date | None = None, until: dt.date | None = None) -> dict[str, Any]:
    """Every export made under each Union general authorisation in the period, item by item."""
    query = _period(select(LicenceMovement).where(LicenceMovement.kind == "general_use"), since, until)
    by_authorisation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for move in session.execute(query.order_by(LicenceMovement.created_at, LicenceMovement.id)).scalars():
        if authorisation and move.detail.get("authorisation") != authorisation.upper():
            continue
        by_authorisation[move.detail["authorisation"]].append(
            {"date": move.created_at.date().isoformat(), "transaction_id": move.transaction_id, **move.detail})
    return {"period": {"from": since.isoformat() if since else None, "to": until.isoformat() if until else None},
            "authorisations": [{"authorisation": name, "exports": len({u["transaction_id"] for u in uses}),
                                "destinations": sorted({u["destination"] for u in uses}), "uses": uses}
                               for name, uses in sorted(by_authorisation.items())]}


def expiry_warnings(session: Session, *, today: dt.date, within_days: int = 60,
                    usage_share: float = 0.9) -> list[dict[str, Any]]:
    """Active licences that expire within ``within_days`` (or have expired), and lines used up to ``usage_share``."""
    warnings: list[dict[str, Any]] = []
    horizon = today + dt.timedelta(days=within_days)
    query = select(Licence).where(Licence.status == "active").options(selectinload(Licence.lines))
    for licence in session.execute(query.order_by(Licence.valid_until, Licence.reference)).scalars():
        if licence.valid_until is not None and licence.valid_until <= horizon:
            days = (licence.valid_until - today).days
            warnings.append({"licence": licence.reference, "kind": "expired" if days < 0 else "expiring",
                             "valid_until": licence.valid_until.isoformat(), "days_left": days})
        for line in licence.lines:
            for what, authorised, taken in (("quantity", line.quantity_authorised,
                                             line.quantity_used + line.quantity_reserved),
                                            ("value", line.value_authorised, line.value_used + line.value_reserved)):
                if authorised and taken >= authorised * usage_share:
                    warnings.append({"licence": licence.reference, "kind": "nearly_used", "line": line.line_no,
                                     "measure": what, "share_used": round(taken / authorised, 4)})
    return warnings
