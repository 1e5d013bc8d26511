"""Retention: ledger records are kept for at least five years after the end of the calendar year
in which they were written (Regulation (EU) 2021/821, Art. 27: records of exports are kept for at
least five years from the end of the calendar year in which the export took place).

``DUALCHECK_LEDGER_RETENTION_YEARS`` may lengthen the period, never shorten it below five. The
application offers no way to delete ledger records at all, and the database refuses updates and
deletes within the statutory five years (triggers, migration ``ledger_0002``); this module states
until when each record must be kept, so that an operator archiving old data knows what may not be
touched.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcheck.ledger.models import LedgerRecord
from dualcheck.ledger.settings import ledger_settings


def retained_until(created_at: dt.datetime | dt.date, years: int | None = None) -> dt.date:
    """Last day a record written at ``created_at`` must still be kept."""
    years = ledger_settings().retention_years if years is None else years
    return dt.date(created_at.year + years, 12, 31)


def may_delete(created_at: dt.datetime | dt.date, today: dt.date, years: int | None = None) -> bool:
    return today > retained_until(created_at, years)


def retention_status(session: Session, today: dt.date) -> dict[str, Any]:
    years = ledger_settings().retention_years
    # Records of year Y may go after 31 Dec of Y + years, so everything written before
    # 1 Jan of (today.year - years) is past its retention period.
    first_kept_year = today.year - years
    boundary = dt.datetime(first_kept_year, 1, 1, tzinfo=dt.UTC)
    oldest = session.execute(select(func.min(LedgerRecord.created_at))).scalar_one_or_none()
    expired = session.execute(select(func.count()).select_from(LedgerRecord)
                              .where(LedgerRecord.created_at < boundary)).scalar_one()
    total = session.execute(select(func.count()).select_from(LedgerRecord)).scalar_one()
    return {"retention_years": years, "today": today.isoformat(), "records": total,
            "oldest_record": oldest.isoformat() if oldest else None,
            "oldest_record_kept_until": retained_until(oldest, years).isoformat() if oldest else None,
            "records_past_retention": expired,
            "rule": "kept until 31 December of (year written + retention_years); nothing is deleted by dualcheck"}
