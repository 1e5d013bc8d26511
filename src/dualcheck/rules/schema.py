"""The shape of every rules YAML file, as pydantic models that refuse unknown keys.

A misspelt key (``requirs:`` for ``requires:``) must fail the load with one line naming the file
and the key, never silently drop a condition and grant an authorisation. Dates are required
where the law has one: a sanctions measure without ``valid_from`` does not load.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dualcheck.errors import ConfigError

OutcomeName = Literal["PROHIBITED", "LICENCE_REQUIRED", "NEEDS_INFORMATION"]
TxType = Literal["export", "transfer", "brokering", "technical_assistance", "transit"]
# Where a measure's country can be reached from: the first destination, a party located there,
# an end use stated to be there, the goods' location (brokering, technical assistance), transit.
Reach = Literal["destination", "parties", "end_use", "goods_location", "transit"]
ACT_TEXT = "act text, verify"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- regulation.yaml ---------------------------------------------------------------------------
class Provision(Strict):
    citation: str
    summary: str


class StatedFacts(Strict):
    """Words in the transaction's own text that make the exporter aware (Art. 4(2), 5(2))."""

    citation: str
    military_terms: list[str]
    military_category_pattern: str
    cyber_surveillance_terms: list[str]
    cyber_surveillance_hs_headings: list[str]
    technical_assistance_exemption_terms: dict[str, list[str]]


class RegulationDoc(Strict):
    version: str
    regulation: str
    applies_from: dt.date
    provisions: dict[str, Provision]
    stated_facts: StatedFacts


# --- countries.yaml ----------------------------------------------------------------------------
class CodeSet(Strict):
    citation: str
    codes: list[str]


class CountriesDoc(Strict):
    version: str
    member_states: CodeSet
    annex_ii_names: dict[str, list[str]]
    end_use_names: dict[str, list[str]]


# --- territory.yaml ----------------------------------------------------------------------------
class Territory(Strict):
    id: str                                   # ISO 3166-1 alpha-2 or 3166-2 code, else "CC:Name"
    country: str                              # the State it belongs to (ISO alpha-2)
    names: list[str] = []
    in_customs_territory: bool
    note: str
    source: str = "Regulation (EU) No 952/2013, Art. 4"


class TerritoryDoc(Strict):
    version: str
    citation: str
    territories: list[Territory]


# --- arms_embargoes.yaml -----------------------------------------------------------------------
class EmbargoAddition(Strict):
    country: str
    kind: Literal["council", "osce", "un"]
    regime: str
    legal_act: str
    source: str


class EmbargoExclusion(Strict):
    country: str
    reason: str


class ArmsEmbargoDoc(Strict):
    version: str
    citation: str
    definition: str
    not_arms_embargoes: list[EmbargoExclusion]
    additional: list[EmbargoAddition]


# --- eugea.yaml --------------------------------------------------------------------------------
class RelatedScope(Strict):
    """Codes covered only as equipment, software or technology for other covered items."""

    codes: list[str]
    related_to: list[str]
    text: str
    not_for_uses: list[str] = []              # words in the item or end use that put it outside


class ItemScopeDoc(Strict):
    all_annex_i: bool = False
    codes: list[str] = []
    related: list[RelatedScope] = []
    exclude: list[str] = []
    exclude_related_to: list[str] = []        # software/technology related to these items is excluded
    may_relate: list[str] = []                # codes whose software/technology may relate to them
    exclude_section_i: bool = False
    exclude_product_groups: list[str] = []
    only_product_groups: list[str] = []
    note: str | None = None


class Requires(Strict):
    purpose: Literal["sale", "repair_replacement", "exhibition", "other"] | None = None
    original_authorisation: bool = False
    original_end_user: bool = False
    original_within_years: int | None = None
    reimport_within_days: int | None = None
    intra_group: bool = False
    icp: bool = False
    registration: bool = False
    civil_end_use: bool = False               # military, police, intelligence ... end uses bar it


class FormerDestination(Strict):
    names: list[str]
    until: dt.date
    removed_by: str


class AllExcept(Strict):
    eu001: bool = False
    names: list[str]
    arms_embargoed: bool = False
    dual_use_measures: bool = False


class ReExport(Strict):
    """Part 3: not usable where the items will go on to a destination outside these."""

    own_destinations: bool = True
    eu001: bool = False
    member_states: bool = True
    citation: str


class EugeaDoc(Strict):
    name: str
    citation: str
    items: ItemScopeDoc
    requires: Requires = Requires()
    not_usable_if_awareness: list[str] = []
    customs_free_zone_bars: bool = True
    re_export: ReExport | None = None
    former_destinations: list[FormerDestination] = []
    destinations_all_except: AllExcept | None = None
    conditions: list[str] = []
    obligations: list[str] = []


class SectionI(Strict):
    citation: str
    includes_annex_iv: bool
    codes: list[str]
    note: str


class CommonNotUsable(Strict):
    awareness: list[str]
    customs_free_zone: bool


class EugeaFile(Strict):
    version: str
    source: str
    section_i: SectionI
    common_not_usable_if: CommonNotUsable
    eugeas: dict[str, EugeaDoc]


# --- sanctions.yaml ----------------------------------------------------------------------------
class Transition(Strict):
    """A sanctions act's transition clause for contracts concluded before a date."""

    contract_before: dt.date
    until: dt.date
    effect: Literal["LICENCE_REQUIRED", "NOT_APPLICABLE"]
    civil_only: bool = False                  # only for non-military use by a non-military end user
    citation: str
    detail: str
    source: str


class MeasureDoc(Strict):
    id: str
    regime: str
    countries: list[str] = []
    transit_countries: list[str] = []
    reach: list[Reach] = ["destination", "parties", "end_use", "goods_location"]
    items: Literal["annex_i", "not_listed", "any"]
    hs_prefixes: list[str] = []
    hs_reference: Literal["chpl"] | None = None
    condition: Literal["military"] | None = None
    types: list[TxType]
    effect: OutcomeName
    valid_from: dt.date
    valid_to: dt.date | None = None
    citation: str
    detail: str
    annex: str | None = None                  # the goods annex to check (NEEDS_INFORMATION measures)
    transition: Transition | None = None
    source: str
    sanctions_map_regime: int | None = None

    @model_validator(mode="after")
    def _dates(self) -> MeasureDoc:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        if self.effect == "NEEDS_INFORMATION" and not self.annex:
            raise ValueError("a NEEDS_INFORMATION measure names the annex to check (annex)")
        if not self.countries and not self.transit_countries:
            raise ValueError("a measure names its countries or transit_countries")
        return self


class SanctionsDoc(Strict):
    version: str
    measures: list[MeasureDoc]


# --- parties.yaml ------------------------------------------------------------------------------
class ListSource(Strict):
    jurisdiction: Literal["EU", "UN", "US", "UK", "CA"]
    eu_effect: bool                           # an EU-implemented list: a listing binds in the EU
    citation: str


class Regime(Strict):
    programmes: list[str]
    citation: str


class PartiesDoc(Strict):
    version: str
    lists: dict[str, ListSource]
    unknown_list: ListSource
    eu_regimes: list[Regime]
    default_eu_citation: str
    foreign_nexus: dict[str, str]             # jurisdiction -> what a hit there means for the exporter
    blocking_statute: Regime
    exact_score: float = Field(ge=0, le=1)


# --- national_measures.yaml --------------------------------------------------------------------
class NationalMeasureDoc(Strict):
    id: str
    member_state: str
    article: Literal[9, 10]
    codes: list[str] = []
    hs_codes: list[str] = []
    destinations: list[str] = ["*"]
    effect: Literal["PROHIBITED", "LICENCE_REQUIRED"]
    valid_from: dt.date
    valid_to: dt.date | None = None
    citation: str


class NationalDoc(Strict):
    version: str
    measures: list[NationalMeasureDoc] | None = None


M = TypeVar("M", bound=BaseModel)


def _where(loc: tuple[Any, ...], doc: Any) -> str:
    """A readable key path ("eugeas.EU003.requires.purpos", "measures[2] (RU-...).valid_from")."""
    out = ""
    node = doc
    for part in loc:
        if isinstance(part, int):
            ident = node[part].get("id") if isinstance(node, list) and isinstance(node[part], dict) else None
            out += f"[{part}]" + (f" ({ident})" if ident else "")
        else:
            out += ("." if out else "") + str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


def parse_model(text: str, label: str, model: type[M]) -> M:
    """Validate YAML text against a model; ConfigError naming the file and key on any fault."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"rule data {label}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"rule data {label}: expected a mapping")
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        errors = exc.errors()
        # a misspelt key shows as both an unknown key and a missing one: name the misspelling
        err = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
        where = _where(tuple(err.get("loc", ())), doc)
        kind = err.get("type")
        if kind == "extra_forbidden":
            message = "unknown key (misspelt?)"
        elif kind == "missing":
            message = "missing (required)"
        else:
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        raise ConfigError(f"rule data {label}: {where}: {message}") from None


def read_model(path: Path, label: str, model: type[M], reader: Any) -> M:
    return parse_model(reader.text(path, label), label, model)
