"""followthemoney JSON lines (OpenSanctions ``entities.ftm.json``): one entity per line.
Parties (legal entities, vessels, airplanes) are loaded; other schemata (sanctions, addresses,
relationships) are not parties and are skipped. The list is named ``ftm-<dataset>`` after the
first entity's dataset."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from followthemoney import model

from dualcheck.errors import BadInput
from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, register, unique_ids
from dualcheck.lists.sources.textfiles import decode

PARTY_SCHEMATA = ("LegalEntity", "Vessel", "Airplane")


def _is_party(schema_name: str) -> bool:
    schema = model.get(schema_name)
    return schema is not None and any(schema.is_a(name) for name in PARTY_SCHEMATA)


def _entity(doc: dict[str, Any], source: Source, line: int) -> Record | None:
    entity_id, schema = doc.get("id"), doc.get("schema")
    props = doc.get("properties")
    if not isinstance(entity_id, str) or not isinstance(schema, str) or not isinstance(props, dict):
        raise BadInput("not a followthemoney entity (needs id, schema, properties)", source=source.name,
                       location=f"line {line}")
    if model.get(schema) is None:
        raise BadInput(f"unknown schema {schema!r}", source=source.name, location=f"line {line}, field schema")
    if not _is_party(schema):
        return None
    rec = Record(entity_id, schema, doc)
    for prop, values in props.items():
        if not isinstance(values, list):
            raise BadInput(f"property {prop!r} is not a list", source=source.name, location=f"line {line}")
        if prop == "program":
            rec.add_programme(*[str(v) for v in values])
        else:
            rec.add(prop, *[str(v) for v in values if isinstance(v, str | int | float)])
    rec.listed_on = (doc.get("first_seen") or "")[:10] or None
    return rec


def parse(source: Source) -> ParsedList:
    text = decode(source.data, source.name)
    records: list[Record] = []
    dataset: str | None = None
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadInput(f"invalid JSON ({exc.msg})", source=source.name, location=f"line {line}") from None
        if not isinstance(doc, dict):
            raise BadInput("not a JSON object", source=source.name, location=f"line {line}")
        if dataset is None and doc.get("datasets"):
            dataset = str(doc["datasets"][0])
        rec = _entity(doc, source, line)
        if rec is not None:
            records.append(rec)
    unique_ids(records, source)
    name = re.sub(r"[^a-z0-9]+", "-", (dataset or source.path.stem.split(".")[0]).lower()).strip("-")
    return ParsedList(f"ftm-{name}", "ftm-json", records)


def sniff(head: bytes, path: Path) -> bool:
    first = head.lstrip(b"\xef\xbb\xbf \r\n\t").split(b"\n", 1)[0]
    return first.startswith(b"{") and b'"schema"' in first and b'"properties"' in first


register(Format("ftm-json", sniff, parse))
