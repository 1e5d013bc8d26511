"""Licences in the determination: when the law requires an authorisation for listed items, look
for the exporter's licences on record that cover them, and reserve what the shipment takes.

The legal outcome is never changed: a covered transaction stays LICENCE_REQUIRED, and each item
says which licence and line cover it (``covered_by``). Only an authorisation requirement that a
licence for the goods answers can be covered: the listing of the item (Art. 3(1), Annex IV
transfers, national measures for listed goods). A catch-all (Art. 4, 5, 9, 10), a prohibition,
a missing fact or a requirement raised by a party or the destination always goes to an officer.
A new check of the same transaction supersedes the earlier one, and releases its reservations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.errors import BadInput
from dualcheck.licences.coverage import (
    Allocation,
    demands_from_transaction,
    find_usable_licences,
    normalise_name,
    plan_allocation,
)
from dualcheck.licences.errors import Refused
from dualcheck.licences.models import LicenceReservation
from dualcheck.rules import Determination, Outcome

# Rules whose LICENCE_REQUIRED a licence for the goods answers (see the module docstring).
COVERABLE_RULES = ("export.listed", "transfer.annex_iv")
COVERABLE_PREFIXES = ("national.",)
BLOCKING = (Outcome.PROHIBITED, Outcome.NEEDS_INFORMATION, Outcome.LICENCE_REQUIRED)


@dataclass
class LicenceCover:
    """What the licences on record can do for one determination."""

    destination: str
    end_users: list[str]
    allocations: dict[str, list[Allocation]] = field(default_factory=dict)  # item id -> plan
    not_covered: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # item id -> why not

    @property
    def covered(self) -> bool:
        return bool(self.allocations) and not self.not_covered

    def plan(self) -> list[Allocation]:
        return [a for plan in self.allocations.values() for a in plan]

    def item_doc(self, item_id: str) -> dict[str, Any] | None:
        if item_id in self.allocations:
            return {"covered_by": [a.as_dict() for a in self.allocations[item_id]]}
        if item_id in self.not_covered:
            return {"covered_by": [], "licences_not_usable": self.not_covered[item_id]}
        return None


def items_to_cover(det: Determination) -> list[int] | None:
    """Positions of the items a licence must cover, or None when licences on record cannot answer."""
    if det.outcome != Outcome.LICENCE_REQUIRED:
        return None
    if det.parties.outcome in BLOCKING or det.destination.outcome in BLOCKING:
        return None
    positions = []
    for index, item in enumerate(det.items):
        if item.verdict.outcome != Outcome.LICENCE_REQUIRED:
            continue
        bound = [r.rule for r in item.verdict.reasons if r.outcome == Outcome.LICENCE_REQUIRED]
        if not all(rule in COVERABLE_RULES or rule.startswith(COVERABLE_PREFIXES) for rule in bound):
            return None
        positions.append(index)
    return positions or None


def find_cover(session: Session, doc: dict[str, Any], det: Determination, as_of: dt.date,
               *, source: str | None = None) -> LicenceCover | None:
    """Usable licence lines for every item that needs an authorisation; nothing is charged."""
    positions = items_to_cover(det)
    if positions is None:
        return None
    items = [{**doc["items"][i], "id": det.items[i].id} for i in positions]
    try:
        destination, end_users, demands = demands_from_transaction({**doc, "items": items}, source=source)
    except BadInput:  # no destination or no codes to charge: nothing on record can cover it
        return None
    exporter = doc.get("exporter")
    holder = exporter.get("name") if isinstance(exporter, dict) else None
    cover = LicenceCover(destination, end_users)
    for coverage in find_usable_licences(session, destination=destination, end_users=end_users, items=demands,
                                         as_of=as_of, holder=holder or None):
        plan = plan_allocation(coverage)
        if plan is None:
            cover.not_covered[coverage.demand.item_id] = coverage.not_usable or [
                {"reason": "no licence on record covers it with enough balance"}]
        else:
            cover.allocations[coverage.demand.item_id] = plan
    return cover


def release_superseded(session: Session, transaction_id: str, check_id: str, actor: str) -> list[str]:
    """Release the open reservations an earlier check of this transaction made."""
    from dualcheck.licences.usage import release_reservation

    groups = session.execute(select(LicenceReservation.reservation_group).where(
        LicenceReservation.transaction_id == transaction_id, LicenceReservation.status == "open")
        .distinct()).scalars().all()
    for group in sorted(groups):
        release_reservation(session, group, reason=f"superseded by check {check_id}", actor=actor)
    return sorted(groups)


def reserve_cover(session: Session, cover: LicenceCover, *, transaction_id: str, as_of: dt.date,
                  actor: str) -> dict[str, Any] | None:
    """Reserve the planned amounts (all or nothing); None when a balance moved since it was read."""
    from dualcheck.licences.usage import reserve

    try:
        return reserve(session, transaction_id=transaction_id, allocations=cover.plan(), as_of=as_of,
                       destination=cover.destination, end_users=cover.end_users, actor=actor)
    except Refused:
        return None


def registrations_on_record(session: Session, doc: dict[str, Any], as_of: dt.date) -> dict[str, str]:
    """The exporter's active registrations for Union general export authorisations on ``as_of``
    (authorisation -> registration reference); a registration of another holder does not count."""
    from dualcheck.licences.general import active_registration
    from dualcheck.licences.master import GENERAL_AUTHORISATIONS

    exporter = doc.get("exporter")
    holder = normalise_name(str(exporter.get("name") or "")) if isinstance(exporter, dict) else ""
    found = {}
    for authorisation in GENERAL_AUTHORISATIONS:
        registration = active_registration(session, authorisation, as_of)
        if registration is None:
            continue
        if holder and registration.holder and normalise_name(registration.holder) != holder:
            continue
        found[authorisation] = registration.reference
    return found


def with_registrations(doc: dict[str, Any], registrations: dict[str, str]) -> dict[str, Any]:
    """The transaction with the registrations on record added to the ones it states."""
    stated = [r for r in doc.get("registrations") or [] if isinstance(r, str)]
    added = sorted(set(registrations) - {r.upper() for r in stated})
    return {**doc, "registrations": stated + added} if added else doc
