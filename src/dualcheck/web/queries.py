"""Read-only views the pages need that no domain offers as one function (no writes here)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcheck.check.models import StoredCheck
from dualcheck.screening.decisions import active_decisions, party_key, property_changes
from dualcheck.screening.models import Counterparty, RunHit, ScreeningRun

OUTCOMES = ("PROHIBITED", "LICENCE_REQUIRED", "NEEDS_INFORMATION", "GENERAL_AUTHORISATION", "NO_LICENCE_REQUIRED")


def latest_full_run(session: Session) -> ScreeningRun | None:
    """The latest run that screened every counterparty (batch or full)."""
    return session.execute(select(ScreeningRun).where(ScreeningRun.kind.in_(("batch", "full")))
                           .order_by(ScreeningRun.id.desc()).limit(1)).scalar_one_or_none()


def review_queue(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """Hits awaiting an officer: every hit of the latest full run and of the delta runs after it
    with no decision in force. A hit whose cleared decision lapsed because the list entry changed
    is a re-alert and carries the old -> new changes."""
    from dualcheck.lists.store import get_entity

    last = latest_full_run(session)
    if last is None:
        return []
    rows = session.execute(select(RunHit, Counterparty, ScreeningRun)
                           .join(Counterparty, Counterparty.id == RunHit.counterparty_id)
                           .join(ScreeningRun, ScreeningRun.id == RunHit.run_id)
                           .where(RunHit.run_id >= last.id, RunHit.decision_status.is_(None))
                           .order_by(RunHit.score.desc(), RunHit.id).limit(limit)).all()
    keys = {party_key(cp.name, cp.country) for _, cp, _ in rows}
    decided = {(d.party_key, d.list_name, d.entity_id): d for d in active_decisions(session, keys)}
    queue, seen = [], set()
    for hit, cp, run in rows:
        key = party_key(cp.name, cp.country)
        if (cp.id, hit.list_name, hit.entity_id) in seen:
            continue
        seen.add((cp.id, hit.list_name, hit.entity_id))
        item = {"run": run.id, "run_kind": run.kind, "counterparty_ref": cp.ref, "counterparty_name": cp.name,
                "country": cp.country, "list": hit.list_name, "entity_id": hit.entity_id,
                "matched_name": hit.matched_name, "score": hit.score, "is_new": hit.is_new,
                "explanation": hit.explanation, "previous_decision": None, "changes": {}}
        old = decided.get((key, hit.list_name, hit.entity_id))
        if old is not None:  # decided after the run: still open only if the entry changed since
            if old.status == "confirmed":
                continue
            current = get_entity(session, hit.entity_id).entity.properties
            changes = property_changes(old.entity_snapshot.get("properties", {}), current)
            if not changes:
                continue
            item["previous_decision"] = {"status": old.status, "reason": old.reason, "by": old.decided_by}
            item["changes"] = changes
        queue.append(item)
    return queue


def open_hit_count(session: Session) -> int:
    last = latest_full_run(session)
    if last is None:
        return 0
    return int(session.execute(select(func.count()).select_from(RunHit)
                               .where(RunHit.run_id >= last.id, RunHit.decision_status.is_(None))).scalar_one())


def checks_by_day(session: Session, *, days: int = 30, today: dt.date | None = None,
                  ) -> tuple[list[str], dict[str, list[int]]]:
    """Checks answered per day over the last ``days`` days, by outcome (for the dashboard chart)."""
    today = today or dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    counts: Counter[tuple[dt.date, str]] = Counter()
    for created, outcome in session.execute(select(StoredCheck.created_at, StoredCheck.outcome)
                                            .where(StoredCheck.created_at >= start)):
        counts[(created.date(), outcome)] += 1
    day_list = [first + dt.timedelta(days=i) for i in range(days)]
    present = [o for o in OUTCOMES if any(k[1] == o for k in counts)]
    present += sorted({k[1] for k in counts} - set(OUTCOMES))
    return ([d.strftime("%d %b") for d in day_list],
            {o: [counts[(d, o)] for d in day_list] for o in present})


def recent_checks(session: Session, *, limit: int = 50) -> list[StoredCheck]:
    return list(session.execute(select(StoredCheck).order_by(StoredCheck.created_at.desc()).limit(limit)).scalars())


def check_ids_for_holds(session: Session, check_ids: list[str]) -> dict[str, str | None]:
    """The transaction of each check (a hold links to its check)."""
    if not check_ids:
        return {}
    rows = session.execute(select(StoredCheck.id, StoredCheck.transaction_id).where(StoredCheck.id.in_(check_ids)))
    return {a: b for a, b in rows}


def stored_check(session: Session, check_id: str) -> StoredCheck:
    """One stored check with who ran it and the transaction as submitted."""
    from dualcheck.errors import NotFound

    row = session.get(StoredCheck, check_id)
    if row is None:
        raise NotFound(f"check {check_id}: not found")
    return row


def register_items(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The product register's items with their current classification (if any)."""
    from dualcheck.controls.models import ControlItem
    from dualcheck.controls.register import item_doc

    skus = session.execute(select(ControlItem.sku).order_by(ControlItem.sku).limit(limit)).scalars().all()
    items = [item_doc(session, sku) for sku in skus]
    for item in items:
        item["current"] = next((c for c in reversed(item["classifications"]) if c["current"]), None)
    return items


def licence_shipments_by_month(session: Session, reference: str, *, months: int = 12,
                               today: dt.date | None = None) -> tuple[list[str], dict[str, list[int]]]:
    """Shipments charged to a licence per month over the last ``months`` months (consumed and reserved)."""
    from dualcheck.licences.master import get_licence
    from dualcheck.licences.models import LicenceMovement

    licence = get_licence(session, reference)
    today = today or dt.datetime.now(dt.UTC).date()
    keys = [(today.year * 12 + today.month - 1 - i) for i in reversed(range(months))]
    seen: dict[str, set[tuple[int, str]]] = {"consume": set(), "reserve": set()}
    for created, kind, tx in session.execute(select(LicenceMovement.created_at, LicenceMovement.kind,
                                                    LicenceMovement.transaction_id)
                                             .where(LicenceMovement.licence_id == licence.id)):
        if kind in seen:
            seen[kind].add((created.year * 12 + created.month - 1, tx))
    labels = [dt.date(k // 12, k % 12 + 1, 1).strftime("%b %y") for k in keys]
    return labels, {name: [sum(1 for m, _ in found if m == k) for k in keys]
                    for name, found in (("shipped", seen["consume"]), ("reserved", seen["reserve"]))}
