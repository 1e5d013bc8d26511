"""US Consolidated Screening List, trade.gov CSV: eleven US lists in one file, each row keeping
its list of origin (``source``). Multi-valued fields are joined with ``;``; ``ids`` holds
``country, number, type`` triples."""

from __future__ import annotations

import re
from pathlib import Path

from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, number_repeats, register
from dualcheck.lists.sources.helpers import (
    add_us_style_name,
    clean,
    country_code,
    parse_date,
    reorder_comma_name,
    split_list,
)
from dualcheck.lists.sources.ofac_remarks import apply_remark, apply_remarks
from dualcheck.lists.sources.textfiles import decode, dict_rows

REQUIRED = ["_id", "source", "type", "programs", "name", "addresses", "alt_names", "dates_of_birth",
            "nationalities", "citizenships", "places_of_birth", "ids", "remarks", "start_date"]
SCHEMAS = {"individual": "Person", "entity": "Organization", "vessel": "Vessel", "aircraft": "Airplane"}
_ABBREVIATION = re.compile(r"\(([^)]+)\)")


def origin_code(source: str) -> str:
    """'Entity List (EL) - Bureau of Industry and Security' -> 'el'."""
    m = _ABBREVIATION.search(source)
    code = m.group(1) if m else source.split(" - ")[0]
    return re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")


def _row(row: dict[str, str]) -> Record:
    origin = clean(row["source"]) or "unknown"
    schema = SCHEMAS.get((clean(row["type"]) or "").lower(), "LegalEntity")
    rec = Record(f"us-csl-{origin_code(origin)}-{clean(row['_id'])}", schema, dict(row), origin=origin)
    add_us_style_name(rec, clean(row["name"]) or "", clean(row.get("title")))
    for alias in split_list(row["alt_names"]):
        rec.add("alias", reorder_comma_name(alias)[0] if schema == "Person" else alias)
    rec.add_programme(*split_list(row["programs"]))
    for address in split_list(row["addresses"]):
        rec.add("address", address)
        rec.add("country", country_code(address.rsplit(",", 1)[-1]))
    for value in split_list(row["dates_of_birth"]):
        rec.add("birthDate", *parse_date(value))
    rec.add("birthPlace", *split_list(row["places_of_birth"]))
    rec.add("nationality", *[country_code(c) for c in split_list(row["nationalities"])])
    rec.add("citizenship", *[country_code(c) for c in split_list(row["citizenships"])])
    for ident in split_list(row["ids"]):
        parts = [p.strip() for p in ident.split(",")]
        if len(parts) >= 3:
            country, number, kind = parts[0], ", ".join(parts[1:-1]), parts[-1]
            apply_remark(rec, f"{kind} {number}" + (f" ({country})" if country else ""))
        else:
            rec.add("notes", ident)
    if schema == "Vessel":
        rec.add("callSign", clean(row.get("call_sign")))
        rec.add("type", clean(row.get("vessel_type")))
        rec.add("flag", country_code(row.get("vessel_flag")))
        rec.add("tonnage", clean(row.get("gross_tonnage")))
        rec.add("grossRegisteredTonnage", clean(row.get("gross_registered_tonnage")))
    apply_remarks(rec, (clean(row["remarks"]) or "").strip("()"))
    listed = parse_date(row["start_date"])
    rec.listed_on = listed[0] if listed else None
    return rec


def parse(source: Source) -> ParsedList:
    rows = dict_rows(decode(source.data, source.name), source.name, REQUIRED)
    records = [_row(row) for _line, row in rows]
    number_repeats(records)
    return ParsedList("us-csl", "us-csl-csv", records)


def sniff(head: bytes, path: Path) -> bool:
    first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf")
    return first.startswith(b"_id,source,") and b"alt_names" in first


register(Format("us-csl-csv", sniff, parse))
