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
from functools import cache
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from dualcheck.controls.quantities import (
    _FORMULA,
    NUM,
    Stated,
    better_direction,
    compatible,
    has_direction,
    kind_candidates,
    kinds_of,
)
from dualcheck.controls.text import normalise
from dualcheck.controls.units import UNIT_PATTERN, Unit, lookup_unit, parse_number

if TYPE_CHECKING:
    from dualcheck.controls.catalog import ControlCatalog

MET, NOT_MET, UNDETERMINED = "met", "not_met", "undetermined"
_NUM = NUM
_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "twelve": 12}
# the parenthesis says which way "better" or "worse" goes: "better (less) than", "less (better) than"
_COMPARATORS = [
    (r"equal to or (?:more|greater|higher) than|equal to or exceeding|greater than or equal to|not less than|"
     r"at least|≥", ">="),
    (r"equal to or less \(better\) than|equal to or better \(less\) than|equal to or less than|"
     r"equal to or lower than|less than or equal to|not more than|not exceeding|up to|≤|of no more than", "<="),
    (r"more \(worse\) than|worse \(more\) than|exceeding|more than|greater than|in excess of|above|higher than|"
     r"over|>", ">"),
    (r"less \(better\) than|better \(less\) than|less \(worse\) than|less than|lower than|below|under|<", "<"),
    (r"better than", "better"),
]
_COMP_ALTERNATION = "|".join(f"(?P<c{i}>{pattern})" for i, (pattern, _) in enumerate(_COMPARATORS))
_UNIT = rf"(?P<unit>{UNIT_PATTERN})(?![A-Za-z0-9])"
_PREFIX_RE = re.compile(rf"(?:{_COMP_ALTERNATION})\s+(?:(?P<formula>{_FORMULA})\s*(?P<funit>{UNIT_PATTERN})"
                        rf"(?![A-Za-z0-9])|(?P<num>{_NUM})\s*(?:{_UNIT})?)",
                        re.IGNORECASE)
# "153 K (-120 °C) or less": the parenthesised equivalent between the value and "or less" is skipped
_POSTFIX_RE = re.compile(rf"(?P<num>{_NUM}|\b(?:{'|'.join(_WORD_NUMBERS)})\b)\s*(?:{_UNIT})?(?:\s*\([^)]*\))?\s*,?\s+"
                         rf"or\s+(?P<dir>more|greater|higher|less|lower|fewer|better|worse)\b(?:\s*\((?P<paren>"
                         r"less|more|better|worse)\))?", re.IGNORECASE)
_RANGE_RE = re.compile(rf"\b(?:from|between)\s+(?P<lo>{_NUM})\s*(?P<lounit>{UNIT_PATTERN})?\s+(?:to|and)\s+"
                       rf"(?P<hi>{_NUM})\s*(?:{_UNIT})?", re.IGNORECASE)
_NAME_STOP_RE = re.compile(r"(?:[;:,(]|\band\b|\bor\b|\bbut\b|\bwith\b|\bhaving\b|\bwhich\b|\bthat\b|\bof\b)",
                           re.IGNORECASE)
_THRESHOLD_HINT_RE = re.compile(rf"(?:{_COMP_ALTERNATION})\s+{_NUM}|{_NUM}\s*\S*\s+or\s+(?:more|greater|higher|less|"
                                r"lower)\b", re.IGNORECASE)
_SYMBOL = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}


@dataclass(frozen=True)
class Criterion:
    quantity: str
    op: str  # > >= < <=
    value: float  # in the base unit of the dimension (a formula's constant term)
    unit: str | None  # the unit as written
    dimension: str  # "count" for plain numbers
    text: str
    kinds: tuple[str, ...] = ()
    per_mm: float = 0.0  # formula limits: threshold(L) = value + per_mm * L, L in mm
    note: str = ""  # how an ambiguous wording was resolved

    def limit(self, length_mm: float = 0.0) -> float:
        return self.value + self.per_mm * length_mm

    def holds(self, actual: float, length_mm: float = 0.0) -> bool:
        limit = self.limit(length_mm)
        return {">": actual > limit, ">=": actual >= limit, "<": actual < limit, "<=": actual <= limit}[self.op]

    def reading(self) -> str:
        """How the criterion was read, for an officer to spot a misreading."""
        unit = self.unit or ""
        if self.per_mm:
            shown = f"{self.raw_value():g} + {self.raw_slope():g}·L {unit} (L in mm)"
        else:
            shown = f"{self.raw_value():g} {unit}".strip()
        kind = f" [{self.kinds[0]}]" if self.kinds else " [kind not recognised]"
        return f"{self.quantity or self.dimension}{kind} {_SYMBOL[self.op]} {shown}" + (f"; {self.note}" if self.note
                                                                                        else "")

    def raw_value(self) -> float:
        unit = lookup_unit(self.unit) if self.unit else None
        if unit is None:
            return self.value
        return self.value - 273.15 if unit.symbol in ("°C", "ºC") else self.value / unit.factor

    def raw_slope(self) -> float:
        unit = lookup_unit(self.unit) if self.unit else None
        return self.per_mm / unit.factor if unit else self.per_mm

    def judge(self, given: Stated, length_mm: float | None = None) -> tuple[str, str]:
        """MET / NOT_MET / UNDETERMINED for a stated value (interval, range or formula), with the reason."""
        if self.per_mm or given.per_mm:
            return self._judge_formula(given, length_mm)
        lo, hi, t = given.lo, given.hi, self.value
        if given.shape == "range":  # the product covers the span: met when some point of it is caught
            ok = {">": hi > t, ">=": hi >= t, "<": lo < t, "<=": lo <= t}[self.op]
            verb = "reaches" if ok else "does not reach"
            return (MET if ok else NOT_MET), f"range {given.reading()} {verb} the limit"
        met = {">": lo > t, ">=": lo >= t, "<": hi < t, "<=": hi <= t}[self.op]
        failed = {">": hi <= t, ">=": hi < t, "<": lo >= t, "<=": lo > t}[self.op]
        if met:
            return MET, f"{given.reading()} {_SYMBOL[self.op]} {t:.6g}"
        if failed:
            return NOT_MET, f"{given.reading()} is not {_SYMBOL[self.op]} {t:.6g}"
        return UNDETERMINED, f"{given.reading()} may or may not be {_SYMBOL[self.op]} {t:.6g}: give the value itself"

    def _judge_formula(self, given: Stated, length_mm: float | None) -> tuple[str, str]:
        """Linear limits (a + b·L): caught when the stated value meets the limit at some length L."""
        if length_mm is not None:
            at = given.lo + given.per_mm * length_mm
            ok = self.holds(at, length_mm)
            return (MET if ok else NOT_MET), f"at L = {length_mm:g} mm: {at:.6g} vs limit {self.limit(length_mm):.6g}"
        at_zero = self.holds(given.lo, 0.0)
        if at_zero:
            return MET, f"at L = 0: {given.lo:.6g} {_SYMBOL[self.op]} {self.value:.6g}"
        lower_slope = given.per_mm < self.per_mm if self.op in ("<", "<=") else given.per_mm > self.per_mm
        if not lower_slope:
            return NOT_MET, "not within the limit at any length L"
        return UNDETERMINED, "within the limit only beyond some length L: give the measured length (L, mm)"

    def as_dict(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "kind": self.kinds[0] if self.kinds else None, "comparator": self.op,
                "value": self.value, "per_mm": self.per_mm or None, "unit": self.unit, "dimension": self.dimension,
                "text": self.text, "read_as": self.reading()}


def _quantity_name(text: str, start: int, end: int | None = None, *, graded: bool = False) -> str:
    """The quantity a number is about: the nearest kind phrase before it in its clause, else the clause's tail.

    `graded`: the comparator says "(better)" or "(worse)", so the quantity is one where less is
    better (an accuracy, an error): the nearest such kind phrase is preferred.
    """
    if end is not None:  # "two or more axes": a counted noun right after the number names the quantity
        following = re.findall(r"[A-Za-z-]+", text[end:end + 30])[:2]
        if following and kinds_of(" ".join(following[:1])):
            return following[0].lower()
    before = re.sub(r"\([^()]*\)", lambda m: " " * len(m.group(0)), text[:start])  # equivalents and acronyms
    clause = re.split(r"[;:]", before)[-1][-160:]
    found = kind_candidates(clause)
    if graded and any(has_direction(k) for _, k, _ in found):
        found = [f for f in found if has_direction(f[1])]
    if found:
        last_end, _, phrase = found[-1]
        words = re.sub(r"[\"'‘’“”]", " ", clause[:last_end]).split()
        modifiers: list[str] = []
        for word in reversed(words[: len(words) - len(phrase.split())]):
            if not word.isalpha() or word.lower() in _NAME_STOPWORDS or lookup_unit(word) or len(modifiers) == 2:
                break
            modifiers.insert(0, word.lower())
        return " ".join([*modifiers, phrase])
    parts = _NAME_STOP_RE.split(re.sub(r"\s*\b(?:of|is|a|an|the|at)\s*$", "", before))
    name = re.sub(r"[\"'‘’“”()]", "", parts[-1] if parts else "").strip()
    if not name and end is not None:  # "Five or more axes": the name follows the number
        after: list[str] = []
        for word in re.findall(r"[A-Za-z-]+", text[end:end + 40]):
            if word.lower() in _NAME_STOPWORDS or len(after) == 2:
                break
            after.append(word.lower())
        name = " ".join(after)
    return " ".join(name.split()[-6:]).lower()


_NAME_STOPWORDS = frozenset("""
which can could have has capable being a an the of with and or having any all its their
at in for to than by on that be is are following
""".split())  # noqa: SIM905 - a word list reads better as text


def _criterion(text: str, match_start: int, op: str, num: str, unit_symbol: str | None, raw: str,
               previous: Criterion | None, match_end: int | None = None) -> Criterion | None:
    try:
        word = num.lower()
        value = float(_WORD_NUMBERS[word]) if word in _WORD_NUMBERS else parse_number(num, decimal_comma=True)
    except ValueError:
        return None
    unit: Unit | None = lookup_unit(unit_symbol) if unit_symbol else None
    name = _quantity_name(text, match_start, match_end, graded=bool(re.search(r"better|worse", raw, re.I)))
    if previous is not None and (not name or re.search(r"\bbut\s*$", text[:match_start])):
        name = previous.quantity
        if unit is None and previous.unit:  # "exceeding 1 but not exceeding 2 kW" style
            unit = lookup_unit(previous.unit)
    kinds = tuple(kinds_of(name))
    note = ""
    if op == "better":
        direction = better_direction(list(kinds))
        op = ">" if direction == "higher" else "<"
        note = (f"'better than' read as '{_SYMBOL[op]}' for {kinds[0]}" if direction
                else "'better than' read as '<' (kind of quantity not recognised: check)")
    dimension = unit.dimension if unit else "count"
    base = unit.to_base(value) if unit else value
    return Criterion(name, op, base, unit.symbol if unit else None, dimension, raw.strip(), kinds, note=note)


def _formula_criterion(text: str, match: re.Match[str], op: str) -> Criterion | None:
    unit = lookup_unit(match.group("funit"))
    if unit is None:
        return None
    a, b, c = match.group("fa"), match.group("fb"), match.group("fc")
    try:
        const = parse_number(a, decimal_comma=True)
        slope = (parse_number(b, decimal_comma=True) if b else 1.0) / parse_number(c, decimal_comma=True)
    except ValueError:
        return None
    name = _quantity_name(text, match.start(), graded=True)
    return Criterion(name, op if op != "better" else "<", unit.to_base(const), unit.symbol, unit.dimension,
                     match.group(0).strip(), tuple(kinds_of(name)), per_mm=slope * unit.factor)


@cache
def parse_criteria(text: str) -> tuple[Criterion, ...]:
    """Every numeric threshold in one provision's text, in order of appearance."""
    text = normalise(text)
    found: list[tuple[int, Criterion]] = []
    taken: list[tuple[int, int]] = []
    previous: Criterion | None = None
    for match in _RANGE_RE.finditer(text):
        unit = match.group("unit") or match.group("lounit")
        lo = _criterion(text, match.start(), ">=", match.group("lo"), unit, match.group(0), None)
        hi = _criterion(text, match.start(), "<=", match.group("hi"), unit, match.group(0), None)
        if lo is not None and hi is not None:
            found += [(match.start(), lo), (match.start() + 1, hi)]
            taken.append(match.span())
    for match in _PREFIX_RE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        op = next(o for i, (_, o) in enumerate(_COMPARATORS) if match.group(f"c{i}"))
        if match.group("formula"):
            crit = _formula_criterion(text, match, op)
        else:
            crit = _criterion(text, match.start(), op, match.group("num"), match.group("unit"), match.group(0),
                              previous)
        if crit is not None:
            found.append((match.start(), crit))
            taken.append(match.span())
            previous = crit
    for match in _POSTFIX_RE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        word = (match.group("paren") if match.group("dir").lower() in ("better", "worse") and match.group("paren")
                else match.group("dir")).lower()
        op = {"more": ">=", "greater": ">=", "higher": ">=", "less": "<=", "lower": "<=",
              "fewer": "<="}.get(word, "better")
        crit = _criterion(text, match.start(), op, match.group("num"), match.group("unit"), match.group(0), None,
                          match.end())
        if crit is not None and op == "better":
            crit = replace(crit, op="<=" if crit.op == "<" else ">=")  # "or better": the limit itself is included
        if crit is not None:
            found.append((match.start(), crit))
    ordered = [c for _, c in sorted(found, key=lambda t: t[0])]
    for i in range(1, len(ordered)):  # "... of 150 nm or more but not exceeding 510 nm": same quantity
        if not ordered[i].quantity or ordered[i].quantity == "but":
            ordered[i] = replace(ordered[i], quantity=ordered[i - 1].quantity, kinds=ordered[i - 1].kinds)
    return tuple(ordered)


def matches(criterion: Criterion, given: Stated) -> bool:
    """May this stated value be compared with this criterion? Same dimension and the same kind of quantity."""
    if given.dimension != criterion.dimension:
        return False
    if criterion.kinds and given.kinds:
        return compatible(list(criterion.kinds), list(given.kinds))
    # a name outside the kind table: the names themselves must agree (never the dimension alone)
    key = given.key.replace("_", " ").replace("-", " ").lower()
    return bool(criterion.quantity) and fuzz.token_set_ratio(key, criterion.quantity) >= 80


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
