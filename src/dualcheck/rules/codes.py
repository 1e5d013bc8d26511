"""Control-list codes: normalising and the sub-item relation (5A002.a.1 lies under 5A002.a).

Annex I codes are an entry (category digit, product-group letter, three digits: ``5A002``)
followed by dotted sub-item labels (``.a.1``). The relation is purely textual on the dotted
path, so it works for any code the catalog knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ENTRY = re.compile(r"^(\d)([A-E])(\d{3})$")
_ENTRY_PREFIX = re.compile(r"^(\d[a-eA-E]\d{3})((?:\.[0-9A-Za-z]+)*)\.?$")


def normalise(code: str) -> str:
    """Canonical spelling: entry upper-case, sub-items lower-case, no trailing dot or spaces."""
    raw = code.strip().rstrip(".").replace(" ", "")
    match = _ENTRY_PREFIX.match(raw)
    if not match:
        return raw.upper()
    return match.group(1).upper() + match.group(2).lower()


def is_annex_i_shaped(code: str) -> bool:
    return bool(_ENTRY_PREFIX.match(code))


def entry_of(code: str) -> str:
    return code.split(".", 1)[0]


def product_group(code: str) -> str | None:
    """The product group letter (A systems ... D software, E technology) of an Annex I code."""
    match = ENTRY.match(entry_of(code))
    return match.group(2) if match else None


def category(code: str) -> str | None:
    match = ENTRY.match(entry_of(code))
    return match.group(1) if match else None


def is_under(code: str, scope: str) -> bool:
    """True when `code` equals `scope` or is one of its sub-items."""
    return code == scope or code.startswith(scope + ".")


def under_any(code: str, scopes: Iterable[str]) -> str | None:
    """The first scope `code` lies under (or equals), else None."""
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
