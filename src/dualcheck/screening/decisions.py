"""Decisions on hits: an officer clears a hit (false positive) or confirms it (a true match).

A decision is about one party (by its party key: normalised name and country) and one listed
entity. Confirmed hits block. A cleared hit stays cleared only while the listed entity is
unchanged: the decision keeps a fingerprint and a snapshot of what the list said, and when the
entry changes the hit comes back with the properties that changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.db.base import utcnow
from dualcheck.errors import BadInput, DualcheckError
from dualcheck.screening.models import Decision
from dualcheck.screening.normalize import prepare_name, validate_name
from dualcheck.screening.subjects import ListedSubject, entity_fingerprint, normalise_country

STATUSES = ("cleared", "confirmed")


def party_key(name: str, country: str | None = None) -> str:
    """The same party written differently (case, accents, word order) gets the same key."""
    tokens = sorted(prepare_name(validate_name(name), "LegalEntity").tokens)
    code = normalise_country(country, strict=False) or ""
    return hashlib.sha256(f"{' '.join(tokens)}|{code}".encode()).hexdigest()[:32]


def property_changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """{property: {"added": [...], "removed": [...]}} between two states of a listed entity."""
    out: dict[str, dict[str, list[str]]] = {}
    for prop in sorted(set(before) | set(after)):
        old, new = set(before.get(prop, [])), set(after.get(prop, []))
        if old != new:
            out[prop] = {"added": sorted(new - old), "removed": sorted(old - new)}
    return out


def decision_document(d: Decision) -> dict[str, Any]:
    return {"id": d.id, "party_name": d.party_name, "party_key": d.party_key, "list": d.list_name,
            "entity_id": d.entity_id, "status": d.status, "reason": d.reason, "list_version": d.list_version,
            "decided_by": d.decided_by, "decided_at": d.decided_at.isoformat() if d.decided_at else None,
            "superseded_at": d.superseded_at.isoformat() if d.superseded_at else None}


def record_decision(session: Session, *, party_name: str, country: str | None, list_name: str, entity_id: str,
                    status: str, reason: str, actor: str) -> Decision:
    """Record a decision (superseding the party's earlier one on that entity) and its ledger record."""
    from dualcheck.lists.store import get_entity

    if status not in STATUSES:
        raise BadInput(f"{status!r} is not one of {', '.join(STATUSES)}", location="status")
    if not reason or not reason.strip():
        raise BadInput("a decision needs a reason", location="reason")
    key = party_key(party_name, country)
    stored = get_entity(session, entity_id)
    if stored.entity.list_name != list_name:
        raise BadInput(f"entity {entity_id} is on {stored.entity.list_name}, not {list_name}", location="list")
    properties = stored.entity.properties
    now = utcnow()
    for old in active_decisions(session, [key], list_name=list_name, entity_id=entity_id):
        old.superseded_at = now
    decision = Decision(
        party_key=key, party_name=validate_name(party_name), list_name=list_name, entity_id=entity_id,
        status=status, reason=reason.strip(), entity_fingerprint=entity_fingerprint(properties, stored.entity.schema),
        entity_snapshot={"schema": stored.entity.schema, "properties": properties},
        list_version=str(stored.entity.version_id), decided_by=actor, decided_at=now,
    )
    session.add(decision)
    session.flush()
    ledger.append(session, "screening.decision", {
        "decision_id": decision.id, "party_name": decision.party_name, "party_key": key, "country": country,
        "list": list_name, "entity_id": entity_id, "status": status, "reason": decision.reason,
        "list_version": decision.list_version, "entity_fingerprint": decision.entity_fingerprint,
    }, actor=actor, subject=f"{list_name}:{entity_id}")
    return decision


def active_decisions(session: Session, keys: Iterable[str], *, list_name: str | None = None,
                     entity_id: str | None = None) -> list[Decision]:
    wanted = sorted(set(keys))
    out: list[Decision] = []
    for start in range(0, len(wanted), 500):
        query = select(Decision).where(Decision.party_key.in_(wanted[start:start + 500]),
                                       Decision.superseded_at.is_(None))
        if list_name is not None:
            query = query.where(Decision.list_name == list_name)
        if entity_id is not None:
            query = query.where(Decision.entity_id == entity_id)
        out.extend(session.execute(query.order_by(Decision.id)).scalars())
    return out


@dataclass
class DecisionBook:
    """The active decisions for a set of parties, loaded once for a batch."""

    by_hit: dict[tuple[str, str, str], Decision]

    @classmethod
    def load(cls, session: Session, keys: Iterable[str]) -> DecisionBook:
        return cls({(d.party_key, d.list_name, d.entity_id): d for d in active_decisions(session, keys)})

    def state(self, key: str, entity: ListedSubject, current: dict[str, list[str]] | None = None,
              ) -> dict[str, Any] | None:
        """The decision on this hit as shown with it; ``in_force`` is false for a cleared hit whose
        listed entry changed since (then ``changes`` says what changed, when ``current`` is given)."""
        decision = self.by_hit.get((key, entity.list_name, entity.entity_id))
        if decision is None:
            return None
        unchanged = decision.entity_fingerprint == entity.fingerprint
        doc = decision_document(decision)
        doc["entity_changed"] = not unchanged
        doc["in_force"] = unchanged or decision.status == "confirmed"
        if not unchanged and current is not None:
            doc["changes"] = property_changes(decision.entity_snapshot.get("properties", {}), current)
        return doc

    def stale(self) -> list[Decision]:
        return list(self.by_hit.values())


DECISION_COLUMNS = ("party", "list", "entity_id", "status", "reason")


def record_decisions(session: Session, rows: list[dict[str, str]], *, actor: str,
                     source: str = "decisions") -> list[Decision]:
    """Decisions for a selection of hits (a file's rows or a request's list), all or none: each is
    recorded one by one, with its own ledger record, as if taken alone. An error names the row."""
    if not rows:
        raise BadInput("no decisions", source=source)
    missing = [c for c in DECISION_COLUMNS if c not in rows[0]]
    if missing:
        raise BadInput(f"missing column {missing[0]!r} (columns: {', '.join(DECISION_COLUMNS)}, country)",
                       source=source, location="header")
    decisions = []
    for line, row in enumerate(rows, start=2):
        try:
            decisions.append(record_decision(
                session, party_name=row.get("party") or "", country=row.get("country") or None,
                list_name=(row.get("list") or "").strip(), entity_id=(row.get("entity_id") or "").strip(),
                status=(row.get("status") or "").strip().lower(), reason=row.get("reason") or "", actor=actor))
        except DualcheckError as exc:
            field = getattr(exc, "location", None)
            message = getattr(exc, "message", str(exc)).split(": ", 1)[-1] if field else str(exc)
            raise BadInput(message, source=source,
                           location=f"row {line}" + (f", column {field}" if field else "")) from None
    return decisions
