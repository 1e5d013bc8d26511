"""Read API over the loaded control lists: pure Python, in memory, cached per version.

Usage (for rules, check and anyone else)::

    from dualcheck.controls.catalog import load_catalog, classify

    with db.session() as session:
        catalog = load_catalog(session, as_of=date(2025, 12, 1))   # None = latest version
    catalog.version.id, catalog.version.valid_from                  # "eu-annex-i:2025-11-15:8155d912", date
    p = catalog.lookup("5a002 a 1")        # Provision | None; case, spaces and dots are normalised
    p.code, p.entry, p.title, p.text       # "5A002.a.1", "5A002", entry heading, own text
    p.path                                 # ancestors, outermost first: ["5A002", "5A002.a"]
    p.regime, p.category                   # "Wassenaar" | "MTCR" | "NSG" | "Australia Group" | "CWC" | "EU", "5"
    p.in_annex_iv, p.annex_iv_detail       # bool, and the UNVERIFIED transcription row behind it
    p.in_annex_ii_section_i                # excluded from EU001-EU006 (Annex II Section I)
    catalog.is_valid_code("5A002.a")       # True
    classify(catalog, "fibre laser 2 kW", top=5)   # [Candidate(code, entry, score, title, why)]
    catalog.lookup_eccn("5A002")           # UsEccn(eccn, heading, reasons, chart_controls, ...) | None
    catalog.us_licence_required("5A002", "CN")     # (True | False | None, [reasons])
    catalog.cross_references("6A005")      # {"us_eccn": ..., "wassenaar": ...}
    load_chpl(session)["854231"]           # Common High Priority List: {"tier": "TIER_1", ...}

`load_catalog` raises `NotFound` when no EU Annex I version is in force on the date asked.
The catalog is immutable and shared between threads; build it once per process.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.controls import sources
from dualcheck.controls.codes import ancestors, entry_of, normalise_code, regime_of
from dualcheck.controls.models import ControlListVersion, ControlProvision
from dualcheck.controls.us import us_licence_required
from dualcheck.errors import NotFound

if TYPE_CHECKING:
    from dualcheck.controls.classify import Candidate, ClassifierIndex

_QUOTED_TERM_RE = re.compile(r'"([^"]{2,80})"')
__all__ = ["ControlCatalog", "Provision", "UsEccn", "Version", "classify", "load_catalog", "load_chpl",
           "us_licence_required"]


@dataclass(frozen=True)
class Version:
    id: str
    list_name: str
    valid_from: dt.date
    title: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "list": self.list_name, "valid_from": self.valid_from.isoformat(),
                "title": self.title}


@dataclass(frozen=True)
class Note:
    kind: str  # note | technical_note | nb
    text: str


@dataclass
class Provision:
    code: str
    entry: str
    title: str
    text: str
    path: list[str]
    regime: str
    category: str
    in_annex_iv: bool = False
    annex_iv_detail: str | None = None
    in_annex_ii_section_i: bool = False
    notes: list[Note] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "entry": self.entry, "title": self.title, "text": self.text,
                "path": self.path, "regime": self.regime, "category": self.category,
                "in_annex_iv": self.in_annex_iv, "annex_iv_detail": self.annex_iv_detail,
                "annex_iv_unverified": True, "in_annex_ii_section_i": self.in_annex_ii_section_i,
                "notes": [{"kind": n.kind, "text": n.text} for n in self.notes],
                "children": self.children, "defined_terms": self.terms}


@dataclass(frozen=True)
class UsEccn:
    eccn: str
    heading: str
    reasons: list[str]
    chart_controls: list[dict[str, str]]
    licence_exceptions: dict[str, str]
    version: str


@dataclass
class ControlCatalog:
    version: Version
    provisions: dict[str, Provision]
    entries: list[str]
    definitions: dict[str, dict[str, Any]]
    docs: dict[str, list[dict[str, str]]]
    annex_ii_section_i: dict[str, Any]
    us_ccl: dict[str, UsEccn] = field(default_factory=dict)
    us_chart: dict[str, Any] = field(default_factory=dict)
    wassenaar: dict[str, str] = field(default_factory=dict)
    parallel_texts: dict[str, list[str]] = field(default_factory=dict)  # EU code -> US CCL / Wassenaar wording
    versions: dict[str, Version] = field(default_factory=dict)
    _index: ClassifierIndex | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- lookups ---------------------------------------------------------------------------
    def lookup(self, code: str) -> Provision | None:
        return self.provisions.get(normalise_code(code))

    def is_valid_code(self, code: str) -> bool:
        return normalise_code(code) in self.provisions

    def subtree(self, code: str) -> list[Provision]:
        """The provision and all its descendants, in document order."""
        root = self.lookup(code)
        if root is None:
            return []
        out, stack = [], [root.code]
        while stack:
            current = self.provisions[stack.pop(0)]
            out.append(current)
            stack[:0] = current.children
        return out

    def definition(self, term: str) -> dict[str, Any] | None:
        return _find_definition(self.definitions, term)

    def index(self) -> ClassifierIndex:
        """The classification index, built on first use and kept for the life of the catalog."""
        with self._lock:
            if self._index is None:
                from dualcheck.controls.classify import ClassifierIndex
                self._index = ClassifierIndex(self)
            return self._index

    # --- US view ---------------------------------------------------------------------------
    def lookup_eccn(self, eccn: str) -> UsEccn | None:
        code = normalise_code(eccn)
        return self.us_ccl.get(code) or self.us_ccl.get(entry_of(code))

    def us_licence_required(self, eccn: str, country: str) -> tuple[bool | None, list[str]]:
        """Commerce Country Chart lookup (15 CFR 738.4): True/False, or None when the chart cannot decide."""
        return us_licence_required(self, eccn, country)

    # --- cross references ------------------------------------------------------------------
    def cross_references(self, code: str) -> dict[str, Any]:
        """The US ECCN and Wassenaar item that correspond to an EU code by number, with a text check."""
        provision = self.lookup(code)
        if provision is None:
            raise NotFound(f"control code {code}: not in {self.version.id}")
        out: dict[str, Any] = {"code": provision.code, "us_eccn": None, "wassenaar": None}
        us = self.us_ccl.get(provision.entry)
        if us is not None:
            from dualcheck.controls.classify import tokens

            # compare stemmed word sets: the US text adds "(see List of Items Controlled)" and curly quotes
            eu_words = " ".join(sorted(set(tokens(self.provisions[provision.entry].text))))
            similarity = fuzz.token_set_ratio(eu_words, " ".join(sorted(set(tokens(us.heading)))))
            out["us_eccn"] = {"eccn": us.eccn, "heading": us.heading, "reasons": us.reasons,
                              "text_similarity": round(similarity / 100, 2),
                              "basis": "same number and similar text" if similarity >= 50
                              else "same number only (texts differ: check before relying on it)"}
        if provision.regime == "Wassenaar":
            wa = self.wassenaar.get(provision.code) or self.wassenaar.get(provision.entry)
            if wa is not None:
                out["wassenaar"] = {"item": wa, "version": self.versions.get(sources.WASSENAAR, None)
                                    and self.versions[sources.WASSENAAR].id}
        return out


# --- building --------------------------------------------------------------------------------

_cache: dict[tuple[str, ...], ControlCatalog] = {}
_cache_lock = threading.Lock()


def version_in_force(session: Session, list_name: str, as_of: dt.date | None) -> ControlListVersion | None:
    query = select(ControlListVersion).where(ControlListVersion.list_name == list_name)
    if as_of is not None:
        query = query.where(ControlListVersion.valid_from <= as_of)
    query = query.order_by(ControlListVersion.valid_from.desc(), ControlListVersion.loaded_at.desc()).limit(1)
    return session.execute(query).scalar_one_or_none()


def version_rows(session: Session, version_id: str) -> list[ControlProvision]:
    return list(session.execute(select(ControlProvision).where(ControlProvision.version_id == version_id)
                                .order_by(ControlProvision.seq)).scalars())


def _to_version(row: ControlListVersion) -> Version:
    return Version(row.id, row.list_name, row.valid_from, row.title)


def load_catalog(session: Session, as_of: dt.date | None = None) -> ControlCatalog:
    """The control lists in force on `as_of` (latest when None), cached per set of versions."""
    eu = version_in_force(session, sources.EU_ANNEX_I, as_of)
    if eu is None:
        when = f"on {as_of.isoformat()}" if as_of else "at all"
        raise NotFound(f"no EU Annex I version in force {when}: run `dualcheck controls load` first")
    others = {name: version_in_force(session, name, as_of) or version_in_force(session, name, None)
              for name in (sources.EU_ANNEX_IV, sources.US_CCL, sources.US_COUNTRY_CHART, sources.WASSENAAR)}
    key = (eu.id, *(v.id if v else "-" for v in others.values()))
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    catalog = build_catalog(session, eu, others)
    with _cache_lock:
        _cache[key] = catalog
    return catalog


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def build_catalog(session: Session, eu: ControlListVersion,
                  others: dict[str, ControlListVersion | None]) -> ControlCatalog:
    meta = eu.meta or {}
    catalog = ControlCatalog(
        version=_to_version(eu), provisions={}, entries=[], definitions=meta.get("definitions") or {},
        docs=meta.get("docs") or {}, annex_ii_section_i=meta.get("annex_ii_section_i") or {"codes": []})
    catalog.versions = {name: _to_version(v) for name, v in others.items() if v is not None}
    catalog.versions[sources.EU_ANNEX_I] = catalog.version
    _add_eu_provisions(catalog, version_rows(session, eu.id))
    annex_iv = others.get(sources.EU_ANNEX_IV)
    if annex_iv is not None:
        _mark_annex_iv(catalog, version_rows(session, annex_iv.id))
    _mark_section_i(catalog)
    ccl = others.get(sources.US_CCL)
    if ccl is not None:
        for row in version_rows(session, ccl.id):
            if row.depth == 0 and row.data is not None:
                catalog.us_ccl[row.code] = UsEccn(row.code, row.text, row.data.get("reasons") or [],
                                                  row.data.get("country_chart") or [],
                                                  row.data.get("licence_exceptions") or {}, ccl.id)
            elif row.depth > 0 and row.code in catalog.provisions:
                catalog.parallel_texts.setdefault(row.code, []).append(row.text)
    chart = others.get(sources.US_COUNTRY_CHART)
    if chart is not None:
        catalog.us_chart = dict(chart.meta or {}, version=chart.id)
    wa = others.get(sources.WASSENAAR)
    if wa is not None:
        for row in version_rows(session, wa.id):
            eu_code = (row.data or {}).get("eu_code")
            if eu_code and row.kind == "item":
                catalog.wassenaar.setdefault(eu_code, row.code)
                if eu_code in catalog.provisions:
                    catalog.parallel_texts.setdefault(eu_code, []).append(row.text)
    return catalog


def _add_eu_provisions(catalog: ControlCatalog, rows: list[ControlProvision]) -> None:
    for row in rows:
        provision = catalog.provisions.get(row.code)
        if row.kind != "item":
            if provision is None:  # a note before its item's line: attach to the nearest known ancestor
                provision = next((catalog.provisions[a] for a in reversed(ancestors(row.code))
                                  if a in catalog.provisions), None)
            if provision is not None:
                provision.notes.append(Note(row.kind, row.text))
            continue
        if provision is not None:  # a continuation line of the same code
            provision.text += " " + row.text
            continue
        path = [a for a in ancestors(row.code) if a in catalog.provisions]
        entry_title = catalog.provisions[row.entry].text if row.entry in catalog.provisions else row.text
        provision = Provision(code=row.code, entry=row.entry, title=entry_title, text=row.text, path=path,
                              regime=regime_of(row.entry), category=row.entry[0])
        catalog.provisions[row.code] = provision
        if path:
            catalog.provisions[path[-1]].children.append(row.code)
        else:
            catalog.entries.append(row.code)
    for provision in catalog.provisions.values():
        found = {m.lower() for m in _QUOTED_TERM_RE.findall(provision.text)}
        provision.terms = sorted({d["term"] for t in found if (d := _find_definition(catalog.definitions, t))})


def _find_definition(definitions: dict[str, dict[str, Any]], term: str) -> dict[str, Any] | None:
    key = term.lower().strip()
    for candidate in (key, key.rstrip("s"), key[:-2] if key.endswith("es") else key):
        if candidate in definitions:
            return definitions[candidate]
    return None


def _mark_annex_iv(catalog: ControlCatalog, rows: list[ControlProvision]) -> None:
    for row in rows:
        data = row.data or {}
        detail = f"UNVERIFIED Annex IV transcription, part {data.get('part')}: {data.get('scope')} ({row.text})"
        scope = str(data.get("scope", ""))
        if scope.startswith("Category 0"):
            # "all Cat 0 except 0C001 and most of 0C002": 0C002 stays partial, 0C001 stays out
            targets = [c for c in catalog.provisions if c.startswith("0") and not c.startswith("0C001")]
        elif row.code in catalog.provisions:
            targets = [p.code for p in catalog.subtree(row.code)]
        else:
            continue
        for code in targets:
            provision = catalog.provisions[code]
            provision.in_annex_iv = True
            provision.annex_iv_detail = detail
        for ancestor in ancestors(row.code):  # a listed sub-item makes its entry partly Annex IV
            if ancestor in catalog.provisions and not catalog.provisions[ancestor].in_annex_iv:
                catalog.provisions[ancestor].annex_iv_detail = f"partly: {row.code} is listed; {detail}"


def _mark_section_i(catalog: ControlCatalog) -> None:
    listed = {normalise_code(c) for c in catalog.annex_ii_section_i.get("codes", [])}
    all_annex_iv = bool(catalog.annex_ii_section_i.get("all_annex_iv"))
    for provision in catalog.provisions.values():
        lineage = {provision.code, *provision.path}
        provision.in_annex_ii_section_i = bool(lineage & listed) or (all_annex_iv and provision.in_annex_iv)


def load_chpl(session: Session, as_of: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """The Common High Priority List in force: {hs6: {"tier", "tier_label", "description", "version"}}."""
    version = version_in_force(session, sources.CHPL, as_of)
    if version is None:
        return {}
    return {row.code: {"tier": (row.data or {}).get("tier"), "tier_label": (row.data or {}).get("tier_label"),
                       "description": row.text, "version": version.id} for row in version_rows(session, version.id)}


def classify(catalog: ControlCatalog, text: str, top: int = 5) -> list[Candidate]:
    """Rank the provisions of `catalog` for a free-text product description (best first)."""
    return catalog.index().classify(text, top=top)
