"""Parsers for control-list files: each turns one file (or folder) into a `ParsedList`.

The format is recognised from the content, not the name: the EU Annex I JSON (consolidated
text, one line per provision), the US Commerce Control List JSON, the Commerce Country Chart,
the Wassenaar list (``code<TAB>text`` files), the Annex IV transcription (UNVERIFIED) and the
Common High Priority List CSV. Files in the controls folder that belong to other domains
(authorisations, embargoes, screening lists) or merely re-derive a file loaded here are
recognised and reported as skipped with the reason. A malformed file raises `BadInput` naming
the file and the row/field; nothing is loaded from it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dualcheck.controls.codes import ENTRY_RE, normalise_code
from dualcheck.errors import BadInput

EU_ANNEX_I = "eu-annex-i"
EU_ANNEX_IV = "eu-annex-iv"
US_CCL = "us-ccl"
US_COUNTRY_CHART = "us-country-chart"
US_COUNTRY_GROUPS = "us-country-groups"
WASSENAAR = "wassenaar"
CHPL = "chpl"

# Regulation (EU) 2021/821 applies from 9 September 2021 (Art. 32); the Annex IV transcription
# carries no date of its own.
ANNEX_IV_DEFAULT_VALID_FROM = dt.date(2021, 9, 9)
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_NOTE_PREFIXES = (("Technical Note", "technical_note"), ("N.B.", "nb"), ("Note", "note"))


@dataclass
class ParsedProvision:
    code: str
    entry: str
    parent: str | None
    kind: str  # item | note | technical_note | nb | heading
    depth: int
    text: str
    data: dict[str, Any] | None = None


@dataclass
class ParsedList:
    list_name: str
    valid_from: dt.date
    title: str
    source: str
    sha256: str
    provisions: list[ParsedProvision] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _date(value: Any, source: str, location: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadInput(f"not a date: {value!r}", source=source, location=location) from None


def _require(doc: dict[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in doc:
        raise BadInput(f"missing field '{key}'", source=source, location=f"field {key}")
    if not isinstance(doc[key], kind):
        raise BadInput(f"field '{key}' must be a {kind.__name__}", source=source, location=f"field {key}")
    return doc[key]


def _kind_of(rest: str) -> str:
    for prefix, kind in _NOTE_PREFIXES:
        if rest.startswith(prefix):
            return kind
    return "item"


# --- EU Annex I -----------------------------------------------------------------------------

_DEFINITION_RE = re.compile(r'^"([^"]+)"\s*(?:\(([0-9 ,]+)\))?\s*(.*)$')
_SECTION_I_CODE_RE = re.compile(r"^(?:—\s*)?([0-9][A-E][0-9]{3}(?:\.[a-z0-9]+)*)\.?\s")


def parse_definitions(text: str) -> dict[str, dict[str, Any]]:
    """'"Laser" (6) means ...' lines -> {"laser": {"term", "categories", "text"}}; N.B. lines join their term."""
    terms: dict[str, dict[str, Any]] = {}
    last: dict[str, Any] | None = None
    for line in text.splitlines():
        match = _DEFINITION_RE.match(line.strip())
        if match:
            term, cats, _body = match.groups()
            last = {"term": term, "categories": (cats or "").split(), "text": line.strip()}
            terms.setdefault(term.lower(), last)
        elif last is not None and line.startswith(("N.B.", "Note", "Technical")):
            last["text"] += "\n" + line.strip()
    return terms


def parse_annex_ii_section_i(text: str) -> dict[str, Any]:
    """The Annex II Section I list: codes excluded from EU001-EU006, and whether all of Annex IV is."""
    codes = []
    for line in text.splitlines():
        match = _SECTION_I_CODE_RE.match(line.strip())
        if match:
            codes.append(normalise_code(match.group(1)))
    return {"codes": codes, "all_annex_iv": "all items specified in Annex IV" in text, "text": text}


def parse_eu_annex_i(data: bytes, source: str) -> ParsedList:
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON ({exc.msg})", source=source, location=f"line {exc.lineno}") from None
    entries = _require(doc, "entries", list, source)
    valid_from = _date(_require(doc, "valid_from", str, source), source, "field valid_from")
    parsed = ParsedList(EU_ANNEX_I, valid_from, f"EU Annex I, Regulation (EU) 2021/821, consolidated "
                        f"{doc.get('corpus_version', valid_from)}", source, _sha256(data))
    seq = 0
    for i, entry in enumerate(entries):
        where = f"entries[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("entry_code"), str) \
                or not isinstance(entry.get("verbatim_text"), str):
            raise BadInput("entry needs 'entry_code' and 'verbatim_text' strings", source=source, location=where)
        code = entry["entry_code"].strip()
        if not ENTRY_RE.match(code):
            raise BadInput(f"invalid entry code {code!r}", source=source, location=f"{where}.entry_code")
        for j, line in enumerate(entry["verbatim_text"].splitlines()):
            if not line.strip():
                continue
            head, _, rest = line.partition(" ")
            line_code = normalise_code(head)
            if line_code != code and not line_code.startswith(code + "."):
                raise BadInput(f"line does not start with a code of entry {code}: {line[:60]!r}",
                               source=source, location=f"{where}.verbatim_text line {j + 1}")
            parts = line_code.split(".")
            parsed.provisions.append(ParsedProvision(
                code=line_code, entry=code, parent=".".join(parts[:-1]) or None, kind=_kind_of(rest.strip()),
                depth=len(parts) - 1, text=rest.strip(), data={"category": entry.get("category")}))
            seq += 1
    docs: dict[str, list[dict[str, str]]] = {}
    definitions: dict[str, Any] = {}
    for k, d in enumerate(doc.get("docs") or []):
        if not isinstance(d, dict) or "doc_type" not in d or "verbatim_text" not in d:
            raise BadInput("doc needs 'doc_type' and 'verbatim_text'", source=source, location=f"docs[{k}]")
        docs.setdefault(d["doc_type"], []).append({"title": d.get("title", ""), "text": d["verbatim_text"]})
        if d["doc_type"] == "definitions_annex":
            definitions.update(parse_definitions(d["verbatim_text"]))
    parsed.meta = {
        "corpus_version": doc.get("corpus_version"), "celex": doc.get("celex"),
        "source_url": doc.get("source_url"), "attribution": doc.get("attribution"),
        "docs": docs, "definitions": definitions,
        "annex_ii_section_i": parse_annex_ii_section_i(str(doc.get("gea_common_list") or "")),
        "geas": [{"id": g.get("id"), "title": g.get("title")} for g in doc.get("geas") or []],
    }
    return parsed


# --- US Commerce Control List and Country Chart ---------------------------------------------

def parse_us_ccl(data: bytes, source: str) -> ParsedList:
    doc = json.loads(data)
    entries = _require(doc, "entries", list, source)
    valid_from = _date(_require(doc, "ecfrIssueDate", str, source), source, "field ecfrIssueDate")
    parsed = ParsedList(US_CCL, valid_from, f"US Commerce Control List ({doc.get('citation', '15 CFR 774')}), "
                        f"eCFR {valid_from}", source, _sha256(data),
                        meta={"citation": doc.get("citation"), "deep_categories": doc.get("deepCategories")})
    for i, entry in enumerate(entries):
        eccn = entry.get("eccn") if isinstance(entry, dict) else None
        if not isinstance(eccn, str) or not ENTRY_RE.match(eccn):
            raise BadInput(f"invalid ECCN {eccn!r}", source=source, location=f"entries[{i}].eccn")
        reasons = [r.strip() for r in (entry.get("reasonForControl") or "").split(",") if r.strip()]
        parsed.provisions.append(ParsedProvision(
            code=eccn, entry=eccn, parent=None, kind="item", depth=0, text=entry.get("heading") or "",
            data={"reasons": reasons, "country_chart": entry.get("countryChart") or [],
                  "licence_exceptions": entry.get("licenceExceptionFlags") or {},
                  "related_controls": entry.get("relatedControls")}))
        for item in entry.get("items") or []:
            paragraph = item.get("paragraph")
            if item.get("kind") == "item" and paragraph:
                code = normalise_code(f"{eccn}.{paragraph}")
                parts = code.split(".")
                parsed.provisions.append(ParsedProvision(
                    code=code, entry=eccn, parent=".".join(parts[:-1]), kind="item", depth=len(parts) - 1,
                    text=item.get("text") or ""))
    return parsed


def parse_us_country_chart(data: bytes, source: str) -> ParsedList:
    doc = json.loads(data)
    countries = _require(doc, "countries", dict, source)
    valid_from = _date(_require(doc, "ecfrIssueDate", str, source), source, "field ecfrIssueDate")
    meta = {k: doc.get(k) for k in ("citation", "procedure", "notes", "columns", "countries", "embargoed",
                                     "footnotes", "aliases", "territoryInheritance", "allDestinationsEntries")}
    return ParsedList(US_COUNTRY_CHART, valid_from, f"US Commerce Country Chart, eCFR {valid_from} "
                      f"({len(countries)} countries)", source, _sha256(data), meta=meta)


def parse_us_country_groups(data: bytes, source: str) -> ParsedList:
    doc = json.loads(data)
    groups = _require(doc, "groups", dict, source)
    valid_from = _date(_require(doc, "ecfrIssueDate", str, source), source, "field ecfrIssueDate")
    return ParsedList(US_COUNTRY_GROUPS, valid_from, f"US Country Groups, eCFR {valid_from} ({len(groups)} groups)",
                      source, _sha256(data), meta={k: doc.get(k) for k in ("citation", "groups", "byCountry",
                                                                                 "aliases", "notes", "labels")})


# --- Annex IV (UNVERIFIED transcription) and the Common High Priority List -------------------

def _csv_rows(data: bytes, source: str, required: list[str]) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text (byte {exc.start})", source=source) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise BadInput(f"missing column(s) {', '.join(missing)}", source=source, location="row 1")
    return list(reader)


def parse_annex_iv(data: bytes, source: str, valid_from: dt.date | None = None) -> ParsedList:
    rows = _csv_rows(data, source, ["annex_iv_part_guess", "code", "group"])
    parsed = ParsedList(EU_ANNEX_IV, valid_from or ANNEX_IV_DEFAULT_VALID_FROM,
                        "EU Annex IV (intra-EU transfer licence items), transcription UNVERIFIED", source,
                        _sha256(data), meta={"unverified": True})
    for i, row in enumerate(rows, start=2):
        raw = (row.get("code") or "").strip()
        if not raw:
            raise BadInput("empty code", source=source, location=f"row {i}, field code")
        match = re.match(r"^([0-9][A-E][0-9]{3}(?:\.[a-z0-9]+)*)", raw)
        code = normalise_code(match.group(1)) if match else raw
        cat = re.match(r"^Category ([0-9])", raw)
        entry = code.split(".")[0] if match else (f"category {cat.group(1)}" if cat else raw)
        parsed.provisions.append(ParsedProvision(
            code=code, entry=entry, parent=None, kind="item", depth=0,
            text=f"{row.get('group', '')}: {row.get('note', '')}".strip(),
            data={"part": row.get("annex_iv_part_guess"), "scope": raw, "status": row.get("status"),
                  "exact_code": match is not None and match.group(0) == raw}))
    return parsed


def parse_chpl(data: bytes, source: str) -> ParsedList:
    rows = _csv_rows(data, source, ["hs6", "tier_code", "hs6_short_description"])
    found = _DATE_IN_NAME.search(Path(source).name)
    if not found:
        raise BadInput("no YYYY-MM-DD publication date in the file name", source=source)
    parsed = ParsedList(CHPL, dt.date.fromisoformat(found.group(1)), "Common High Priority List (HS6, tiers)",
                        source, _sha256(data))
    for i, row in enumerate(rows, start=2):
        hs6 = (row["hs6"] or "").strip()
        if not re.fullmatch(r"[0-9]{6}", hs6):
            raise BadInput(f"HS6 code must be 6 digits, got {hs6!r}", source=source, location=f"row {i}, field hs6")
        parsed.provisions.append(ParsedProvision(
            code=hs6, entry=hs6, parent=None, kind="item", depth=0, text=row["hs6_short_description"],
            data={"tier": row["tier_code"], "tier_label": row.get("tier"),
                  "tier_description": row.get("tier_description"), "source": row.get("source")}))
    return parsed


# --- Wassenaar (code<TAB>text files) -------------------------------------------------------

_WA_CODE_RE = re.compile(r"^([0-9])\.([A-E])\.([0-9]+)\.?(.*)$")


def wassenaar_to_eu(code: str) -> str | None:
    """'6.A.5.b.1.' -> '6A005.b.1' (the EU numbering of a Wassenaar dual-use item)."""
    match = _WA_CODE_RE.match(code.strip())
    if not match:
        return None
    cat, group, number, rest = match.groups()
    parts = [p for p in rest.split(".") if p]
    if any(not re.fullmatch(r"[a-z]|[0-9]+", p) for p in parts):
        return None  # a note or technical note line, not an item
    return ".".join([f"{cat}{group}{int(number):03d}", *parts])


def parse_wassenaar(files: list[tuple[str, bytes]], source: str) -> ParsedList:
    digest = hashlib.sha256()
    parsed = ParsedList(WASSENAAR, dt.date(2018, 12, 1), "Wassenaar Arrangement List WA-LIST (18) 1 (December 2018)",
                        source, "", meta={"valid_from_note": "month from WA-LIST (18) 1 (December 2018); "
                                                            "the day is not in the files, the first is used"})
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + data)
        for lineno, line in enumerate(data.decode("utf-8", errors="strict").splitlines(), start=1):
            if not line.strip():
                continue
            code, sep, text = line.partition("\t")
            if not sep:
                raise BadInput("expected code<TAB>text", source=f"{source}/{name}", location=f"line {lineno}")
            code = code.strip()
            eu = wassenaar_to_eu(code)
            kind = "item" if eu or (code.startswith("ML") and "Note" not in code) else "note"
            parsed.provisions.append(ParsedProvision(
                code=code.rstrip("."), entry=(eu or code).split(".")[0], parent=None, kind=kind,
                depth=code.rstrip(".").count("."), text=text.strip(), data={"eu_code": eu, "file": name}))
    parsed.sha256 = digest.hexdigest()
    return parsed


# --- detection -------------------------------------------------------------------------------

_OTHER_DOMAIN_JSON = {
    "annex_ii": "Union general export authorisations: read by the rules domain",
    "articles": "Articles 2, 4, 5 and the Annex I notes: already part of the Annex I file",
    "screening": "US Consolidated Screening List: a restricted-party list (dualcheck lists load)",
    "sanctions": "EU sanctions regimes: read by the rules domain",
    "licence_exceptions": "US licence exceptions catalogue: information only, not a control list",
}


def _detect_json(doc: Any) -> str:
    if not isinstance(doc, dict):
        return "unknown"
    citation = str(doc.get("citation", ""))
    keys = set(doc)
    if "Screening List" in citation:
        return "skip:screening"
    if "entries" in keys and ("corpus_version" in keys or "valid_from" in keys):
        return EU_ANNEX_I
    if "Part 774" in citation:
        return US_CCL
    if "Part 738" in citation:
        return US_COUNTRY_CHART
    if "Part 740" in citation:
        return US_COUNTRY_GROUPS if "groups" in keys else "skip:licence_exceptions"
    if "eugeas" in keys:
        return "skip:annex_ii"
    if "regimes" in keys:
        return "skip:sanctions"
    if keys <= {"_provenance", "docs"} and "docs" in keys:
        return "skip:articles"
    return "unknown"


Parser = Callable[[bytes, str], ParsedList]
_JSON_PARSERS: dict[str, Parser] = {EU_ANNEX_I: parse_eu_annex_i, US_CCL: parse_us_ccl,
                                    US_COUNTRY_CHART: parse_us_country_chart,
                                    US_COUNTRY_GROUPS: parse_us_country_groups}


def parse_file(path: Path, source: str, *, valid_from: dt.date | None = None) -> ParsedList | Skipped:
    """Recognise one file from its content and parse it (or say why it is skipped)."""
    data = path.read_bytes()
    head = data[:4096].lstrip()
    if path.suffix.lower() == ".json" or head[:1] in (b"{", b"["):
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else None
            raise BadInput(f"invalid JSON ({exc})".split("\n")[0], source=source, location=where) from None
        kind = _detect_json(doc)
        if kind in _JSON_PARSERS:
            return _JSON_PARSERS[kind](data, source)
        if kind.startswith("skip:"):
            return Skipped(source, _OTHER_DOMAIN_JSON[kind[5:]])
        raise BadInput("not a recognised control-list JSON file", source=source)
    first_line = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip()
    if first_line.startswith("annex_iv_part_guess,"):
        return parse_annex_iv(data, source, valid_from)
    if first_line.startswith("hs6,"):
        return parse_chpl(data, source)
    if first_line.startswith("entry_code,category,"):
        return Skipped(source, "derived from the Annex I JSON file, which is loaded instead")
    if first_line.startswith("eccn,category,"):
        return Skipped(source, "summary derived from the CCL JSON file, which is loaded instead")
    if first_line.startswith("country,CB 1"):
        return Skipped(source, "matrix derived from the Country Chart JSON file, which is loaded instead")
    if "arms_embargo" in first_line or "regime" in first_line:
        return Skipped(source, "arms embargoes: read by the rules domain")
    if path.suffix == ".txt" and "\t" in first_line:
        return parse_wassenaar([(path.name, data)], source)
    if path.suffix.lower() in (".md", ".txt"):
        return Skipped(source, "documentation")
    raise BadInput("not a recognised control-list file", source=source, location="row 1")
