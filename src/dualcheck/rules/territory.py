"""Where a place lies: the State it belongs to and whether it is inside the Union's customs territory.

A destination may be an ISO 3166-1 alpha-2 code ("FR"), an ISO 3166-2 subdivision code
("ES-CN") or a territory name from rules/data/territory.yaml ("Heligoland"). The table is data
with its citation (Regulation (EU) No 952/2013, Art. 4); this module only looks things up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dualcheck.rules import schema
from dualcheck.rules.countries import COUNTRY_CODES, member_states

TERRITORY_FILE = Path(__file__).parent / "data" / "territory.yaml"
_SUBDIVISION = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", folded.lower()).strip()


@dataclass(frozen=True)
class Place:
    country: str                    # ISO 3166-1 alpha-2 of the State
    territory: str | None = None    # the territory.yaml id when the place is one of its entries


class TerritoryTable:
    def __init__(self, doc: schema.TerritoryDoc, member_states: frozenset[str]) -> None:
        self.citation = doc.citation
        self.member_states = member_states
        self.by_id = {t.id: t for t in doc.territories}
        self._lookup: dict[str, schema.Territory] = {}
        for t in doc.territories:
            for name in (t.id, *t.names):
                self._lookup[_key(name)] = t

    def resolve(self, value: str) -> Place:
        """The place a destination string names; ValueError when it names none."""
        text = value.strip()
        entry = self._lookup.get(_key(text))
        if entry is not None:
            return Place(entry.country, entry.id)
        code = text.upper()
        if code in COUNTRY_CODES:
            return Place(code)
        match = _SUBDIVISION.match(code)
        if match and match.group(1) in COUNTRY_CODES:
            return Place(match.group(1), code)
        raise ValueError(f"unknown country or territory {value!r} (ISO 3166-1 alpha-2, ISO 3166-2 or a "
                         "territory named in the customs-territory table expected)")

    def entry(self, place: Place) -> schema.Territory | None:
        return self.by_id.get(place.territory or place.country)

    def in_union(self, place: Place) -> bool:
        """True when the place lies inside the customs territory of the Union."""
        entry = self.entry(place)
        if entry is not None:
            return entry.in_customs_territory
        return place.country in self.member_states

    def describe(self, place: Place) -> str:
        entry = self.entry(place)
        if entry is None:
            return place.country
        side = "inside" if entry.in_customs_territory else "outside"
        return f"{place.territory or place.country} ({entry.names[0] if entry.names else entry.id}, {entry.note}: " \
               f"{side} the customs territory of the Union)"


@cache
def default_table() -> TerritoryTable:
    """The table shipped in rules/data, for parsing input before a rule set is at hand."""
    doc = schema.parse_model(TERRITORY_FILE.read_text(encoding="utf-8"), TERRITORY_FILE.name, schema.TerritoryDoc)
    return TerritoryTable(doc, member_states())
