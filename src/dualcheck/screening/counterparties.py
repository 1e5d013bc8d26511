"""Counterparties: a customer/supplier master imported from CSV or XLSX, stored for (re-)screening.

Import maps the file's columns to ours (``ref``, ``name``, ``schema``, ``country``,
``birth_date``, ``aliases``), validates every row first and writes nothing if any row is bad:
the error names the file, the row and the field. A birth date that cannot be read unambiguously
(05/06/1969, 1969-02-30) is the exception: that row is reported and skipped, and counted.
Rows are upserted by ``ref``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.db.base import utcnow
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput, NotFound
from dualcheck.screening.dates import BadDate
from dualcheck.screening.models import Counterparty
from dualcheck.screening.normalize import validate_name
from dualcheck.screening.subjects import check_birth_date, check_schema, normalise_country
from dualcheck.tabular import read_table

FIELDS = ("ref", "name", "schema", "country", "birth_date", "aliases")
# optional columns kept with the counterparty (its attributes) and shown with it
ATTRIBUTE_FIELDS = ("address", "city", "postcode", "identifiers")
ALIAS_SEPARATOR = ";"


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """``["ref=Customer ID", "name=Company"]`` -> {our field: file column}."""
    mapping = {f: f for f in FIELDS}
    for pair in pairs or []:
        ours, sep, theirs = pair.partition("=")
        if not sep or ours.strip() not in FIELDS + ATTRIBUTE_FIELDS or not theirs.strip():
            raise BadInput(f"{pair!r} is not FIELD=COLUMN with FIELD one of {', '.join(FIELDS + ATTRIBUTE_FIELDS)}",
                           location="--map")
        mapping[ours.strip()] = theirs.strip()
    return mapping


def read_rows(path: Path) -> list[dict[str, str]]:
    return read_table(path)


def validate_row(row: dict[str, str], mapping: dict[str, str], *, source: str, line: int) -> dict[str, Any]:
    def get(field: str) -> str:
        return (row.get(mapping.get(field, field)) or "").strip()

    where = f"row {line}"
    try:
        ref = get("ref")
        if not ref:
            raise BadInput("is empty", location="ref")
        name = validate_name(get("name"))
        aliases = [validate_name(a, field="aliases") for a in get("aliases").split(ALIAS_SEPARATOR) if a.strip()]
        record: dict[str, Any] = {"ref": ref[:200], "name": name, "schema": check_schema(get("schema") or None),
                  "country": normalise_country(get("country") or None),
                  "birth_date": check_birth_date(get("birth_date") or None), "aliases": aliases}
        attributes: dict[str, Any] = {f: get(f) for f in ATTRIBUTE_FIELDS if get(f)}
        if "identifiers" in attributes:
            attributes["identifiers"] = [i.strip() for i in attributes["identifiers"].split(ALIAS_SEPARATOR)
                                         if i.strip()]
        if attributes:
            record["attributes"] = attributes
        return record
    except BadInput as exc:
        field = exc.location or ""
        error = BadDate if isinstance(exc, BadDate) else BadInput
        raise error(exc.message.split(": ", 1)[-1], source=source,
                    location=f"{where}, field {mapping.get(field, field)}") from None


def import_file(db: Database, path: Path, *, mapping: dict[str, str], actor: str) -> dict[str, Any]:
    """Validate every row, then upsert all of them in one transaction (with one ledger record)."""
    rows = read_rows(path)
    if not rows:
        raise BadInput("no rows", source=str(path))
    header = set(rows[0])
    for field in ("ref", "name"):
        if mapping[field] not in header:
            raise BadInput(f"missing column {mapping[field]!r} (map it with --map {field}=COLUMN)", source=str(path),
                           location="header")
    records: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for line, row in enumerate(rows, start=2):
        try:
            record = validate_row(row, mapping, source=path.name, line=line)
        except BadDate as exc:  # one client's odd date is reported and its row left out, not the whole file
            skipped.append(f"{exc} (row skipped)")
            continue
        if record["ref"] in records:
            raise BadInput(f"duplicate ref {record['ref']!r}", source=path.name, location=f"row {line}, field ref")
        records[record["ref"]] = record
    with db.write_session() as session:
        _, created, updated = upsert_records(session, records)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        summary = {"file": path.name, "sha256": digest, "rows": len(records), "created": created, "updated": updated,
                   "skipped": len(skipped), "skipped_rows": skipped}
        ledger.append(session, "screening.counterparties.import", summary, actor=actor, subject=path.name)
    return summary


def upsert_records(session: Session, records: dict[str, dict[str, Any]],
                   ) -> tuple[dict[str, Counterparty], int, int]:
    """Create or update validated records by ref: (the stored counterparties by ref, created, updated)."""
    refs = list(records)
    existing: dict[str, Counterparty] = {}
    for start in range(0, len(refs), 1000):  # bounded IN lists
        query = select(Counterparty).where(Counterparty.ref.in_(refs[start:start + 1000]))
        existing.update((c.ref, c) for c in session.execute(query).scalars())
    created = updated = 0
    now = utcnow()
    for ref, record in records.items():
        cp = existing.get(ref)
        if cp is None:
            cp = existing[ref] = Counterparty(**{"attributes": {}, **record}, created_at=now, updated_at=now)
            session.add(cp)
            created += 1
        elif any(getattr(cp, k) != v for k, v in record.items()):
            for k, v in record.items():
                setattr(cp, k, v)
            cp.updated_at = now
            updated += 1
    session.flush()
    return existing, created, updated


def counterparty_document(cp: Counterparty) -> dict[str, Any]:
    return {"id": cp.id, "ref": cp.ref, "name": cp.name, "schema": cp.schema, "country": cp.country,
            "birth_date": cp.birth_date, "aliases": list(cp.aliases or []), "attributes": dict(cp.attributes or {}),
            "created_at": cp.created_at.isoformat(), "updated_at": cp.updated_at.isoformat()}


def get_counterparty(session: Session, ref_or_id: str | int) -> Counterparty:
    text = str(ref_or_id)
    found = session.execute(select(Counterparty).where(Counterparty.ref == text)).scalar_one_or_none()
    if found is None and text.isdigit():
        found = session.get(Counterparty, int(text))
    if found is None:
        raise NotFound(f"counterparty {text} not found")
    return found


def list_counterparties(session: Session, *, offset: int = 0, limit: int = 100) -> tuple[int, list[Counterparty]]:
    total = session.execute(select(func.count()).select_from(Counterparty)).scalar_one()
    rows = session.execute(select(Counterparty).order_by(Counterparty.id).offset(offset).limit(limit)).scalars()
    return total, list(rows)


def upsert_counterparty(session: Session, data: dict[str, Any], *, actor: str) -> Counterparty:
    """Create or replace one counterparty from an API body (validated like an imported row)."""
    record = validate_row({k: ";".join(v) if isinstance(v, list) else str(v or "") for k, v in data.items()},
                          {f: f for f in FIELDS}, source="body", line=1)
    cp = session.execute(select(Counterparty).where(Counterparty.ref == record["ref"])).scalar_one_or_none()
    now = utcnow()
    if cp is None:
        cp = Counterparty(**record, attributes=dict(data.get("attributes") or {}), created_at=now, updated_at=now)
        session.add(cp)
    else:
        for k, v in record.items():
            setattr(cp, k, v)
        cp.attributes = dict(data.get("attributes") or cp.attributes or {})
        cp.updated_at = now
    session.flush()
    ledger.append(session, "screening.counterparty", {"action": "upsert", **counterparty_document(cp)}, actor=actor,
                  subject=f"counterparty:{cp.ref}")
    return cp


def delete_counterparty(session: Session, ref_or_id: str | int, *, actor: str) -> None:
    cp = get_counterparty(session, ref_or_id)
    ledger.append(session, "screening.counterparty", {"action": "delete", "ref": cp.ref, "id": cp.id}, actor=actor,
                  subject=f"counterparty:{cp.ref}")
    session.delete(cp)
