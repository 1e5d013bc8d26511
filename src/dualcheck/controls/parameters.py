"""Technical parameters: numeric thresholds parsed out of provision text into structured criteria.

A criterion is (quantity, comparator, value, unit) — "Output power exceeding 2 kW" becomes
("output power", ">", 2000.0 W). Ranges ("exceeding 975 nm but not exceeding 1150 nm", "from
40 GHz to 230 GHz") become two criteria on the same quantity. Criteria on one line combine with
AND; the children of a provision combine as its text says ("any of the following", "all of the
following", "having both", "as follows" = alternatives). `threshold_coverage` measures how many
threshold-bearing provisions yield criteria.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dualcheck.controls.units import UNIT_PATTERN, Unit, lookup_unit, parse_number

if TYPE_CHECKING:
    from dualcheck.controls.catalog import ControlCatalog, Provision

_NUM = r"[-+−]?\d(?:[\d  ]*\d)?(?:,\d+|\.\d+)?(?:\s*[x×]\s*10\s*\^?\s*[-−]?\d+)?"
_COMPARATORS = [
    (r"equal to or (?:more|greater|higher) than|equal to or exceeding|greater than or equal to|not less than|"
     r"at least|≥|>=", ">="),
    (r"equal to or less \(better\) than|equal to or less than|equal to or lower than|less than or equal to|"
     r"not more than|not exceeding|up to|≤|<=|of no more than", "<="),
    (r"exceeding|more than|greater than|in excess of|above|higher than|over|>", ">"),
    (r"less \(better\) than|less than|lower than|below|under|<|better than", "<"),
]
_COMP_ALTERNATION = "|".join(f"(?P<c{i}>{pattern})" for i, (pattern, _) in enumerate(_COMPARATORS))
_UNIT = rf"(?P<unit>{UNIT_PATTERN})(?![A-Za-z0-9])"
_PREFIX_RE = re.compile(rf"(?:{_COMP_ALTERNATION})\s+(?P<num>{_NUM})\s*(?:{_UNIT})?", re.IGNORECASE)
# "153 K (-120 °C) or less": the parenthesised equivalent between the value and "or less" is skipped
_POSTFIX_RE = re.compile(rf"(?P<num>{_NUM})\s*(?:{_UNIT})?(?:\s*\([^)]*\))?\s*,?\s+or\s+"
                         rf"(?P<dir>more|greater|higher|less|lower|fewer)\b", re.IGNORECASE)
_RANGE_RE = re.compile(rf"\b(?:from|between)\s+(?P<lo>{_NUM})\s*(?P<lounit>{UNIT_PATTERN})?\s+(?:to|and)\s+"
                       rf"(?P<hi>{_NUM})\s*(?:{_UNIT})?", re.IGNORECASE)
_NAME_STOP_RE = re.compile(r"(?:[;:,(]|\band\b|\bor\b|\bbut\b|\bwith\b|\bhaving\b|\bwhich\b|\bthat\b|\bof\b)",
                           re.IGNORECASE)
_THRESHOLD_HINT_RE = re.compile(rf"(?:{_COMP_ALTERNATION})\s+{_NUM}|{_NUM}\s*\S*\s+or\s+(?:more|greater|higher|less|"
                                r"lower)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Criterion:
    quantity: str
    op: str  # > >= < <=
    value: float  # in the base unit of the dimension
    unit: str | None  # the unit as written
    dimension: str  # "count" for plain numbers
    text: str

    def holds(self, actual: float) -> bool:
        return {">": actual > self.value, ">=": actual >= self.value, "<": actual < self.value,
                "<=": actual <= self.value}[self.op]

    def as_dict(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "comparator": self.op, "value": self.value, "unit": self.unit,
                "dimension": self.dimension, "text": self.text}


def _quantity_name(text: str, start: int) -> str:
    before = re.sub(r"\([^()]*\)", " ", text[:start])  # "(25 °C)", "("APP")": equivalents and acronyms
    before = re.sub(r"\s*\b(?:of|is|a|an|the|at)\s*$", "", before)
    parts = _NAME_STOP_RE.split(before)
    name = parts[-1] if parts else ""
    name = re.sub(r"[\"'‘’“”()]", "", name).strip()
    words = name.split()[-6:]
    return " ".join(words).lower()


def _criterion(text: str, match_start: int, op: str, num: str, unit_symbol: str | None, raw: str,
               previous: Criterion | None) -> Criterion | None:
    try:
        value = parse_number(num, decimal_comma=True)
    except ValueError:
        return None
    unit: Unit | None = lookup_unit(unit_symbol) if unit_symbol else None
    name = _quantity_name(text, match_start)
    if previous is not None and (not name or re.search(r"\bbut\s*$", text[:match_start])):
        name = previous.quantity
        if unit is None and previous.unit:  # "exceeding 1 but not exceeding 2 kW" style
            unit = lookup_unit(previous.unit)
    dimension = unit.dimension if unit else "count"
    base = unit.to_base(value) if unit else value
    return Criterion(name, op, base, unit.symbol if unit else None, dimension, raw.strip())


def parse_criteria(text: str) -> list[Criterion]:
    """Every numeric threshold in one provision's text, in order of appearance."""
    found: list[tuple[int, Criterion]] = []
    taken: list[tuple[int, int]] = []
    previous: Criterion | None = None
    for match in _RANGE_RE.finditer(text):
        unit = match.group("unit") or match.group("lounit")
        lo = _criterion(text, match.start(), ">=", match.group("lo"), unit, match.group(0), None)
        if lo is not None:
            hi = Criterion(lo.quantity, "<=", _criterion(text, match.start(), "<=", match.group("hi"), unit,
                                                         match.group(0), None).value,  # type: ignore[union-attr]
                           lo.unit, lo.dimension, match.group(0))
            found += [(match.start(), lo), (match.start() + 1, hi)]
            taken.append(match.span())
    for match in _PREFIX_RE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        op = next(o for i, (_, o) in enumerate(_COMPARATORS) if match.group(f"c{i}"))
        crit = _criterion(text, match.start(), op, match.group("num"), match.group("unit"), match.group(0), previous)
        if crit is not None:
            found.append((match.start(), crit))
            taken.append(match.span())
            previous = crit
    for match in _POSTFIX_RE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        op = ">=" if match.group("dir").lower() in ("more", "greater", "higher") else "<="
        crit = _criterion(text, match.start(), op, match.group("num"), match.group("unit"), match.group(0), None)
        if crit is not None:
            found.append((match.start(), crit))
    ordered = [c for _, c in sorted(found, key=lambda t: t[0])]
    for i in range(1, len(ordered)):  # "... of 150 nm or more but not exceeding 510 nm": same quantity
        if not ordered[i].quantity or ordered[i].quantity == "but":
            ordered[i] = replace(ordered[i], quantity=ordered[i - 1].quantity)
    return ordered


def is_threshold_bearing(text: str) -> bool:
    return _THRESHOLD_HINT_RE.search(text) is not None


def combinator(text: str) -> str:
    """How the children of a provision combine: 'all' or 'any' (alternatives)."""
    low = text.lower()
    if re.search(r"\b(all|both) (of )?the following|all the following|each of the following", low):
        return "all"
    return "any"


def threshold_coverage(catalog: ControlCatalog) -> dict[str, Any]:
    """Share of threshold-bearing item provisions from which criteria are parsed.

    `parsed`: at least one criterion came out; `fully_parsed`: at least as many criteria as there
    are comparator-number phrases in the text (a stricter, still approximate, measure).
    """
    bearing = parsed = full = 0
    unparsed: list[str] = []
    for provision in catalog.provisions.values():
        if not is_threshold_bearing(provision.text):
            continue
        bearing += 1
        criteria = parse_criteria(provision.text)
        if criteria:
            parsed += 1
            full += len(criteria) >= len(_THRESHOLD_HINT_RE.findall(provision.text))
        elif len(unparsed) < 20:
            unparsed.append(provision.code)
    return {"threshold_bearing": bearing, "parsed": parsed, "share": round(parsed / bearing, 4) if bearing else None,
            "fully_parsed": full, "share_fully_parsed": round(full / bearing, 4) if bearing else None,
            "examples_unparsed": unparsed}


# --- matching free-text quantities (classification) ---------------------------------------

_FREE_QTY_RE = re.compile(rf"(?P<num>\d[\d,.]*)\s*(?P<unit>{UNIT_PATTERN})(?![A-Za-z0-9])")


def extract_quantities(text: str) -> list[tuple[float, str]]:
    """Numbers with units in a free-text description -> [(value in base unit, dimension)]."""
    out = []
    for match in _FREE_QTY_RE.finditer(text.replace("μ", "µ")):
        unit = lookup_unit(match.group("unit"))
        if unit is None or unit.dimension in ("count",):
            continue
        try:
            out.append((unit.to_base(parse_number(match.group("num"))), unit.dimension))
        except ValueError:
            continue
    return out


def match_quantities(provision: Provision, quantities: list[tuple[float, str]]) -> dict[str, Any] | None:
    """Do the description's quantities satisfy the provision's own thresholds (those with a known dimension)?"""
    results = []
    for criterion in parse_criteria(provision.text):
        values = [v for v, dim in quantities if dim == criterion.dimension]
        if not values or criterion.dimension == "count":
            continue
        results.append({"criterion": criterion.text, "met": any(criterion.holds(v) for v in values)})
    if not results:
        return None
    return {"met": all(r["met"] for r in results), "criteria": results}
