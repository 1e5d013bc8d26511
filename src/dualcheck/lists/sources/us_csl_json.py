"""US Consolidated Screening List as a compact JSON snapshot (``entries`` with short keys and
lookup ``tables``, described by its own ``fieldKey``), as kept beside the control lists. Same
list and ids as the trade.gov CSV (`us-csl`), so the two are versions of one list."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from dualcheck.errors import BadInput
from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, content_id, number_repeats, register
from dualcheck.lists.sources.helpers import clean, country_code, first_date, reorder_comma_name
from dualcheck.lists.sources.textfiles import decode
from dualcheck.lists.sources.us_csl import SCHEMAS, origin_code


def _looked_up(table: list[str], index: Any) -> list[str]:
    indexes = index if isinstance(index, list) else [index]
    return [table[i] for i in indexes if isinstance(i, int) and 0 <= i < len(table)]


def _entry(entry: dict[str, Any], tables: dict[str, list[str]]) -> Record:
    origin = (_looked_up(tables.get("sources", []), entry.get("s")) or ["unknown"])[0]
    schema = SCHEMAS.get((clean(entry.get("t")) or "").lower(), "LegalEntity")
    number = clean(entry.get("e"))
    entity_id = f"us-csl-{origin_code(origin)}-{number}" if number else content_id(
        f"us-csl-{origin_code(origin)}", entry.get("n"))
    rec = Record(entity_id, schema, entry, origin=origin)
    name = clean(entry.get("n")) or ""
    rec.add("name", reorder_comma_name(name)[0] if schema == "Person" else name)
    for alias in entry.get("a") or []:
        rec.add("alias", reorder_comma_name(alias)[0] if schema == "Person" else alias)
    rec.add("country", *[country_code(c) for c in entry.get("c") or []])
    rec.add_programme(*_looked_up(tables.get("programmes", []), entry.get("pg")))
    rec.add("notes", *[f"licence requirement: {t}" for t in _looked_up(tables.get("licenceRequirements", []),
                                                                       entry.get("lr"))])
    rec.add("notes", *[f"licence policy: {t}" for t in _looked_up(tables.get("licencePolicies", []),
                                                                  entry.get("lp"))])
    rec.add("notes", f"Federal Register: {clean(entry.get('fr'))}" if clean(entry.get("fr")) else None)
    return rec


def parse(source: Source) -> ParsedList:
    try:
        doc = json.loads(decode(source.data, source.name))
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON ({exc.msg})", source=source.name, location=f"line {exc.lineno}") from None
    entries, tables = doc.get("entries"), doc.get("tables") or {}
    if not isinstance(entries, list):
        raise BadInput("no entries list", source=source.name, location="field entries")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not clean(entry.get("n")):
            raise BadInput("entry without a name", source=source.name, location=f"entries[{i}]")
    records = [_entry(entry, tables) for entry in entries]
    number_repeats(records)
    generated = first_date(doc.get("sourceGeneratedAt"))
    published = dt.date.fromisoformat(generated) if generated and len(generated) == 10 else None
    return ParsedList("us-csl", "us-csl-json", records, published)


def sniff(head: bytes, path: Path) -> bool:
    return head.lstrip()[:1] == b"{" and b'"fieldKey"' in head and b"Consolidated Screening List" in head


register(Format("us-csl-json", sniff, parse))
