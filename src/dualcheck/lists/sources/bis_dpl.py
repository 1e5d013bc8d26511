"""BIS Denied Persons List: tab-separated with a quoted header row. The list has no identifiers,
so an entity's id is derived from its name, address and effective date."""

from __future__ import annotations

from pathlib import Path

from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, content_id, number_repeats, register
from dualcheck.lists.sources.helpers import clean, country_code, first_date
from dualcheck.lists.sources.textfiles import decode, dict_rows

REQUIRED = ["Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date",
            "Expiration_Date", "Standard_Order", "Last_Update", "Action", "FR_Citation"]


def _row(row: dict[str, str]) -> Record:
    name = clean(row["Name"])
    rec = Record(content_id("us-bis-dpl", name, row["Street_Address"], row["City"], row["Effective_Date"]),
                 "LegalEntity", dict(row))
    rec.add("name", name)
    parts = [clean(row[k]) for k in ("Street_Address", "City", "State", "Postal_Code", "Country")]
    rec.add("address", ", ".join(p for p in parts if p) or None)
    rec.add("country", country_code(row["Country"]))
    rec.add("notes", f"Federal Register: {clean(row['FR_Citation'])}" if clean(row["FR_Citation"]) else None)
    rec.add_programme("Denied Persons List")
    rec.listed_on = first_date(row["Effective_Date"], day_first=False)
    return rec


def parse(source: Source) -> ParsedList:
    rows = dict_rows(decode(source.data, source.name), source.name, REQUIRED, delimiter="\t")
    records = [_row(row) for _line, row in rows]
    number_repeats(records)
    return ParsedList("us-bis-dpl", "bis-dpl-tsv", records)


def sniff(head: bytes, path: Path) -> bool:
    first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").replace(b'"', b"")
    return first.startswith(b"Name\tStreet_Address\t")


register(Format("bis-dpl-tsv", sniff, parse))
