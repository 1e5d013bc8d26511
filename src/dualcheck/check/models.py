"""Stored checks: the input, the full answer and the versions it used, for reproduction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dualcheck.db.base import Base, JSONDoc, UTCDateTime
from dualcheck.db.tenancy import TenantOwned


class StoredCheck(TenantOwned, Base):
    __tablename__ = "checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    transaction_id: Mapped[str | None] = mapped_column(String(200), index=True)
    outcome: Mapped[str] = mapped_column(String(32), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    input_sha256: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[str] = mapped_column(String(100))
    ledger_seq: Mapped[int | None] = mapped_column(Integer)
    request: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    result: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
