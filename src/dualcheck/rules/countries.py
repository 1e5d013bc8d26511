"""The country sets the project uses, owned here: ISO 3166-1 codes and the EU Member States.

The Member States are data (rules/data/countries.yaml, with its citation); every domain that
needs them (rules, red flags, the authorities' side) reads them through `member_states()`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from followthemoney.types import registry

from dualcheck.rules import schema

COUNTRY_CODES = frozenset(code.upper() for code in registry.country.names if len(code) == 2)
COUNTRIES_FILE = Path(__file__).parent / "data" / "countries.yaml"


@cache
def countries_doc() -> schema.CountriesDoc:
    return schema.parse_model(COUNTRIES_FILE.read_text(encoding="utf-8"), COUNTRIES_FILE.name, schema.CountriesDoc)


def member_states() -> frozenset[str]:
    """ISO codes of the EU Member States (Treaty on European Union, Art. 52(1))."""
    return frozenset(countries_doc().member_states.codes)
