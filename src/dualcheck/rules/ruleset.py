"""The rule set: the legal content (YAML in rules/data) joined with the reference data files.

Nothing here touches a database or the network. The version is a hash of every file read, so
a determination names exactly the legal content it used.
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

import yaml

from dualcheck.errors import ConfigError
from dualcheck.rules import codes as codes_mod

RULES_DATA = Path(__file__).parent / "data"
EUGEA_FILE = Path("controls/eu/annex_ii_eugea_EU001-EU008_structured.json")
ARMS_EMBARGO_FILE = Path("controls/embargo/eu_un_arms_embargoes_from_sanctionsmap_2026-08-16.csv")
ANNEX_IV_FILE = Path("controls/eu/annex_iv_intra_eu_transfer_codes_CURATED_UNVERIFIED.csv")
ANNEX_IV_WARNING = "Annex IV list is an UNVERIFIED transcription: confirm against the Official Journal"


@dataclass(frozen=True)
class Provision:
    key: str
    citation: str
    summary: str


@dataclass(frozen=True)
class ItemScope:
    all_annex_i: bool = False
    codes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
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
    requires: dict[str, Any]
    not_usable_awareness: frozenset[str]
    conditions: tuple[str, ...]
    obligations: tuple[str, ...]
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


@dataclass(frozen=True)
class Measure:
    id: str
    regime: str
    destinations: frozenset[str]
    transit_countries: frozenset[str]
    scope: str
    condition: str | None
    types: frozenset[str]
    effect: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    citation: str
    detail: str
    missing: str | None = None

    def in_force(self, as_of: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= as_of) and \
            (self.valid_to is None or as_of <= self.valid_to)


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
    measures: tuple[Measure, ...]
    national_measures: tuple[NationalMeasure, ...]
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


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


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

    def yaml(self, path: Path, label: str) -> dict[str, Any]:
        doc = yaml.safe_load(self.text(path, label))
        if not isinstance(doc, dict):
            raise ConfigError(f"rule data {label}: expected a mapping")
        return doc


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
        code = codes_mod.normalise(raw.split(" ", 1)[0])
        entries.append(AnnexIVEntry(code, row["annex_iv_part_guess"], " " in raw, row.get("note") or raw))
    return tuple(entries)


def _item_scope(doc: dict[str, Any]) -> ItemScope:
    return ItemScope(
        all_annex_i=bool(doc.get("all_annex_i")),
        codes=tuple(codes_mod.normalise(c) for c in doc.get("codes", [])),
        exclude=tuple(codes_mod.normalise(c) for c in doc.get("exclude", [])),
        exclude_section_i=bool(doc.get("exclude_section_i")),
        exclude_product_groups=tuple(doc.get("exclude_product_groups", [])),
        only_product_groups=tuple(doc.get("only_product_groups", [])),
        note=doc.get("note"),
    )


def load_ruleset(data_dir: Path, national_measures: Path | None = None) -> RuleSet:
    """Read the legal content and the reference files it relies on."""
    reader = _Reader()
    regulation = reader.yaml(RULES_DATA / "regulation.yaml", "regulation.yaml")
    countries = reader.yaml(RULES_DATA / "countries.yaml", "countries.yaml")
    eugea_doc = reader.yaml(RULES_DATA / "eugea.yaml", "eugea.yaml")
    sanctions = reader.yaml(RULES_DATA / "sanctions.yaml", "sanctions.yaml")
    national = reader.yaml(national_measures or RULES_DATA / "national_measures.yaml", "national_measures")
    reference = json.loads(reader.text(data_dir / EUGEA_FILE, EUGEA_FILE.name))
    embargo_text = reader.text(data_dir / ARMS_EMBARGO_FILE, ARMS_EMBARGO_FILE.name)
    annex_iv = _annex_iv(reader.text(data_dir / ANNEX_IV_FILE, ANNEX_IV_FILE.name))

    names: dict[str, list[str]] = countries["annex_ii_names"]
    member_states = frozenset(countries["member_states"]["codes"])
    effective = {g["id"]: g.get("destinations_effective") for g in reference["eugeas"]}
    arms = {
        row["iso2"]: ArmsEmbargo(row["iso2"], row["regime"], row["arms_embargo_scope_text"],
                                 row["primary_legal_act"].strip())
        for row in csv.DictReader(embargo_text.splitlines())
    }
    measures = tuple(
        Measure(
            id=m["id"], regime=m["regime"], destinations=frozenset(m.get("destinations", [])),
            transit_countries=frozenset(m.get("transit_countries", [])), scope=m["scope"],
            condition=m.get("condition"), types=frozenset(m["types"]), effect=m["effect"],
            valid_from=_date(m.get("valid_from")), valid_to=_date(m.get("valid_to")),
            citation=m["citation"], detail=m["detail"], missing=m.get("missing"),
        )
        for m in sanctions["measures"]
    )
    eugeas: dict[str, Eugea] = {}
    for gid, g in eugea_doc["eugeas"].items():
        if "destinations_all_except" in g:
            spec = g["destinations_all_except"]
            excluded = set(_names_to_codes(spec["names"], names, gid))
            if spec.get("eu001"):
                excluded |= eugeas["EU001"].destinations
            if spec.get("arms_embargoed"):
                excluded |= set(arms)
            if spec.get("dual_use_measures"):
                excluded |= {c for m in measures if m.scope == "annex_i" for c in m.destinations}
            from dualcheck.rules.facts import COUNTRY_CODES

            destinations = frozenset(COUNTRY_CODES - excluded - member_states)
        else:
            listed = effective.get(gid)
            if not isinstance(listed, list):
                raise ConfigError(f"{EUGEA_FILE.name}: {gid} has no destinations_effective list")
            destinations = _names_to_codes(listed, names, gid)
        eugeas[gid] = Eugea(
            id=gid, name=g["name"], citation=g["citation"], destinations=destinations,
            items=_item_scope(g["items"]), requires=dict(g.get("requires") or {}),
            not_usable_awareness=frozenset(g.get("not_usable_if_awareness", [])),
            conditions=tuple(g.get("conditions", [])), obligations=tuple(g.get("obligations", [])),
            former=tuple((_names_to_codes(f["names"], names, gid), _date(f["until"]) or dt.date.min,
                          f["removed_by"]) for f in g.get("former_destinations", [])),
        )
    nationals = tuple(
        NationalMeasure(
            id=m["id"], member_state=m["member_state"], article=int(m["article"]),
            codes=tuple(codes_mod.normalise(c) for c in m.get("codes", [])),
            hs_codes=tuple(str(h) for h in m.get("hs_codes", [])),
            destinations=frozenset(m.get("destinations", ["*"])), effect=m["effect"],
            valid_from=_date(m.get("valid_from")), valid_to=_date(m.get("valid_to")), citation=m["citation"],
        )
        for m in national.get("measures") or []
    )
    digest = hashlib.sha256(json.dumps(reader.digests, sort_keys=True).encode()).hexdigest()
    label = "+".join(str(d.get("version", "?")) for d in (regulation, eugea_doc, sanctions, national))
    section = eugea_doc["section_i"]
    return RuleSet(
        version=f"rules-{regulation['version']}-{digest[:12]}",
        applies_from=_date(regulation["applies_from"]) or dt.date(2021, 9, 9),
        provisions={k: Provision(k, v["citation"], v["summary"]) for k, v in regulation["provisions"].items()},
        member_states=member_states,
        eugeas=eugeas,
        section_i=tuple(codes_mod.normalise(c) for c in section["codes"]),
        section_i_citation=section["citation"],
        annex_iv=annex_iv,
        common_not_usable_awareness=frozenset(eugea_doc["common_not_usable_if"]["awareness"]),
        arms_embargoes=arms,
        measures=measures,
        national_measures=nationals,
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
