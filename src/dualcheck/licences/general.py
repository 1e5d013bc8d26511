"""Use of Union general export authorisations (EU001-EU008) under the exporter's registration.

``record_general_use(session, *, authorisation, transaction, as_of, actor)`` is called when a
transaction goes out under a general authorisation (the rules decide that it may): it needs an
active registration for that authorisation valid on ``as_of`` and writes one movement per item
(for the reporting Member States require, and that EU007/EU008 ask for) plus a ledger record
``licence.general_use``. General authorisations carry no balance, so nothing is subtracted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.errors import BadInput
from dualcheck.ledger import append
from dualcheck.licences.amounts import quantity_units, value_units
from dualcheck.licences.coverage import demands_from_transaction
from dualcheck.licences.errors import Refused
from dualcheck.licences.master import GENERAL_AUTHORISATIONS
from dualcheck.licences.models import Licence, LicenceMovement


def active_registration(session: Session, authorisation: str, as_of: dt.date) -> Licence | None:
    rows = session.execute(select(Licence).where(Licence.kind == "eu_general", Licence.authorisation == authorisation,
                                                 Licence.status == "active")).scalars()
    for reg in rows:
        if reg.valid_from <= as_of and (reg.valid_until is None or as_of <= reg.valid_until):
            return reg
    return None


def record_general_use(session: Session, *, authorisation: str, transaction: dict[str, Any], as_of: dt.date,
                       actor: str, source: str | None = None) -> dict[str, Any]:
    authorisation = authorisation.upper()
    if authorisation not in GENERAL_AUTHORISATIONS:
        raise BadInput(f"not a Union general export authorisation: {authorisation}", location="authorisation")
    transaction_id = str(transaction.get("id") or "").strip()
    if not transaction_id:
        raise BadInput("the transaction needs an id", source=source, location="id")
    destination, end_users, demands = demands_from_transaction(transaction, source=source)
    registration = active_registration(session, authorisation, as_of)
    if registration is None:
        raise Refused(f"no active registration for {authorisation} on {as_of.isoformat()}")
    items = []
    for demand in demands:
        detail = {"authorisation": authorisation, "registration": registration.reference, "destination": destination,
                  "end_users": end_users, "as_of": as_of.isoformat(), "item_id": demand.item_id,
                  "control_codes": list(demand.control_codes),
                  "quantity": str(demand.quantity) if demand.quantity is not None else None, "unit": demand.unit,
                  "value": str(demand.value) if demand.value is not None else None, "currency": demand.currency}
        items.append(detail)
    record = append(session, "licence.general_use", {"transaction_id": transaction_id, "authorisation": authorisation,
                                                     "registration": registration.reference, "items": items},
                    actor=actor, subject=transaction_id)
    for detail, demand in zip(items, demands, strict=True):
        session.add(LicenceMovement(
            licence_id=registration.id, line_id=None, kind="general_use", transaction_id=transaction_id,
            item_id=demand.item_id, quantity=quantity_units(demand.quantity) if demand.quantity is not None else 0,
            value=value_units(demand.value) if demand.value is not None else 0, detail=detail, actor=actor,
            ledger_seq=record.seq))
    session.flush()
    return {"transaction_id": transaction_id, "authorisation": authorisation, "registration": registration.reference,
            "items": items, "ledger_seq": record.seq}
