"""OFAC legacy CSV: the SDN set (sdn.csv + add.csv + alt.csv + sdn_comments.csv) and the
consolidated non-SDN set (cons_prim.csv + cons_add/cons_alt/cons_comments.csv).

No header; ``-0-`` is null; Latin-1 with a trailing 0x1A. The primary file alone loads; the
companion files add addresses, strong aliases and the continuation of remarks longer than
the primary file's field. Strong a.k.a.s live in alt.csv; the weak ones only in remarks.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from dualcheck.errors import BadInput
from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, register, unique_ids
from dualcheck.lists.sources.helpers import add_us_style_name, clean, country_code, reorder_comma_name
from dualcheck.lists.sources.ofac_remarks import apply_remarks
from dualcheck.lists.sources.textfiles import csv_rows, decode

PRIMARY = ("ent_num", "sdn_name", "sdn_type", "program", "title", "call_sign", "vess_type", "tonnage", "grt",
           "vess_flag", "vess_owner", "remarks")
ADDRESS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
ALIAS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
COMMENT = ("ent_num", "remarks_continued")
SCHEMAS = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}
ALIAS_PROPS = {"aka": "alias", "fka": "previousName", "nka": "alias"}
_PROGRAMME_SEPARATOR = re.compile(r"\]\s*\[")


def _first_row(head: bytes) -> list[str] | None:
    text = head.decode("latin-1").lstrip("\ufeff")
    line = text.split("\n", 1)[0].strip("\r")
    if not line or "\n" not in text:
        return None
    try:
        return next(csv.reader(io.StringIO(line)))
    except (csv.Error, StopIteration):
        return None


def _sniff_shape(head: bytes, width: int) -> bool:
    row = _first_row(head)
    return row is not None and len(row) == width and row[0].strip().isdigit()


def sniff_primary(head: bytes, path: Path) -> bool:
    return _sniff_shape(head, len(PRIMARY))


def sniff_address(head: bytes, path: Path) -> bool:
    row = _first_row(head)
    return _sniff_shape(head, len(ADDRESS)) and row is not None and row[1].strip().isdigit()


def sniff_alias(head: bytes, path: Path) -> bool:
    row = _first_row(head)
    return _sniff_shape(head, len(ALIAS)) and row is not None and row[2].strip().strip('"').lower() in ALIAS_PROPS


def sniff_comment(head: bytes, path: Path) -> bool:
    return _sniff_shape(head, len(COMMENT))


def list_name_for(path: Path) -> str:
    """Both sets share one layout; OFAC names the non-SDN files cons_*."""
    return "us-ofac-nonsdn" if path.name.lower().startswith("cons") else "us-ofac-sdn"


def _rows(data: bytes, name: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    out = []
    for line, row in csv_rows(decode(data, name), name):
        if len(row) != len(columns):
            raise BadInput(f"expected {len(columns)} fields, found {len(row)} (truncated or malformed row)",
                           source=name, location=f"line {line}")
        if not row[0].strip().isdigit():
            raise BadInput(f"{columns[0]} {row[0]!r} is not a number", source=name, location=f"line {line}")
        out.append((line, dict(zip(columns, row, strict=True))))
    return out


def _by_entity(data: bytes | None, name: str, columns: tuple[str, ...]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    if data is None:
        return grouped
    for _line, row in _rows(data, name, columns):
        grouped.setdefault(row["ent_num"].strip(), []).append(row)
    return grouped


def _address_text(row: dict[str, str]) -> str | None:
    parts = [clean(row[k]) for k in ("address", "city_state_postal", "country")]
    return ", ".join(p for p in parts if p) or None


def parse(source: Source) -> ParsedList:
    list_name = list_name_for(source.path)
    addresses = _by_entity(source.companions.get("address"), source.companion_names.get("address", ""), ADDRESS)
    aliases = _by_entity(source.companions.get("alias"), source.companion_names.get("alias", ""), ALIAS)
    comments = _by_entity(source.companions.get("comment"), source.companion_names.get("comment", ""), COMMENT)
    records = []
    for _line, row in _rows(source.data, source.name, PRIMARY):
        ent = row["ent_num"].strip()
        remarks = clean(row["remarks"]) or ""
        for extra in comments.get(ent, []):
            remarks += extra["remarks_continued"]  # OFAC cuts long remarks mid-word
        schema = SCHEMAS.get((clean(row["sdn_type"]) or "").lower(), "Organization")
        raw: dict[str, object] = {k: v for k, v in row.items()}
        if ent in addresses:
            raw["addresses"] = addresses[ent]
        if ent in aliases:
            raw["aliases"] = aliases[ent]
        if ent in comments:
            raw["comments"] = comments[ent]
        rec = Record(f"{list_name}-{ent}", schema, raw)
        add_us_style_name(rec, clean(row["sdn_name"]) or "", clean(row["title"]))
        rec.add_programme(*_PROGRAMME_SEPARATOR.split((clean(row["program"]) or "").strip("[]")))
        if schema == "Vessel":
            rec.add("callSign", clean(row["call_sign"]))
            rec.add("type", clean(row["vess_type"]))
            rec.add("tonnage", clean(row["tonnage"]))
            rec.add("grossRegisteredTonnage", clean(row["grt"]))
            rec.add("flag", country_code(row["vess_flag"]))
            rec.add("notes", f"owner: {clean(row['vess_owner'])}" if clean(row["vess_owner"]) else None)
        for alias in aliases.get(ent, []):
            alias_name = clean(alias["alt_name"]) or ""
            if schema == "Person":
                alias_name = reorder_comma_name(alias_name)[0]
            rec.add(ALIAS_PROPS.get((clean(alias["alt_type"]) or "aka").lower(), "alias"), alias_name)
        for address in addresses.get(ent, []):
            rec.add("address", _address_text(address))
            rec.add("country", country_code(address["country"]))
        apply_remarks(rec, remarks)
        records.append(rec)
    unique_ids(records, source)
    return ParsedList(list_name, "ofac-csv", records)


register(Format("ofac-csv", sniff_primary, parse))
for _kind, _sniff in (("address", sniff_address), ("alias", sniff_alias), ("comment", sniff_comment)):
    register(Format(f"ofac-csv-{_kind}", _sniff, parse, companion_of="ofac-csv"))
