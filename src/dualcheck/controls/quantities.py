"""Quantities as products state them: what is measured (its kind), how much, and how sure.

A stated value is an interval in the base unit of its dimension:
- ``point``: "2 kW", "positioning accuracy=4 µm";
- ``bound``: only one side is known ("< 1 µm", "≥ 500 W", "better than 5 µm", "min. 40 GHz");
- ``range``: the product covers the whole span ("8–14 µm", "2 to 18 GHz", "up to 1500 °C").
A linear formula ("1.7 + L/350 µm", L in mm) keeps its slope per millimetre.

The kind comes from `data/quantities.yaml`: the last kind phrase before the number (or the key of
a `name=value` parameter). A criterion is only ever compared with a value of the same kind and
dimension (`compatible`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dualcheck.controls.text import normalise
from dualcheck.controls.units import UNIT_PATTERN, lookup_unit, parse_number
from dualcheck.errors import BadInput

NUM = r"[-+]?(?:\d{1,3}(?:[  ]\d{3})+(?!\d)|\d+)(?:[.,]\d+)*(?:\s*[x×·*]\s*10\s*\^?\s*[-+]?\d+|[eE][-+]?\d+)?"
_UNIT = rf"(?P<unit>{UNIT_PATTERN})(?![A-Za-z0-9µ])"
_FORMULA = (rf"\(?\s*(?P<fa>{NUM})\s*\+\s*\(?\s*(?:(?P<fb>{NUM})\s*[×x*·]?\s*)?L\s*/\s*(?P<fc>{NUM})\s*\)?\s*\)?")


@dataclass(frozen=True)
class Kind:
    name: str
    better: str | None  # "lower" | "higher" | None
    accepts: frozenset[str]
    annex: str


@cache
def _kinds() -> tuple[dict[str, Kind], list[tuple[re.Pattern[str], str]]]:
    with (Path(__file__).parent / "data" / "quantities.yaml").open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    kinds: dict[str, Kind] = {}
    phrases: list[tuple[str, str]] = []
    for name, spec in (doc.get("kinds") or {}).items():
        unknown = set(spec) - {"words", "better", "accepts", "annex"}
        if unknown or not spec.get("annex") or not spec.get("words"):
            raise ValueError(f"quantities.yaml: kind {name!r} needs words and annex, no other keys ({unknown})")
        kinds[name] = Kind(name, spec.get("better"), frozenset(spec.get("accepts") or []), spec["annex"])
        phrases += [(str(w).lower(), name) for w in spec["words"]]
    phrases.sort(key=lambda p: -len(p[0]))
    compiled = [(re.compile(r"(?<![\w-])" + _plural(re.escape(p)) + r"(?![\w])"), k) for p, k in phrases]
    return kinds, compiled


def _plural(pattern: str) -> str:
    return pattern[:-1] + "(?:y|ies)" if pattern.endswith("y") else pattern + "(?:e?s)?"


def kind_candidates(name: str) -> list[tuple[int, str, str]]:
    """Every kind phrase in a text: (end position, kind, phrase), longest phrase first at a position."""
    _, compiled = _kinds()
    low = name.lower().replace("_", " ")
    found: list[tuple[int, int, str, str]] = []
    for pattern, kind in compiled:
        for m in pattern.finditer(low):
            if not any(s <= m.start() < e or s < m.end() <= e for s, e, _, _ in found):
                found.append((m.start(), m.end(), kind, m.group(0)))
    return sorted((e, k, p) for _, e, k, p in found)


def kinds_of(name: str) -> list[str]:
    """The kinds a name may denote, the one nearest its end (the head noun) first."""
    seen: list[str] = []
    for _, kind, _ in reversed(kind_candidates(name)):
        if kind not in seen:
            seen.append(kind)
    return seen


def has_direction(kind: str) -> bool:
    return _kinds()[0][kind].better is not None


def better_direction(kinds: list[str]) -> str | None:
    table, _ = _kinds()
    for kind in kinds:
        if table[kind].better:
            return table[kind].better
    return None


def compatible(criterion_kinds: list[str], given_kinds: list[str]) -> bool:
    """A parameter stands for a criterion when the head kinds agree (or the parameter's kind accepts it)."""
    if not criterion_kinds or not given_kinds:
        return False
    table, _ = _kinds()
    head = criterion_kinds[0]
    return any(g == head or head in table[g].accepts for g in given_kinds[:1]) or (
        # a name such as "resolution" is ambiguous between kinds; the dimension decides elsewhere
        len(given_kinds) > 1 and head in given_kinds)


@dataclass(frozen=True)
class Stated:
    """A stated value: [lo, hi] in base units, how the interval reads, and a slope per mm of L."""

    key: str
    raw: str
    dimension: str | None  # None for text values; "count" for plain numbers
    lo: float = -math.inf
    hi: float = math.inf
    shape: str = "point"  # point | bound | range | text
    per_mm: float = 0.0  # a formula's slope: value(L) = lo + per_mm * L
    kinds: tuple[str, ...] = ()

    @property
    def value(self) -> float | None:
        if self.shape == "text":
            return None
        return self.lo if math.isfinite(self.lo) else self.hi

    def reading(self) -> str:
        if self.shape == "text":
            return self.raw
        if self.per_mm:
            return f"{_fmt(self.lo)} + {_fmt(self.per_mm)}·L (base units, L in mm)"
        if self.shape == "point":
            return _fmt(self.lo)
        return f"{self.shape} [{_fmt(self.lo)}, {_fmt(self.hi)}]"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.raw, "dimension": self.dimension, "kind": self.kinds[0]
                if self.kinds else None, "read_as": self.reading(), "base_value": self.value}


def _fmt(x: float) -> str:
    return "−∞" if x == -math.inf else "∞" if x == math.inf else f"{x:.6g}"


_LOWER_WORDS = r"<|≤|less than|below|under|not more than|not exceeding|at most|better than|kleiner als|unter"
_UPPER_WORDS = r">|≥|more than|greater than|above|over|exceeding|min\.?|minimum|at least|in excess of|größer als|über"
_UPTO_WORDS = r"up to|bis zu|max\.?|maximum|maximal"
_COMPARISON = (rf"(?:(?<![A-Za-zäöü])(?:(?P<lower>{_LOWER_WORDS})|(?P<upper>{_UPPER_WORDS})|(?P<upto>{_UPTO_WORDS}))"
               r"(?![A-Za-zäöü]))?")
_SPEC_RE = re.compile(rf"^\s*{_COMPARISON}\s*"
                      rf"(?:(?P<formula>{_FORMULA})|(?P<lo>{NUM})(?:\s*(?P<lounit>{UNIT_PATTERN})?\s*"
                      rf"(?:-|–|to|bis|\.\.\.?)\s*(?P<hi>{NUM}))?)\s*(?P<unit>.*?)\s*$", re.IGNORECASE)


def parse_stated(key: str, raw: str, *, source: str = "--spec") -> Stated:
    """'positioning accuracy', '< 4 µm' -> Stated(bound [-inf, 4e-6], length). Unknown unit: BadInput."""
    text = normalise(raw).strip()
    kinds = tuple(kinds_of(key))
    m = _SPEC_RE.match(text)
    if not m or not (m.group("formula") or m.group("lo")):
        return Stated(key, text.lower(), None, shape="text", kinds=kinds)
    symbol = (m.group("unit") or "").strip()
    unit = lookup_unit(symbol) if symbol else None
    words = symbol.split()
    while unit is None and len(words) > 1:  # "3 ppm boron equivalent": the unit, then a qualifier
        words.pop()
        unit = lookup_unit(" ".join(words).rstrip(",;"))
    if symbol and unit is None and re.fullmatch(r"-[a-z]+", symbol):
        return Stated(key, text.lower(), None, shape="text", kinds=kinds)  # "3-phase", "5-axis": a description
    if symbol and unit is None:
        raise BadInput(f"unknown unit {symbol!r} in {raw!r}", source=source, location=f"parameter {key}")
    dimension = unit.dimension if unit else "count"

    def base(number: str) -> float:
        try:
            value = parse_number(number)
        except ValueError:
            raise BadInput(f"not a number: {number!r} in {raw!r}", source=source,
                           location=f"parameter {key}") from None
        return unit.to_base(value) if unit else value

    if m.group("formula"):
        a, b, c = m.group("fa"), m.group("fb"), m.group("fc")
        slope = (parse_number(b) if b else 1.0) / parse_number(c)
        return Stated(key, text, dimension, base(a), base(a), "point", base(str(slope)) if unit else slope, kinds)
    lo = base(m.group("lo"))
    if m.group("hi"):
        return Stated(key, text, dimension, lo, base(m.group("hi")), "range", kinds=kinds)
    if m.group("upto"):
        lower_better = better_direction(list(kinds)) == "lower"
        floor = -math.inf if dimension == "temperature" else 0.0
        return Stated(key, text, dimension, floor, lo, "bound" if lower_better else "range", kinds=kinds)
    if m.group("lower"):
        word = m.group("lower").lower()
        if word == "better than" and better_direction(list(kinds)) == "higher":
            return Stated(key, text, dimension, lo, math.inf, "bound", kinds=kinds)
        return Stated(key, text, dimension, -math.inf, lo, "bound", kinds=kinds)
    if m.group("upper"):
        return Stated(key, text, dimension, lo, math.inf, "bound", kinds=kinds)
    return Stated(key, text, dimension, lo, lo, "point", kinds=kinds)


# --- quantities in free text (classification) ------------------------------------------------

_FREE_RE = re.compile(
    rf"{_COMPARISON}\s*"
    rf"(?:(?P<formula>{_FORMULA})|(?P<lo>{NUM})(?:\s*(?:{UNIT_PATTERN})?\s*(?:-|–|to|bis)\s*(?P<hi>{NUM}))?)"
    rf"\s*{_UNIT}", re.IGNORECASE)
# unnamed free-text values: the kind a data sheet nearly always means by the unit alone
_UNNAMED = {"nm": "wavelength", "power": "power", "frequency": "frequency", "sample_rate": "sample rate",
            "temperature": "temperature", "pressure": "pressure", "volume": "volume", "data_rate": "data rate",
            "drift_rate": "drift", "voltage": "voltage", "current": "current", "specific_energy": "energy density",
            "bits": "bits", "volume_flow": "flow rate", "app": "processing performance",
            "flops": "processing performance",
            "frame_rate": "frame rate", "dose": "dose", "force": "force", "area": "area", "mass": "mass"}
_CLAUSE_START_RE = re.compile(r"[;:.,(\n]\s|\band\b|\bwith\b|\bmit\b|\bund\b")


def extract_quantities(text: str) -> list[Stated]:
    """Every number with a unit in a description, named by the nearest kind phrase before it."""
    text = normalise(text)
    out: list[Stated] = []
    for match in _FREE_RE.finditer(text):
        unit = lookup_unit(match.group("unit"))
        if unit is None:
            continue
        window = text[max(0, match.start() - 80): match.start()]
        clause = _CLAUSE_START_RE.split(window)[-1] if _CLAUSE_START_RE.search(window) else window
        after = text[match.end(): match.end() + 40]
        name = clause if kinds_of(clause) else (window if kinds_of(window[-40:]) else after.split(",")[0])
        try:
            stated = parse_stated(name.strip(), match.group(0).strip(), source="description")
        except (BadInput, ValueError):
            continue
        if not stated.kinds:  # an unnamed value: the one kind its unit nearly always states on a data sheet
            default = _UNNAMED.get(unit.symbol) or _UNNAMED.get(unit.dimension)
            stated = replace(stated, key=default or stated.key, kinds=(default,) if default else ())
        out.append(stated)
    return [q for q in out if q.dimension not in (None, "count")]
