"""Control codes: the one grammar of Annex I codes used everywhere (controls, rules, check).

An Annex I code is an entry (``5A002``: category digit, product-group letter, three digits)
optionally followed by dotted sub-item parts (``5A002.a.1``). Users type them in many ways
(``5a002 a 1``, ``5A002.a.1.``); everything goes through `normalise_code` first. The sub-item
relation is purely textual on the normalised dotted path (5A002.a.1 lies under 5A002.a), so it
works for any code a catalog or a rule names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ENTRY_RE = re.compile(r"^([0-9])([A-E])([0-9]{3})$")
# A whole normalised Annex I code (entry plus dotted sub-items), and one written inside free text.
ANNEX_I_CODE_RE = re.compile(r"^[0-9][A-E][0-9]{3}(?:\.[0-9a-z]+)*$")
_CODE_IN_TEXT_RE = re.compile(r"\b[0-9][A-Ea-e][0-9]{3}(?:\.[0-9A-Za-z]+)*")
_SPLIT_RE = re.compile(r"[\s.]+")
_ENTRY_PREFIX_RE = re.compile(r"^([0-9][A-Ea-e][0-9]{3})(.*)$")
NOT_LISTED = "NLR"


def normalise_code(code: str) -> str:
    """'5a002 a 1.' -> '5A002.a.1'; ECCN-style and Annex I codes alike. Returns '' for blank input."""
    text = code.strip().strip(".").strip()
    match = _ENTRY_PREFIX_RE.match(text)
    if not match or (match.group(2) and match.group(2)[0] not in ". \t"):
        return ".".join(p for p in _SPLIT_RE.split(text) if p)
    entry, rest = match.group(1).upper(), match.group(2)
    parts = [p for p in _SPLIT_RE.split(rest) if p]
    return ".".join([entry, *(p.lower() if p.isalpha() else p for p in parts)])


def entry_of(code: str) -> str:
    return normalise_code(code).split(".", 1)[0]


def is_annex_i_code(code: str) -> bool:
    """True when `code`, once normalised, is an Annex I code (entry and dotted sub-items)."""
    return bool(ANNEX_I_CODE_RE.match(normalise_code(code)))


def codes_in_text(text: str | None) -> list[str]:
    """The Annex I codes a free text names ("... equipment (5A001.j)"), normalised, in order."""
    return [normalise_code(m.group(0)) for m in _CODE_IN_TEXT_RE.finditer(text or "")]


def is_annex_i_shaped(code: str) -> bool:
    """True for an entry followed by dotted sub-items (``5A002.a.1``), after normalising."""
    return bool(ENTRY_RE.match(entry_of(code)))


def product_group(code: str) -> str | None:
    """The product group letter (A systems ... D software, E technology) of an Annex I code."""
    match = ENTRY_RE.match(entry_of(code))
    return match.group(2) if match else None


def category(code: str) -> str | None:
    match = ENTRY_RE.match(entry_of(code))
    return match.group(1) if match else None


def is_under(code: str, scope: str) -> bool:
    """True when normalised `code` equals normalised `scope` or is one of its sub-items."""
    return code == scope or code.startswith(scope + ".")


def under_any(code: str, scopes: Iterable[str]) -> str | None:
    """The first scope `code` lies under (or equals), else None (both normalised)."""
    for scope in scopes:
        if is_under(code, scope):
            return scope
    return None


def overlaps_any(code: str, scopes: Iterable[str]) -> str | None:
    """The first scope that `code` lies under or above: the two may describe the same item."""
    for scope in scopes:
        if is_under(code, scope) or is_under(scope, code):
            return scope
    return None


def ancestors(code: str) -> list[str]:
    """'5A002.a.1' -> ['5A002', '5A002.a'] (outermost first)."""
    parts = normalise_code(code).split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def in_same_branch(candidate: str, expected: str) -> bool:
    """True when one code equals the other or lies under it (the bench's notion of a correct answer)."""
    a, b = normalise_code(candidate), normalise_code(expected)
    return overlaps_any(a, [b]) is not None


@cache
def _regime_table() -> dict[str, Any]:
    with (Path(__file__).parent / "data" / "regimes.yaml").open(encoding="utf-8") as fh:
        table: dict[str, Any] = yaml.safe_load(fh)
    return table


def regime_of(entry: str) -> str:
    """The export-control regime an Annex I entry originates from, read from its number."""
    table = _regime_table()
    match = ENTRY_RE.match(entry_of(entry))
    if not match:
        return "unknown"
    category, _group, number = match.groups()
    by_category = table.get("by_category", {})
    if category in by_category:
        return str(by_category[category])
    return str(table["by_third_digit"].get(number[0], "unknown"))
