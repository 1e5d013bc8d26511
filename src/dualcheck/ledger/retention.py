"""Retention: ledger records are kept for at least five years after the end of the calendar year
in which they were written (Regulation (EU) 2021/821, Art. 27: records of exports are kept for at
least five years from the end of the calendar year in which the export took place).

``DUALCHECK_LEDGER_RETENTION_YEARS`` may lengthen the period, never shorten it below five. The
database refuses updates of ledger records, and deletes within the statutory five years (triggers,
migration ``ledger_0002``). ``purge`` is the only way dualcheck deletes records: it removes the
oldest records up to a signed checkpoint that was itself made before the retention boundary, so
every record it removes is past its period; the chain then starts at that checkpoint, which
``verify`` and exports use as their anchor. A gap that is not anchored that way is reported as
records missing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dualcheck.ledger.canonical import iso_z
from dualcheck.ledger.checkpoints import signature_problem
from dualcheck.ledger.merkle import Frontier
from dualcheck.ledger.models import LedgerCheckpoint, LedgerRecord
from dualcheck.ledger.settings import MINIMUM_RETENTION_YEARS, ledger_settings


def retained_until(created_at: dt.datetime | dt.date, years: int | None = None) -> dt.date:
    """Last day a record written at ``created_at`` must still be kept."""
    years = ledger_settings().retention_years if years is None else years
    return dt.date(created_at.year + years, 12, 31)


def may_delete(created_at: dt.datetime | dt.date, today: dt.date, years: int | None = None) -> bool:
    return today > retained_until(created_at, years)


def retention_boundary(today: dt.date, years: int | None = None) -> dt.datetime:
    """Records written before this instant are past their retention period on ``today``."""
    years = ledger_settings().retention_years if years is None else years
    return dt.datetime(today.year - years, 1, 1, tzinfo=dt.UTC)


def purge_anchor_problem(anchor: LedgerCheckpoint | None, first: int, trusted: Mapping[str, str],
                         today: dt.date) -> str | None:
    """Why records 1..first-1 being absent is not a legitimate purge, or None when it is."""
    gone = f"records 1..{first - 1} are missing"
    if anchor is None:
        return f"{gone} (no signed checkpoint anchors a purge there)"
    problem = signature_problem(anchor, trusted)
    if problem:
        return f"{gone}: {problem}"
    if Frontier.from_hex(anchor.seq, json.loads(anchor.frontier)).root().hex() != anchor.merkle_root:
        return f"{gone}: the anchoring checkpoint's frontier does not match its signed root"
    if anchor.created_at >= retention_boundary(today, MINIMUM_RETENTION_YEARS):
        return f"{gone}: deleted within their retention period"
    return None


def purge(session: Session, *, today: dt.date, actor: str, dry_run: bool = False) -> dict[str, Any]:
    """Delete the records past their retention period, up to the newest checkpoint signed before the
    boundary (in the caller's write transaction), and record the purge in the ledger."""
    from dualcheck.ledger.chain import append

    boundary = retention_boundary(today)
    first = session.execute(select(func.min(LedgerRecord.seq))).scalar_one_or_none()
    anchor = session.execute(select(LedgerCheckpoint).where(LedgerCheckpoint.created_at < boundary,
                                                            LedgerCheckpoint.seq >= (first or 0))
                             .order_by(LedgerCheckpoint.seq.desc()).limit(1)).scalar_one_or_none()
    doc: dict[str, Any] = {"retention_years": ledger_settings().retention_years, "boundary": iso_z(boundary),
                           "first_record": first, "up_to_seq": anchor.seq if anchor else None, "purged": 0,
                           "dry_run": dry_run}
    if first is None or anchor is None:
        return doc
    doc["purged"] = anchor.seq - first + 1
    if dry_run:
        return doc
    session.execute(delete(LedgerRecord).where(LedgerRecord.seq <= anchor.seq))
    record = append(session, "ledger.purge", {**doc, "anchor_checkpoint": {"seq": anchor.seq, "key_id": anchor.key_id,
                                                                           "created_at": iso_z(anchor.created_at)}},
                    actor=actor)
    doc["ledger_seq"] = record.seq
    return doc


def retention_status(session: Session, today: dt.date) -> dict[str, Any]:
    years = ledger_settings().retention_years
    # Records of year Y may go after 31 Dec of Y + years, so everything written before
    # 1 Jan of (today.year - years) is past its retention period.
    boundary = retention_boundary(today, years)
    oldest = session.execute(select(func.min(LedgerRecord.created_at))).scalar_one_or_none()
    expired = session.execute(select(func.count()).select_from(LedgerRecord)
                              .where(LedgerRecord.created_at < boundary)).scalar_one()
    total = session.execute(select(func.count()).select_from(LedgerRecord)).scalar_one()
    return {"retention_years": years, "today": today.isoformat(), "records": total,
            "oldest_record": oldest.isoformat() if oldest else None,
            "oldest_record_kept_until": retained_until(oldest, years).isoformat() if oldest else None,
            "records_past_retention": expired,
            "rule": "kept until 31 December of (year written + retention_years); `dualcheck ledger purge` "
                    "removes only records past it, up to a checkpoint signed before the boundary"}
