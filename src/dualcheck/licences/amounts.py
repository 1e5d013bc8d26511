"""Exact amounts: quantities in thousandths of a unit, values in cents, and unit conversion.

Conversions come from ``data/units.yaml`` (exact decimal factors within one dimension); anything
not defined there is refused, never guessed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources

import yaml

QUANTITY_SCALE = Decimal(1000)
VALUE_SCALE = Decimal(100)


def to_decimal(value: object, field: str) -> Decimal:
    from dualcheck.errors import BadInput

    if isinstance(value, bool):
        raise BadInput("must be a number", location=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BadInput(f"not a number: {value!r}", location=field) from None
    if not number.is_finite() or number < 0:
        raise BadInput(f"must be a finite number not below zero: {value!r}", location=field)
    return number


def quantity_units(amount: Decimal) -> int:
    """Thousandths of the unit, rounded half-even (the storage precision)."""
    return int((amount * QUANTITY_SCALE).to_integral_value(ROUND_HALF_EVEN))


def value_units(amount: Decimal) -> int:
    return int((amount * VALUE_SCALE).to_integral_value(ROUND_HALF_EVEN))


def quantity_decimal(units: int | None) -> str | None:
    return None if units is None else format((Decimal(units) / QUANTITY_SCALE).normalize(), "f")


def value_decimal(units: int | None) -> str | None:
    return None if units is None else str((Decimal(units) / VALUE_SCALE).quantize(Decimal("0.01")))


@lru_cache(maxsize=1)
def _unit_table() -> dict[str, tuple[str, Decimal]]:
    """unit -> (dimension, factor to the dimension's base unit)."""
    text = resources.files("dualcheck.licences").joinpath("data/units.yaml").read_text(encoding="utf-8")
    table: dict[str, tuple[str, Decimal]] = {}
    for dimension, spec in yaml.safe_load(text)["dimensions"].items():
        for unit, factor in spec["units"].items():
            table[unit.lower()] = (dimension, Decimal(factor))
    return table


def normalise_unit(unit: str | None) -> str | None:
    return unit.strip().lower() if unit and unit.strip() else None


def convert(amount: Decimal, from_unit: str | None, to_unit: str | None) -> Decimal | None:
    """``amount`` in ``from_unit`` expressed in ``to_unit``; None when no conversion is defined."""
    src, dst = normalise_unit(from_unit), normalise_unit(to_unit)
    if src == dst:
        return amount
    table = _unit_table()
    if src not in table or dst not in table or table[src][0] != table[dst][0]:
        return None
    return amount * table[src][1] / table[dst][1]
