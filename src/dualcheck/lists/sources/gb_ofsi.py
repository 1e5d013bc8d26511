"""UK OFSI consolidated list, CSV and XLSX: one row per name variant, grouped by ``Group ID``.
Row 1 is a "Last Updated" banner (dd/mm/yyyy); the header is row 2. Dates of birth come as
dd/mm/yyyy, 00/00/yyyy (year only) or a bare year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, register
from dualcheck.lists.sources.helpers import clean, country_code, first_date, parse_date, person_name
from dualcheck.lists.sources.textfiles import csv_rows, decode
from dualcheck.lists.sources.xlsx import sheet_rows

REQUIRED = ["Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title", "Name Non-Latin Script", "DOB",
            "Town of Birth", "Country of Birth", "Nationality", "Passport Number", "National Identification Number",
            "Position", "Address 1", "Country", "Other Information", "Group Type", "Alias Type", "Alias Quality",
            "Regime", "Listed On", "Group ID"]
SCHEMAS = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}
ADDRESS = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6", "Post/Zip Code", "Country")


def _name_prop(row: dict[str, str]) -> str:
    alias_type = (clean(row["Alias Type"]) or "").lower()
    if alias_type == "primary name":
        return "name"
    if alias_type == "fka":
        return "previousName"
    return "weakAlias" if (clean(row["Alias Quality"]) or "").lower().startswith("low") else "alias"


def _group(group_id: str, rows: list[dict[str, str]]) -> Record:
    first = rows[0]
    schema = SCHEMAS.get((clean(first["Group Type"]) or "").lower(), "LegalEntity")
    # the source record keeps each published row without its empty cells (most of the 36 are empty)
    rec = Record(f"gb-ofsi-{group_id}", schema, {"rows": [{k: v for k, v in row.items() if v} for row in rows]})
    for row in sorted(rows, key=lambda r: _name_prop(r) != "name"):
        given = [row[f"Name {i}"] for i in range(1, 6)]
        rec.add(_name_prop(row), person_name(*given, row["Name 6"]))
        rec.add("alias", clean(row["Name Non-Latin Script"]))
        if schema == "Person" and _name_prop(row) == "name":
            rec.add("firstName", clean(row["Name 1"]))
            rec.add("lastName", clean(row["Name 6"]))
        rec.add("title", clean(row["Title"]))
        rec.add("position", clean(row["Position"]))
        rec.add("birthDate", *parse_date(row["DOB"]))
        rec.add("birthPlace", person_name(row["Town of Birth"], row["Country of Birth"]))
        for nationality in (row["Nationality"] or "").split(","):
            rec.add("nationality", country_code(nationality))
        rec.add("passportNumber", clean(row["Passport Number"]))
        rec.add("idNumber", clean(row["National Identification Number"]))
        rec.add("address", ", ".join(p for p in (clean(row.get(k)) for k in ADDRESS) if p) or None)
        rec.add("country", country_code(row["Country"]))
        rec.add("notes", clean(row["Other Information"]))
        rec.add_programme(clean(row["Regime"]))
        rec.listed_on = rec.listed_on or first_date(row["Listed On"])
    return rec


def parse_rows(rows: Iterable[tuple[int, list[str]]], source: Source, fmt: str) -> ParsedList:
    it = iter(rows)
    published: dt.date | None = None
    header: list[str] | None = None
    groups: dict[str, list[dict[str, str]]] = {}
    for line, row in it:
        if header is None:
            if row and (row[0] or "").strip().lower() == "last updated":
                found = first_date(row[1] if len(row) > 1 else None)
                published = dt.date.fromisoformat(found) if found and len(found) == 10 else None
                continue
            header = [(h or "").strip() for h in row]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise source.bad(f"missing column {missing[0]!r}", f"line {line} (header)")
            continue
        if len(row) < len(header):
            raise source.bad(f"expected {len(header)} fields, found {len(row)} (truncated or malformed row)",
                             f"line {line}")
        record = dict(zip(header, row, strict=False))
        group_id = clean(record["Group ID"])
        if not group_id:
            raise source.bad("empty Group ID", f"line {line}, field Group ID")
        groups.setdefault(group_id, []).append(record)
    if header is None:
        raise source.bad("no header row", "line 1")
    records = [_group(gid, rows) for gid, rows in groups.items()]
    return ParsedList("gb-ofsi", fmt, records, published)


def parse_csv(source: Source) -> ParsedList:
    return parse_rows(csv_rows(decode(source.data, source.name, legacy="cp1252"), source.name), source, "gb-ofsi-csv")


def parse_xlsx(source: Source) -> ParsedList:
    """The workbook's first sheet (date cells come out as dd/mm/yyyy, like the CSV)."""
    return parse_rows(sheet_rows(source.data, source.name), source, "gb-ofsi-xlsx")


def sniff_csv(head: bytes, path: Path) -> bool:
    lines = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 2)
    return lines[0].lower().startswith(b"last updated,") or (len(lines) > 1 and b"Group ID" in lines[1]
                                                              and b"Name 6" in lines[1])


def sniff_xlsx(head: bytes, path: Path) -> bool:
    return head[:4] == b"PK\x03\x04" and (b"xl/workbook" in head or b"xl/worksheets" in head
                                          or b"[Content_Types].xml" in head)


register(Format("gb-ofsi-csv", sniff_csv, parse_csv))
register(Format("gb-ofsi-xlsx", sniff_xlsx, parse_xlsx))
