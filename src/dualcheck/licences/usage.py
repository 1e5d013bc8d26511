"""Charging licences: reserve for open orders, consume on shipment, release reservations.

``reserve(session, *, transaction_id, allocations, as_of, destination, end_users, actor)`` and
``consume(...)`` (same arguments) apply a list of ``Allocation``s atomically in the caller's write
transaction: the lines are locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock is
taken by ``Database.write_session``), every allocation is checked again against the locked
balances, licence validity, destination and end users, and either everything is charged and one
ledger record written (kinds ``licence.reserve`` / ``licence.use``), or ``Refused`` is raised with
the reason and nothing changes. ``consume_reservation`` turns a reservation into use;
``release_reservation`` gives it back. ``use_for_transaction`` does find + plan + charge for a
transaction document in the ``dualcheck check`` input format.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.errors import BadInput, NotFound
from dualcheck.ledger import append
from dualcheck.licences.amounts import convert, quantity_decimal, quantity_units, value_decimal, value_units
from dualcheck.licences.coverage import (
    Allocation,
    demands_from_transaction,
    find_usable_licences,
    licence_problem,
    line_remaining,
    plan_allocation,
)
from dualcheck.licences.errors import Refused
from dualcheck.licences.models import Licence, LicenceLine, LicenceMovement, LicenceReservation


def _lock_lines(session: Session, line_ids: Sequence[int]) -> dict[int, LicenceLine]:
    # Lock in id order so that two writers charging overlapping lines never deadlock.
    rows = session.execute(select(LicenceLine).where(LicenceLine.id.in_(sorted(set(line_ids))))
                           .order_by(LicenceLine.id).with_for_update()).scalars().all()
    for row in rows:
        session.refresh(row)  # balances as of the lock, not as first read in this session
    return {row.id: row for row in rows}


def _in_line_units(line: LicenceLine, alloc: Allocation) -> tuple[int, int]:
    quantity = value = 0
    if alloc.quantity is not None:
        converted = convert(alloc.quantity, alloc.unit, line.unit) if line.unit else alloc.quantity
        if converted is None:
            raise Refused(f"item {alloc.item_id}: no conversion from {alloc.unit} to {line.unit} "
                          f"(licence {alloc.licence_reference} line {alloc.line_no})")
        quantity = quantity_units(converted)
    if alloc.value is not None:
        if line.currency and (alloc.currency or "").upper() != line.currency:
            raise Refused(f"item {alloc.item_id}: value in {alloc.currency}, licence {alloc.licence_reference} "
                          f"line {alloc.line_no} in {line.currency}")
        value = value_units(alloc.value)
    return quantity, value


def _charge(session: Session, *, kind: str, transaction_id: str, allocations: Sequence[Allocation],
            as_of: dt.date, destination: str, end_users: Sequence[str], actor: str,
            released: dict[int, tuple[int, int]] | None = None) -> list[dict[str, Any]]:
    """Check and apply allocations to locked lines; ``released`` adds back reserved amounts per line."""
    if not allocations:
        raise BadInput("nothing to charge", location="allocations")
    lines = _lock_lines(session, [a.line_id for a in allocations])
    pending: dict[int, list[int]] = {}
    charges = []
    for alloc in allocations:
        line = lines.get(alloc.line_id)
        if line is None:
            raise NotFound(f"licence line {alloc.line_id} not found")
        licence = session.get(Licence, line.licence_id)
        assert licence is not None
        problem = licence_problem(licence, destination, end_users, as_of)
        if problem:
            raise Refused(f"licence {licence.reference}: {problem}")
        quantity, value = _in_line_units(line, alloc)
        extra_q, extra_v = (released or {}).get(line.id, (0, 0))
        rem_q, rem_v = line_remaining(line, extra_quantity=extra_q, extra_value=extra_v)
        taken = pending.setdefault(line.id, [0, 0])
        if rem_q is not None and taken[0] + quantity > rem_q:
            raise Refused(f"licence {licence.reference} line {line.line_no}: {alloc.quantity} {alloc.unit} for item "
                          f"{alloc.item_id} exceeds the remaining balance including tolerance")
        if rem_v is not None and taken[1] + value > rem_v:
            raise Refused(f"licence {licence.reference} line {line.line_no}: value {alloc.value} {alloc.currency} "
                          f"for item {alloc.item_id} exceeds the remaining balance including tolerance")
        taken[0] += quantity
        taken[1] += value
        charges.append((licence, line, alloc, quantity, value))
    for line_id, (extra_q, extra_v) in (released or {}).items():
        line = lines[line_id]
        line.quantity_reserved -= extra_q
        line.value_reserved -= extra_v
    docs = []
    for licence, line, alloc, quantity, value in charges:
        if kind == "consume":
            line.quantity_used += quantity
            line.value_used += value
        else:
            line.quantity_reserved += quantity
            line.value_reserved += value
        # line_quantity / line_value: what the line's balance moved, in thousandths of its unit and cents
        docs.append({**alloc.as_dict(), "licence_id": licence.id, "licence": licence.reference, "line_id": line.id,
                     "line": line.line_no, "line_unit": line.unit, "line_quantity": quantity, "line_value": value,
                     **readable(line, quantity, value)})
    return docs


def readable(line: LicenceLine, quantity: int, value: int) -> dict[str, str | None]:
    """What a movement takes from a line, in the line's own unit and currency ("2 pcs", "650000.00 EUR")."""
    return {"line_charged_quantity": f"{quantity_decimal(quantity)} {line.unit}" if line.unit else None,
            "line_charged_value": f"{value_decimal(value)} {line.currency}" if line.currency else None}


def _record(session: Session, kind: str, ledger_kind: str, transaction_id: str, docs: list[dict[str, Any]],
            actor: str, *, reservation_id: str | None = None, extra: dict[str, Any] | None = None) -> int:
    lines = {d["line_id"]: session.get(LicenceLine, d["line_id"]) for d in docs}
    balances = {str(line_id): {"quantity_used": ln.quantity_used, "quantity_reserved": ln.quantity_reserved,
                               "value_used": ln.value_used, "value_reserved": ln.value_reserved}
                for line_id, ln in lines.items() if ln is not None}
    record = append(session, ledger_kind, {"transaction_id": transaction_id, "reservation_id": reservation_id,
                                           "charges": docs, "balances_after": balances, **(extra or {})},
                    actor=actor, subject=transaction_id)
    for doc in docs:
        session.add(LicenceMovement(licence_id=doc["licence_id"], line_id=doc["line_id"], kind=kind,
                                    transaction_id=transaction_id, item_id=doc["item_id"],
                                    reservation_id=reservation_id, quantity=doc["line_quantity"],
                                    value=doc["line_value"],
                                    detail=doc, actor=actor, ledger_seq=record.seq))
    session.flush()
    return record.seq


def consume(session: Session, *, transaction_id: str, allocations: Sequence[Allocation], as_of: dt.date,
            destination: str, end_users: Sequence[str], actor: str) -> dict[str, Any]:
    """Charge a shipment to licence lines (all or nothing); returns what was charged."""
    docs = _charge(session, kind="consume", transaction_id=transaction_id, allocations=allocations, as_of=as_of,
                   destination=destination, end_users=end_users, actor=actor)
    seq = _record(session, "consume", "licence.use", transaction_id, docs, actor)
    return {"transaction_id": transaction_id, "charges": docs, "ledger_seq": seq}


def reserve(session: Session, *, transaction_id: str, allocations: Sequence[Allocation], as_of: dt.date,
            destination: str, end_users: Sequence[str], actor: str) -> dict[str, Any]:
    """Set amounts aside for an open order (all or nothing); returns the reservation id."""
    docs = _charge(session, kind="reserve", transaction_id=transaction_id, allocations=allocations, as_of=as_of,
                   destination=destination, end_users=end_users, actor=actor)
    group = str(uuid.uuid4())
    for doc in docs:
        session.add(LicenceReservation(id=str(uuid.uuid4()), reservation_group=group, transaction_id=transaction_id,
                                       item_id=doc["item_id"], line_id=doc["line_id"], quantity=doc["line_quantity"],
                                       value=doc["line_value"], status="open", actor=actor))
    seq = _record(session, "reserve", "licence.reserve", transaction_id, docs, actor, reservation_id=group,
                  extra={"context": {"as_of": as_of, "destination": destination, "end_users": list(end_users)}})
    return {"reservation_id": group, "transaction_id": transaction_id, "charges": docs, "ledger_seq": seq}


def _open_reservation(session: Session, reservation_id: str) -> list[LicenceReservation]:
    rows = session.execute(select(LicenceReservation).where(LicenceReservation.reservation_group == reservation_id)
                           .with_for_update()).scalars().all()
    if not rows:
        raise NotFound(f"reservation {reservation_id!r} not found")
    if any(r.status != "open" for r in rows):
        raise Refused(f"reservation {reservation_id} is already {rows[0].status}")
    return list(rows)


def consume_reservation(session: Session, reservation_id: str, *, as_of: dt.date, destination: str,
                        end_users: Sequence[str], actor: str) -> dict[str, Any]:
    """Ship what was reserved: the reserved amounts become used (licence validity checked again)."""
    rows = _open_reservation(session, reservation_id)
    released: dict[int, tuple[int, int]] = {}
    allocations = []
    for row in rows:
        q, v = released.get(row.line_id, (0, 0))
        released[row.line_id] = (q + row.quantity, v + row.value)
        line = session.get(LicenceLine, row.line_id)
        assert line is not None
        licence = session.get(Licence, line.licence_id)
        assert licence is not None
        allocations.append(Allocation(licence.reference, line.id, line.line_no, row.item_id or "",
                                      Decimal(row.quantity) / 1000 if line.quantity_authorised is not None else None,
                                      line.unit, Decimal(row.value) / 100 if line.value_authorised is not None
                                      else None, line.currency))
        row.status = "consumed"
    docs = _charge(session, kind="consume", transaction_id=rows[0].transaction_id, allocations=allocations,
                   as_of=as_of, destination=destination, end_users=end_users, actor=actor, released=released)
    seq = _record(session, "consume", "licence.use", rows[0].transaction_id, docs, actor,
                  reservation_id=reservation_id)
    return {"reservation_id": reservation_id, "transaction_id": rows[0].transaction_id, "charges": docs,
            "ledger_seq": seq}


def release_reservation(session: Session, reservation_id: str, *, reason: str, actor: str) -> dict[str, Any]:
    """Give reserved amounts back to the lines (order cancelled or changed)."""
    rows = _open_reservation(session, reservation_id)
    lines = _lock_lines(session, [r.line_id for r in rows])
    docs = []
    for row in rows:
        line = lines[row.line_id]
        line.quantity_reserved -= row.quantity
        line.value_reserved -= row.value
        row.status = "released"
        docs.append({"licence_id": line.licence_id, "line_id": line.id, "line": line.line_no, "item_id": row.item_id,
                     "line_unit": line.unit, "line_quantity": row.quantity, "line_value": row.value,
                     **readable(line, row.quantity, row.value)})
    seq = _record(session, "release", "licence.release", rows[0].transaction_id, docs, actor,
                  reservation_id=reservation_id, extra={"reason": reason})
    return {"reservation_id": reservation_id, "released": docs, "ledger_seq": seq}


def use_for_transaction(session: Session, tx: dict[str, Any], *, as_of: dt.date, actor: str,
                        mode: str = "consume", source: str | None = None) -> dict[str, Any]:
    """Find usable licences for every item, split items over several when needed, and charge them."""
    transaction_id = str(tx.get("id") or "").strip() if isinstance(tx, dict) else ""
    if not transaction_id:
        raise BadInput("the transaction needs an id to be charged to a licence", source=source, location="id")
    destination, end_users, demands = demands_from_transaction(tx, source=source)
    coverage = find_usable_licences(session, destination=destination, end_users=end_users, items=demands,
                                    as_of=as_of)
    allocations: list[Allocation] = []
    for item in coverage:
        plan = plan_allocation(item)
        if plan is None:
            why = "; ".join(f"{r['licence']}: {r['reason']}" for r in item.not_usable[:3]) or "no licence on record"
            raise Refused(f"item {item.demand.item_id}: no usable licence balance covers it ({why})")
        allocations.extend(plan)
    charge = consume if mode == "consume" else reserve
    return charge(session, transaction_id=transaction_id, allocations=allocations, as_of=as_of,
                  destination=destination, end_users=end_users, actor=actor)
