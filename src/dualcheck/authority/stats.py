"""Statistics on applications and decisions: counts, values, denial rate, median processing days.

Applications are selected by the date they were received. Grouping by ``category`` counts an
application once in every Annex I category (first digit of a control code) it has items in, with
the value of those items only; the other groupings count each application once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.authority.models import Application, ApplicationDecision
from dualcheck.errors import BadInput

GROUPINGS = ("destination", "category", "outcome", "month")
CATEGORY_NAMES = {"0": "nuclear", "1": "special materials", "2": "materials processing", "3": "electronics",
                  "4": "computers", "5": "telecommunications and information security", "6": "sensors and lasers",
                  "7": "navigation and avionics", "8": "marine", "9": "aerospace and propulsion"}
COLUMNS = ("group", "applications", "value", "decided", "granted", "denied", "withdrawn", "pending",
           "granted_value", "denied_value", "denial_rate", "median_processing_days")


def _groups(app: Application, by: str | None) -> list[tuple[str, float]]:
    if by is None:
        return [("all", app.total_value)]
    if by == "destination":
        return [(app.destination, app.total_value)]
    if by == "outcome":
        return [(app.status, app.total_value)]
    if by == "month":
        return [(app.received_on.strftime("%Y-%m"), app.total_value)]
    values: dict[str, float] = defaultdict(float)
    for item in app.items:
        values[str(item["control_code"])[0]] += float(item.get("value") or 0.0)
    return sorted(values.items())


def _row(group: str, entries: list[tuple[Application, ApplicationDecision | None, float]]) -> dict[str, Any]:
    outcome: dict[str, int] = defaultdict(int)
    value_by: dict[str, float] = defaultdict(float)
    days = []
    for app, decision, value in entries:
        outcome[app.status] += 1
        value_by[app.status] += value
        if decision is not None:
            days.append((decision.decided_on - app.received_on).days)
    decided_for_rate = outcome["granted"] + outcome["denied"]
    return {"group": group, "applications": len(entries), "value": round(sum(v for _, _, v in entries), 2),
            "decided": len(days), "granted": outcome["granted"], "denied": outcome["denied"],
            "withdrawn": outcome["withdrawn"], "pending": outcome["pending"],
            "granted_value": round(value_by["granted"], 2), "denied_value": round(value_by["denied"], 2),
            "denial_rate": round(outcome["denied"] / decided_for_rate, 4) if decided_for_rate else None,
            "median_processing_days": statistics.median(days) if days else None}


def compute(session: Session, *, start: dt.date | None = None, end: dt.date | None = None,
            by: str | None = None, authority_state: str | None = None) -> dict[str, Any]:
    if by is not None and by not in GROUPINGS:
        raise BadInput(f"expected one of {', '.join(GROUPINGS)}, got {by!r}", location="by")
    if start and end and start > end:
        raise BadInput(f"--from {start} is after --to {end}", location="from")
    query = select(Application, ApplicationDecision).outerjoin(
        ApplicationDecision, ApplicationDecision.application_id == Application.id).order_by(Application.id)
    if start:
        query = query.where(Application.received_on >= start)
    if end:
        query = query.where(Application.received_on <= end)
    if authority_state:
        query = query.where(Application.authority_state == authority_state.upper())
    grouped: dict[str, list[tuple[Application, ApplicationDecision | None, float]]] = defaultdict(list)
    everything: list[tuple[Application, ApplicationDecision | None, float]] = []
    for app, decision in session.execute(query).all():
        everything.append((app, decision, app.total_value))
        for group, value in _groups(app, by):
            grouped[group].append((app, decision, value))
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None, "by": by,
            "authority_state": authority_state.upper() if authority_state else None,
            "total": _row("all", everything),
            "groups": [_row(g, grouped[g]) for g in sorted(grouped)] if by else []}


def to_csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in [*doc["groups"], {**doc["total"], "group": "total"}]:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return out.getvalue()
