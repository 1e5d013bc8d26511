"""Tables of the screening domain: counterparties, decisions on hits, re-screening runs and their hits.

Listed entities are referred to by (list_name, entity_id) strings, not foreign keys, so the
screening domain stays decoupled from how the lists domain stores versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dualcheck.db.base import Base, JSONDoc, UTCDateTime, utcnow
from dualcheck.db.tenancy import TenantOwned


class Counterparty(TenantOwned, Base):
    """A customer or supplier from the master data, screened in batch and on every list change."""

    __tablename__ = "screening_counterparties"
    __table_args__ = (UniqueConstraint("tenant", "ref", name="uq_screening_counterparties_tenant_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(200))  # the master data's own key (unique per tenant)
    name: Mapped[str] = mapped_column(Text)
    schema: Mapped[str] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    aliases: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Decision(TenantOwned, Base):
    """An officer's decision on a hit: cleared (false positive) or confirmed (a true match, blocks).

    A cleared decision holds only while the listed entity is unchanged (same fingerprint); the
    snapshot of what the list said lets a returning hit show what changed.
    """

    __tablename__ = "screening_decisions"
    __table_args__ = (Index("ix_screening_decisions_party_key", "party_key", "list_name", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_key: Mapped[str] = mapped_column(String(64))
    party_name: Mapped[str] = mapped_column(Text)
    list_name: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    entity_fingerprint: Mapped[str] = mapped_column(String(64))
    entity_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    list_version: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ScreeningRun(TenantOwned, Base):
    """One batch, full or delta re-screening of the stored counterparties."""

    __tablename__ = "screening_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # batch | full | delta
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    list_versions: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    configuration: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    threshold: Mapped[float] = mapped_column(Float)
    screened: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    new_hits: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)


class RunHit(Base):
    """A hit found by a run; ``is_new`` when the counterparty had no open hit on that entity before."""

    __tablename__ = "screening_run_hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id", ondelete="CASCADE"), index=True)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("screening_counterparties.id", ondelete="CASCADE"),
                                                 index=True)
    list_name: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    matched_name: Mapped[str] = mapped_column(Text)
    is_new: Mapped[bool] = mapped_column(Boolean, default=True)
    decision_status: Mapped[str | None] = mapped_column(String(16))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
