"""Which licence lines can cover a transaction's items, and how to split an item across several.

``find_usable_licences(session, *, destination, end_users, items, as_of)`` is what a check calls
when it resolves to LICENCE_REQUIRED: for every item (``ItemDemand``: control codes, quantity,
unit, value, currency) it returns the usable lines with their remaining balances, and for every
licence that does not fit, the reason (expired, not yet valid, not active, destination, end
user, item, unit or currency, balance). ``plan_allocation`` then spreads one item over several
usable lines in sequence (earliest expiry first) when one is not enough.
``licence_coverage(session, transaction, *, as_of)`` answers the same for a whole transaction in
the ``dualcheck check`` input format, without charging anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dualcheck.errors import BadInput
from dualcheck.licences.amounts import QUANTITY_SCALE, VALUE_SCALE, convert, to_decimal
from dualcheck.licences.models import Licence, LicenceLine

QUANTITY_LIMITED_KINDS = ("individual", "global", "large_project", "national_general")


@dataclass(frozen=True)
class ItemDemand:
    item_id: str
    control_codes: tuple[str, ...]
    quantity: Decimal | None = None
    unit: str | None = None
    value: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class LineOption:
    licence_reference: str
    licence_id: str
    line_id: int
    line_no: int
    valid_until: dt.date | None
    remaining_quantity: Decimal | None  # in the item's unit; None = not limited
    remaining_value: Decimal | None  # in the item's currency; None = not limited

    def as_dict(self) -> dict[str, Any]:
        return {"licence": self.licence_reference, "line": self.line_no,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "remaining_quantity": _text(self.remaining_quantity), "remaining_value": _text(self.remaining_value)}


@dataclass
class ItemCoverage:
    demand: ItemDemand
    options: list[LineOption] = field(default_factory=list)
    not_usable: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        plan = plan_allocation(self)
        return {"item_id": self.demand.item_id, "covered": plan is not None,
                "options": [o.as_dict() for o in self.options], "not_usable": self.not_usable}


@dataclass(frozen=True)
class Allocation:
    """Part of one item charged to one licence line (amounts in the item's unit and currency)."""

    licence_reference: str
    line_id: int
    line_no: int
    item_id: str
    quantity: Decimal | None
    unit: str | None
    value: Decimal | None
    currency: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"licence": self.licence_reference, "line": self.line_no, "item_id": self.item_id,
                "quantity": _text(self.quantity), "unit": self.unit, "value": _text(self.value),
                "currency": self.currency}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def normalise_name(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())


def code_covers(line_code: str, item_code: str) -> bool:
    """A line for ``5A002`` covers ``5A002.a.1``; a line for ``5A002.a`` does not cover ``5A002.b``
    nor the wider ``5A002`` (the item might be another sub-item)."""
    line_code, item_code = line_code.strip().rstrip("."), item_code.strip().rstrip(".")
    return item_code == line_code or item_code.startswith(line_code + ".")


def licence_problem(licence: Licence, destination: str, end_users: Sequence[str], as_of: dt.date) -> str | None:
    if licence.status != "active":
        return f"licence is {licence.status}"
    if as_of < licence.valid_from:
        return f"not valid before {licence.valid_from.isoformat()}"
    if licence.valid_until is not None and as_of > licence.valid_until:
        return f"expired on {licence.valid_until.isoformat()}"
    if destination.upper() not in licence.destinations:
        return f"destination {destination.upper()} not covered (licence: {', '.join(licence.destinations)})"
    if licence.end_users:
        allowed = {normalise_name(n) for n in licence.end_users}
        if not end_users:
            return "the transaction names no end user; the licence is limited to named end users"
        missing = [n for n in end_users if normalise_name(n) not in allowed]
        if missing:
            return f"end user {missing[0]!r} not covered"
    return None


def line_remaining(line: LicenceLine, *, extra_quantity: int = 0,
                   extra_value: int = 0) -> tuple[int | None, int | None]:
    """Remaining (quantity, value) in storage units, tolerance included; ``extra`` adds back amounts
    reserved for the very transaction being consumed."""
    quantity = value = None
    if line.quantity_authorised is not None:
        ceiling = line.quantity_authorised * (1000 + line.tolerance_permille) // 1000
        quantity = ceiling - line.quantity_used - line.quantity_reserved + extra_quantity
    if line.value_authorised is not None:
        ceiling = line.value_authorised * (1000 + line.tolerance_permille) // 1000
        value = ceiling - line.value_used - line.value_reserved + extra_value
    return quantity, value


def line_option(licence: Licence, line: LicenceLine, demand: ItemDemand) -> LineOption | str:
    """The line as an option for this item, or why it cannot be one."""
    if not any(code_covers(lc, ic) for ic in demand.control_codes for lc in line.control_codes):
        return f"item {'/'.join(demand.control_codes) or '(no control code)'} not covered " \
               f"(line: {', '.join(line.control_codes)})"
    rem_q, rem_v = line_remaining(line)
    remaining_quantity = remaining_value = None
    if rem_q is not None:
        if demand.quantity is None:
            return "the item has no quantity; the line limits quantity"
        converted = convert(Decimal(rem_q) / QUANTITY_SCALE, line.unit, demand.unit)
        if converted is None:
            return f"no conversion from {demand.unit or '(no unit)'} to the line's unit {line.unit}"
        remaining_quantity = converted
    if rem_v is not None:
        if demand.value is None:
            return "the item has no value; the line limits value"
        if (demand.currency or "").upper() != line.currency:
            return f"value in {demand.currency or '(no currency)'}, line in {line.currency}: no conversion"
        remaining_value = Decimal(rem_v) / VALUE_SCALE
    if any(r is not None and r <= 0 for r in (remaining_quantity, remaining_value)):
        return "balance used up"
    return LineOption(licence.reference, licence.id, line.id, line.line_no, licence.valid_until,
                      remaining_quantity, remaining_value)


def find_usable_licences(session: Session, *, destination: str, end_users: Sequence[str],
                         items: Sequence[ItemDemand], as_of: dt.date,
                         holder: str | None = None) -> list[ItemCoverage]:
    """Usable licence lines per item, with the reasons for the licences that are not usable; with
    ``holder``, a licence issued to another holder is not usable."""
    licences = session.execute(select(Licence).where(Licence.kind.in_(QUANTITY_LIMITED_KINDS))
                               .options(selectinload(Licence.lines)).order_by(Licence.reference)).scalars().all()
    result = []
    for demand in items:
        coverage = ItemCoverage(demand)
        for licence in licences:
            problem = licence_problem(licence, destination, end_users, as_of)
            if not problem and holder and licence.holder and normalise_name(holder) != normalise_name(licence.holder):
                problem = f"issued to {licence.holder}, not to {holder}"
            if problem:
                coverage.not_usable.append({"licence": licence.reference, "reason": problem})
                continue
            line_reasons = []
            for line in licence.lines:
                option = line_option(licence, line, demand)
                if isinstance(option, LineOption):
                    coverage.options.append(option)
                else:
                    line_reasons.append({"licence": licence.reference, "line": line.line_no, "reason": option})
            if not any(o.licence_id == licence.id for o in coverage.options):
                coverage.not_usable.extend(line_reasons)
        coverage.options.sort(key=lambda o: (o.valid_until or dt.date.max, o.licence_reference, o.line_no))
        result.append(coverage)
    return result


def plan_allocation(coverage: ItemCoverage) -> list[Allocation] | None:
    """Charge the item to its options in order until it is covered; None if they are not enough."""
    demand = coverage.demand
    left = Fraction(1)
    shares: list[tuple[LineOption, Fraction]] = []
    for option in coverage.options:
        share = left
        if option.remaining_quantity is not None and demand.quantity:
            share = min(share, Fraction(option.remaining_quantity) / Fraction(demand.quantity))
        if option.remaining_value is not None and demand.value:
            share = min(share, Fraction(option.remaining_value) / Fraction(demand.value))
        if share <= 0:
            continue
        shares.append((option, share))
        left -= share
        if left == 0:
            break
    if left > 0:
        return None
    allocations = []
    for option, share in shares:
        quantity = None if demand.quantity is None else Decimal(share.numerator) * demand.quantity / share.denominator
        value = None if demand.value is None else Decimal(share.numerator) * demand.value / share.denominator
        allocations.append(Allocation(option.licence_reference, option.line_id, option.line_no, demand.item_id,
                                      quantity, demand.unit, value, demand.currency))
    return allocations


def shipment_context(tx: Any, *, source: str | None = None) -> tuple[str, list[str]]:
    """(destination, end-user names) of a transaction in the check input format."""
    if not isinstance(tx, dict):
        raise BadInput("a transaction must be a JSON object", source=source)
    destination = tx.get("destination")
    if not isinstance(destination, str) or len(destination.strip()) != 2:
        raise BadInput("destination must be an ISO 3166-1 alpha-2 code", source=source, location="destination")
    parties = [p for p in tx.get("parties") or [] if isinstance(p, dict)]
    return destination.strip().upper(), [str(p.get("name", "")) for p in parties if p.get("role") == "end_user"]


def demands_from_transaction(tx: dict[str, Any], *,
                             source: str | None = None) -> tuple[str, list[str], list[ItemDemand]]:
    """(destination, end-user names, item demands) from a transaction in the check input format."""
    destination, end_users = shipment_context(tx, source=source)
    items = tx.get("items")
    if not isinstance(items, list) or not items:
        raise BadInput("the transaction has no items", source=source, location="items")
    demands = []
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            raise BadInput("must be an object", source=source, location=where)
        codes = item.get("control_codes")
        if not isinstance(codes, list) or not codes:
            raise BadInput("needs its control codes to be charged to a licence", source=source,
                           location=f"{where}.control_codes")
        demands.append(ItemDemand(
            item_id=str(item.get("id") or i + 1), control_codes=tuple(str(c) for c in codes),
            quantity=to_decimal(item["quantity"], f"{where}.quantity") if item.get("quantity") is not None else None,
            unit=item.get("unit"),
            value=to_decimal(item["value"], f"{where}.value") if item.get("value") is not None else None,
            currency=(item.get("currency") or None),
        ))
    return destination, end_users, demands


def licence_coverage(session: Session, transaction: dict[str, Any], *, as_of: dt.date,
                     source: str | None = None) -> dict[str, Any]:
    """For a check that resolved to LICENCE_REQUIRED: can the licences on record cover this transaction?

    ``{"covered": bool, "items": [{"item_id", "covered", "options", "not_usable"}]}``; nothing is charged.
    """
    destination, end_users, demands = demands_from_transaction(transaction, source=source)
    items = [c.as_dict() for c in find_usable_licences(session, destination=destination, end_users=end_users,
                                                        items=demands, as_of=as_of)]
    return {"as_of": as_of.isoformat(), "covered": all(i["covered"] for i in items), "items": items}
