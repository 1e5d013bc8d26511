"""ORM tables of the controls domain.

A control-list *version* is one loaded file set (EU Annex I of a given consolidation date, the US
CCL of an eCFR issue date, the Wassenaar list of a year, ...), identified by the list name and the
date it is valid from. Its provisions (entries, sub-items, notes) are rows of
``controls_provisions``; list-wide documents (definitions, general notes, the Commerce Country
Chart) are kept in the version's ``meta`` document. The product register (items and their
classification decisions) lives in ``controls_items`` / ``controls_classifications``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dualcheck.db.base import Base, JSONDoc, UTCDateTime, utcnow
from dualcheck.db.tenancy import TenantOwned


class ControlListVersion(Base):
    __tablename__ = "controls_versions"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(40), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(200))
    provisions: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONDoc)

    __table_args__ = (UniqueConstraint("list_name", "sha256", name="uq_controls_versions_list_name"),)


class ControlProvision(Base):
    """One line of a control list: an entry, a sub-item, or a note attached to one of them."""

    __tablename__ = "controls_provisions"

    version_id: Mapped[str] = mapped_column(
        String(120), ForeignKey("controls_versions.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(80))
    entry: Mapped[str] = mapped_column(String(40))
    parent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    depth: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)

    __table_args__ = (Index("ix_controls_provisions_version_code", "version_id", "code"),)


class ControlItem(TenantOwned, Base):
    """A product of the register: SKU, description, HS code and technical parameters."""

    __tablename__ = "controls_items"

    sku: Mapped[str] = mapped_column(String(120), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    hs_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ControlClassification(TenantOwned, Base):
    """A classification decision for an item, against one control-list version."""

    __tablename__ = "controls_classifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sku: Mapped[str] = mapped_column(String(120), ForeignKey("controls_items.sku", ondelete="CASCADE"), index=True)
    codes: Mapped[list[str]] = mapped_column(JSONDoc)
    rationale: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[str] = mapped_column(String(120))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reason: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
