"""Product register: items (SKU, description, parameters) and their classification decisions.

A decision names the codes (``[]`` = not listed), the rationale, who decided, when, and the
control-list version it was made against; it is recorded in the ledger ("classification").
When a new version of EU Annex I changes or removes an entry, every current decision under that
entry is flagged for review with the text diff of the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.controls import sources
from dualcheck.controls.catalog import load_catalog
from dualcheck.controls.codes import entry_of, normalise_code
from dualcheck.controls.diff import entry_changes, previous_version
from dualcheck.controls.models import ControlClassification, ControlItem
from dualcheck.db.base import utcnow
from dualcheck.errors import BadInput, NotFound
from dualcheck.tabular import read_table


def upsert_item(session: Session, sku: str, description: str, parameters: dict[str, Any], *, actor: str,
                hs_code: str | None = None) -> ControlItem:
    if not sku.strip():
        raise BadInput("empty SKU", source="item", location="sku")
    hs_code = check_hs_code(hs_code)
    item = session.get(ControlItem, sku)
    if item is None:
        item = ControlItem(sku=sku, description=description, parameters=parameters, hs_code=hs_code)
        session.add(item)
    else:
        item.description, item.parameters, item.updated_at = description, parameters, utcnow()
        item.hs_code = hs_code or item.hs_code
    session.flush()
    ledger.append(session, "controls.item", {"sku": sku, "description": description, "parameters": parameters,
                                             "hs_code": item.hs_code}, actor=actor, subject=sku)
    return item


def check_hs_code(value: str | None, *, location: str = "hs_code", source: str | None = None) -> str | None:
    """An HS / CN code: 4 to 10 digits (dots and blanks as people write them are dropped)."""
    if value is None or not str(value).strip():
        return None
    digits = re.sub(r"[.\s]", "", str(value))
    if not re.fullmatch(r"[0-9]{4,10}", digits):
        raise BadInput(f"not an HS code (4 to 10 digits): {value!r}", source=source, location=location)
    return digits


def import_items(session: Session, path: Path, *, actor: str) -> dict[str, Any]:
    """Products from a CSV or XLSX file with columns ``sku``, ``description`` and optionally
    ``hs_code``: every row is checked first (errors name the file, row and column), then all are stored."""
    rows = read_table(path)
    if not rows:
        raise BadInput("no rows", source=str(path))
    for column in ("sku", "description"):
        if column not in rows[0]:
            raise BadInput(f"missing column {column!r} (columns: {', '.join(rows[0])})", source=str(path),
                           location="header")
    items: dict[str, tuple[str, str | None]] = {}
    for line, row in enumerate(rows, start=2):
        sku, description = (row.get("sku") or "").strip(), (row.get("description") or "").strip()
        for column, text in (("sku", sku), ("description", description)):
            if not text:
                raise BadInput("is empty", source=path.name, location=f"row {line}, column {column}")
        if sku in items:
            raise BadInput(f"duplicate sku {sku!r}", source=path.name, location=f"row {line}, column sku")
        items[sku] = (description, check_hs_code(row.get("hs_code"), source=path.name,
                                                   location=f"row {line}, column hs_code"))
    for sku, (description, hs_code) in items.items():
        existing = session.get(ControlItem, sku)
        upsert_item(session, sku, description, existing.parameters if existing else {}, actor=actor, hs_code=hs_code)
    return {"file": path.name, "items": len(items)}


def product_facts(session: Session, sku: str) -> dict[str, Any]:
    """What a transaction item takes from the register: codes, HS code, description and the
    classification decision they come from (with a warning when it is flagged for review)."""
    item = session.get(ControlItem, sku)
    if item is None:
        raise NotFound(f"item {sku}: not in the product register")
    decision = session.execute(select(ControlClassification).where(
        ControlClassification.sku == sku, ControlClassification.current.is_(True))).scalars().first()
    facts: dict[str, Any] = {"sku": sku, "description": item.description, "hs_code": item.hs_code,
                             "classification": decision_doc(decision) if decision else None}
    if decision is not None and decision.needs_review:
        reason = decision.review_reason or {}
        facts["warning"] = (f"classification of {sku} flagged for review: control-list version "
                            f"{reason.get('new_version', '(newer)')} changed "
                            f"{', '.join(reason.get('entries', {})) or 'its entries'}")
    return facts


def decide(session: Session, sku: str, codes: list[str], rationale: str, *, actor: str) -> ControlClassification:
    """Record a classification decision against the Annex I version in force now."""
    item = session.get(ControlItem, sku)
    if item is None:
        raise NotFound(f"item {sku}: not in the product register")
    catalog = load_catalog(session, dt.date.today())
    normalised = [normalise_code(c) for c in codes]
    for code in normalised:
        if not catalog.is_valid_code(code):
            raise BadInput(f"unknown control code {code!r} in {catalog.version.id}", source="classification",
                           location="codes")
    for old in session.execute(select(ControlClassification).where(
            ControlClassification.sku == sku, ControlClassification.current.is_(True))).scalars():
        old.current = False
    decision = ControlClassification(sku=sku, codes=normalised, rationale=rationale, decided_by=actor,
                                     version_id=catalog.version.id, current=True, needs_review=False)
    session.add(decision)
    session.flush()
    ledger.append(session, "classification", {"sku": sku, "codes": normalised, "rationale": rationale,
                                               "control_list_version": catalog.version.id}, actor=actor, subject=sku)
    return decision


def decision_doc(d: ControlClassification) -> dict[str, Any]:
    return {"id": d.id, "sku": d.sku, "codes": d.codes, "rationale": d.rationale, "decided_by": d.decided_by,
            "decided_at": d.decided_at.isoformat(), "control_list_version": d.version_id, "current": d.current,
            "needs_review": d.needs_review, "review_reason": d.review_reason}


def item_doc(session: Session, sku: str) -> dict[str, Any]:
    item = session.get(ControlItem, sku)
    if item is None:
        raise NotFound(f"item {sku}: not in the product register")
    decisions = session.execute(select(ControlClassification).where(ControlClassification.sku == sku)
                                .order_by(ControlClassification.id)).scalars()
    return {"sku": item.sku, "description": item.description, "hs_code": item.hs_code, "parameters": item.parameters,
            "classifications": [decision_doc(d) for d in decisions]}


def review_queue(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(ControlClassification).where(
        ControlClassification.current.is_(True), ControlClassification.needs_review.is_(True))
        .order_by(ControlClassification.sku)).scalars()
    return [decision_doc(d) for d in rows]


def flag_items_for_review(session: Session, list_name: str, version_id: str) -> None:
    """After a new Annex I version: flag current decisions whose entries changed or disappeared."""
    if list_name != sources.EU_ANNEX_I:
        return
    previous = previous_version(session, version_id)
    if previous is None:
        return
    changes = entry_changes(session, previous.id, version_id)
    touched = set(changes["removed"]) | set(changes["changed"])
    if not touched:
        return
    decisions = session.execute(select(ControlClassification).where(ControlClassification.current.is_(True))).scalars()
    for decision in decisions:
        hit = sorted({entry_of(c) for c in decision.codes} & touched)
        if not hit:
            continue
        decision.needs_review = True
        decision.review_reason = {
            "new_version": version_id, "previous_version": previous.id,
            "entries": {e: ({"removed": True} if e in changes["removed"] else changes["changed"][e]) for e in hit}}
        ledger.append(session, "classification.review", {"sku": decision.sku, "codes": decision.codes,
                                                         "entries": hit, "new_version": version_id},
                      actor="system", subject=decision.sku)
