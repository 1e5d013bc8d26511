"""The rule set: the legal content (typed YAML in rules/data) joined with the reference data files.

Nothing here touches a database or the network. The version is a hash of every file read, so
a determination names exactly the legal content it used. Every YAML file is validated against
its model in `schema.py` (unknown keys refused), so a misspelt condition fails the load.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from dualcheck.controls import codes as codes_mod
from dualcheck.errors import ConfigError
from dualcheck.rules import schema
from dualcheck.rules.countries import COUNTRY_CODES
from dualcheck.rules.territory import TerritoryTable

RULES_DATA = Path(__file__).parent / "data"
EUGEA_FILE = Path("controls/eu/annex_ii_eugea_EU001-EU008_structured.json")
ARMS_EMBARGO_FILE = Path("controls/embargo/eu_un_arms_embargoes_from_sanctionsmap_2026-08-16.csv")
ANNEX_IV_FILE = Path("controls/eu/annex_iv_intra_eu_transfer_codes_CURATED_UNVERIFIED.csv")
CHPL_FILE = Path("controls/hs/common_high_priority_list_CHPL_2024-02-23.csv")
ANNEX_IV_WARNING = "Annex IV list is an UNVERIFIED transcription: confirm against the Official Journal"
ACT_TEXT_WARNING = "source: act text, verify against the Official Journal"


def from_act_text(source: str) -> bool:
    """True when a rule's content was taken from an act's text rather than the reference data."""
    return "verify" in source


@dataclass(frozen=True)
class Provision:
    key: str
    citation: str
    summary: str


@dataclass(frozen=True)
class ItemScope:
    all_annex_i: bool = False
    codes: tuple[str, ...] = ()
    related: tuple[schema.RelatedScope, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_related_to: tuple[str, ...] = ()
    may_relate: tuple[str, ...] = ()
    exclude_section_i: bool = False
    exclude_product_groups: tuple[str, ...] = ()
    only_product_groups: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Eugea:
    id: str
    name: str
    citation: str
    destinations: frozenset[str]
    items: ItemScope
    requires: schema.Requires
    not_usable_awareness: frozenset[str]
    conditions: tuple[str, ...]
    obligations: tuple[str, ...]
    re_export: schema.ReExport | None = None
    customs_free_zone_bars: bool = True
    # destinations removed from the authorisation later: (codes, last day covered, amending act)
    former: tuple[tuple[frozenset[str], dt.date, str], ...] = ()

    def covers(self, destination: str | None, as_of: dt.date) -> str | None:
        """None when the destination is not covered on `as_of`, else a note on why it is."""
        if destination in self.destinations:
            return ""
        for codes, until, act in self.former:
            if destination in codes and as_of <= until:
                return f" ({destination} was covered until {until}, when {act} removed it)"
        return None


@dataclass(frozen=True)
class AnnexIVEntry:
    code: str            # an Annex I code, or "category:N" for a whole category
    part: str
    partial: bool        # the source names only some sub-items of the code
    note: str

    def overlaps(self, code: str) -> bool:
        if self.code.startswith("category:"):
            return codes_mod.category(code) == self.code.split(":", 1)[1]
        return codes_mod.overlaps_any(code, [self.code]) is not None


@dataclass(frozen=True)
class ArmsEmbargo:
    country: str
    regime: str
    scope: str
    legal_act: str
    kind: str = "sanctions map"
    source: str = "reference data"


@dataclass(frozen=True)
class Measure:
    """A sanctions measure (schema.MeasureDoc) with its HS reference list resolved."""

    doc: schema.MeasureDoc
    hs_codes: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.doc.id

    def in_force(self, as_of: dt.date) -> bool:
        return self.doc.valid_from <= as_of and (self.doc.valid_to is None or as_of <= self.doc.valid_to)

    @property
    def verify(self) -> bool:
        return from_act_text(self.doc.source)


@dataclass(frozen=True)
class NationalMeasure:
    id: str
    member_state: str
    article: int
    codes: tuple[str, ...]
    hs_codes: tuple[str, ...]
    destinations: frozenset[str]
    effect: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    citation: str

    def applies(self, exporter_country: str | None, destination: str | None, as_of: dt.date) -> bool:
        if exporter_country != self.member_state:
            return False
        if "*" not in self.destinations and destination not in self.destinations:
            return False
        return (self.valid_from is None or self.valid_from <= as_of) and \
            (self.valid_to is None or as_of <= self.valid_to)


@dataclass(frozen=True)
class RuleSet:
    version: str
    applies_from: dt.date
    provisions: dict[str, Provision]
    member_states: frozenset[str]
    eugeas: dict[str, Eugea]
    section_i: tuple[str, ...]
    section_i_citation: str
    annex_iv: tuple[AnnexIVEntry, ...]
    common_not_usable_awareness: frozenset[str]
    arms_embargoes: dict[str, ArmsEmbargo]
    not_arms_embargoes: dict[str, str]
    measures: tuple[Measure, ...]
    national_measures: tuple[NationalMeasure, ...]
    territory: TerritoryTable
    stated: schema.StatedFacts
    parties: schema.PartiesDoc
    sources: dict[str, str] = field(default_factory=dict)
    # Answers that depend only on the rule set and a code, computed once (the rule set is immutable).
    memo: dict[tuple[str, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    def cite(self, key: str) -> str:
        return self.provisions[key].citation

    def annex_iv_entry(self, code: str) -> AnnexIVEntry | None:
        key = ("annex_iv", code)
        if key not in self.memo:
            self.memo[key] = next((e for e in self.annex_iv if e.overlaps(code)), None)
        entry: AnnexIVEntry | None = self.memo[key]
        return entry

    def national_codes(self) -> frozenset[str]:
        key = ("national_codes",)
        if key not in self.memo:
            self.memo[key] = frozenset(c for m in self.national_measures for c in m.codes)
        codes: frozenset[str] = self.memo[key]
        return codes


class _Reader:
    """Reads files and remembers a digest of each, for the rule-set version."""

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}

    def text(self, path: Path, label: str) -> str:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"rule data {label}: cannot read ({exc.strerror})") from None
        self.digests[label] = hashlib.sha256(raw).hexdigest()
        return raw.decode("utf-8")


def _names_to_codes(names: list[str], table: dict[str, list[str]], where: str) -> frozenset[str]:
    out: set[str] = set()
    for name in names:
        if name not in table:
            raise ConfigError(f"rule data {where}: destination name {name!r} has no ISO code in countries.yaml")
        out.update(table[name])
    return frozenset(out)


def _annex_iv(text: str) -> tuple[AnnexIVEntry, ...]:
    entries = []
    for row in csv.DictReader(text.splitlines()):
        raw = row["code"].strip()
        category = re.match(r"^Category (\d)\b", raw)
        if category:
            entries.append(AnnexIVEntry(f"category:{category.group(1)}", row["annex_iv_part_guess"], True, raw))
            continue
        code = codes_mod.normalise_code(raw.split(" ", 1)[0])
        entries.append(AnnexIVEntry(code, row["annex_iv_part_guess"], " " in raw, row.get("note") or raw))
    return tuple(entries)


def _item_scope(doc: schema.ItemScopeDoc) -> ItemScope:
    norm = codes_mod.normalise_code
    related = tuple(r.model_copy(update={"codes": [norm(c) for c in r.codes],
                                         "related_to": [norm(c) for c in r.related_to]}) for r in doc.related)
    return ItemScope(
        all_annex_i=doc.all_annex_i, codes=tuple(norm(c) for c in doc.codes), related=related,
        exclude=tuple(norm(c) for c in doc.exclude), exclude_related_to=tuple(norm(c) for c in doc.exclude_related_to),
        may_relate=tuple(norm(c) for c in doc.may_relate),
        exclude_section_i=doc.exclude_section_i, exclude_product_groups=tuple(doc.exclude_product_groups),
        only_product_groups=tuple(doc.only_product_groups), note=doc.note,
    )


def _arms_embargoes(text: str, doc: schema.ArmsEmbargoDoc) -> dict[str, ArmsEmbargo]:
    """The reference file's arms embargoes, corrected by arms_embargoes.yaml (Art. 2(19))."""
    arms = {
        row["iso2"]: ArmsEmbargo(row["iso2"], row["regime"], row["arms_embargo_scope_text"],
                                 row["primary_legal_act"].strip())
        for row in csv.DictReader(text.splitlines())
    }
    for excluded in doc.not_arms_embargoes:
        arms.pop(excluded.country, None)
    for extra in doc.additional:
        arms[extra.country] = ArmsEmbargo(extra.country, extra.regime, extra.regime, extra.legal_act, extra.kind,
                                          extra.source)
    return arms


def _eugeas(doc: schema.EugeaFile, reference: dict[str, Any], names: dict[str, list[str]],
            member_states: frozenset[str], arms: dict[str, ArmsEmbargo], measures: tuple[Measure, ...],
            all_codes: frozenset[str], outside_ids: frozenset[str]) -> dict[str, Eugea]:
    """`outside_ids`: territories of Member States outside the customs territory (Ceuta, ...): they
    are destinations for an authorisation valid for "all destinations except" named ones."""
    effective = {g["id"]: g.get("destinations_effective") for g in reference["eugeas"]}
    eugeas: dict[str, Eugea] = {}
    for gid, g in doc.eugeas.items():
        if g.destinations_all_except is not None:
            spec = g.destinations_all_except
            excluded = set(_names_to_codes(spec.names, names, gid))
            if spec.eu001:
                excluded |= eugeas["EU001"].destinations
            if spec.arms_embargoed:
                excluded |= set(arms)
            if spec.dual_use_measures:
                excluded |= {c for m in measures if m.doc.items == "annex_i" for c in m.doc.countries}
            destinations = frozenset(all_codes - excluded - member_states) | outside_ids
        else:
            listed = effective.get(gid)
            if not isinstance(listed, list):
                raise ConfigError(f"{EUGEA_FILE.name}: {gid} has no destinations_effective list")
            destinations = _names_to_codes(listed, names, gid)
        eugeas[gid] = Eugea(
            id=gid, name=g.name, citation=g.citation, destinations=destinations, items=_item_scope(g.items),
            requires=g.requires, not_usable_awareness=frozenset(g.not_usable_if_awareness),
            conditions=tuple(g.conditions), obligations=tuple(g.obligations), re_export=g.re_export,
            customs_free_zone_bars=g.customs_free_zone_bars,
            former=tuple((_names_to_codes(f.names, names, gid), f.until, f.removed_by) for f in g.former_destinations),
        )
    return eugeas


def _measures(doc: schema.SanctionsDoc, chpl: frozenset[str]) -> tuple[Measure, ...]:
    return tuple(Measure(m, chpl if m.hs_reference == "chpl" else frozenset()) for m in doc.measures)


def load_ruleset(data_dir: Path, national_measures: Path | None = None, rules_dir: Path | None = None) -> RuleSet:
    """Read the legal content and the reference files it relies on (`rules_dir` replaces rules/data)."""
    here = rules_dir or RULES_DATA
    reader = _Reader()

    def typed(name: str, model: type[schema.M], path: Path | None = None) -> schema.M:
        return schema.read_model(path or here / name, name, model, reader)

    regulation = typed("regulation.yaml", schema.RegulationDoc)
    countries = typed("countries.yaml", schema.CountriesDoc)
    eugea_doc = typed("eugea.yaml", schema.EugeaFile)
    sanctions = typed("sanctions.yaml", schema.SanctionsDoc)
    territory_doc = typed("territory.yaml", schema.TerritoryDoc)
    embargo_doc = typed("arms_embargoes.yaml", schema.ArmsEmbargoDoc)
    parties = typed("parties.yaml", schema.PartiesDoc)
    national = typed("national_measures", schema.NationalDoc, national_measures or here / "national_measures.yaml")
    reference = json.loads(reader.text(data_dir / EUGEA_FILE, EUGEA_FILE.name))
    arms = _arms_embargoes(reader.text(data_dir / ARMS_EMBARGO_FILE, ARMS_EMBARGO_FILE.name), embargo_doc)
    annex_iv = _annex_iv(reader.text(data_dir / ANNEX_IV_FILE, ANNEX_IV_FILE.name))
    chpl = frozenset(row["hs6"].strip() for row in csv.DictReader(reader.text(data_dir / CHPL_FILE,
                                                                                CHPL_FILE.name).splitlines()))

    member_states = frozenset(countries.member_states.codes)
    measures = _measures(sanctions, chpl)
    territory = TerritoryTable(territory_doc, member_states)
    outside = frozenset(t.id for t in territory_doc.territories
                        if not t.in_customs_territory and t.country in member_states)
    eugeas = _eugeas(eugea_doc, reference, countries.annex_ii_names, member_states, arms, measures,
                     frozenset(COUNTRY_CODES), outside)
    nationals = tuple(
        NationalMeasure(
            id=m.id, member_state=m.member_state, article=m.article,
            codes=tuple(codes_mod.normalise_code(c) for c in m.codes), hs_codes=tuple(m.hs_codes),
            destinations=frozenset(m.destinations), effect=m.effect, valid_from=m.valid_from,
            valid_to=m.valid_to, citation=m.citation,
        )
        for m in national.measures or []
    )
    digest = hashlib.sha256(json.dumps(reader.digests, sort_keys=True).encode()).hexdigest()
    label = "+".join(d.version for d in (regulation, eugea_doc, sanctions, national))
    return RuleSet(
        version=f"rules-{regulation.version}-{digest[:12]}",
        applies_from=regulation.applies_from,
        provisions={k: Provision(k, v.citation, v.summary) for k, v in regulation.provisions.items()},
        member_states=member_states,
        eugeas=eugeas,
        section_i=tuple(codes_mod.normalise_code(c) for c in eugea_doc.section_i.codes),
        section_i_citation=eugea_doc.section_i.citation,
        annex_iv=annex_iv,
        common_not_usable_awareness=frozenset(eugea_doc.common_not_usable_if.awareness),
        arms_embargoes=arms,
        not_arms_embargoes={e.country: e.reason for e in embargo_doc.not_arms_embargoes},
        measures=measures,
        national_measures=nationals,
        territory=territory,
        stated=regulation.stated_facts,
        parties=parties,
        sources={**reader.digests, "content_versions": label},
    )


@lru_cache(maxsize=4)
def cached_ruleset(data_dir: Path, national_measures: Path | None = None) -> RuleSet:
    """The rule set for a data folder, read once per process (files are read-only reference data)."""
    return load_ruleset(data_dir, national_measures)


def rule_set_versions(data_dir: Path) -> dict[str, Any]:
    """The rule set /health reports (an error line, not an exception, when its files are missing)."""
    try:
        rules = cached_ruleset(data_dir)
    except (ConfigError, OSError, ValueError, KeyError) as exc:
        return {"eu-2021-821": {"error": str(exc)}}
    return {"eu-2021-821": {"version": rules.version, "applies_from": rules.applies_from.isoformat()}}
