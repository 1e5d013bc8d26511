"""Licence tables: licences and their lines with running balances, reservations, movements,
holds on transactions with their decisions, and officer roles.

Quantities are stored as integer thousandths of the line's unit and values as integer cents, so
balances are exact on SQLite and PostgreSQL alike (no binary floating point anywhere).
Other domains are referred to by plain string ids (transaction, check), never by foreign key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dualcheck.db.base import Base, JSONDoc, UTCDateTime, utcnow
from dualcheck.db.tenancy import TenantOwned

Amount = BigInteger().with_variant(Integer, "sqlite")


class Licence(TenantOwned, Base):
    """A licence master, or an exporter's registration for a Union general authorisation (kind eu_general)."""

    __tablename__ = "licences"
    __table_args__ = (UniqueConstraint("tenant", "reference", name="uq_licences_tenant_reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(100))  # unique per tenant
    kind: Mapped[str] = mapped_column(String(32), index=True)
    authority: Mapped[str] = mapped_column(String(200))
    holder: Mapped[str | None] = mapped_column(String(200))
    authorisation: Mapped[str | None] = mapped_column(String(16), index=True)  # EU001..EU008 for registrations
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    destinations: Mapped[list[str]] = mapped_column(JSONDoc)
    end_users: Mapped[list[str]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(16), default="active")
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    lines: Mapped[list[LicenceLine]] = relationship(back_populates="licence", order_by="LicenceLine.line_no",
                                                    cascade="all, delete-orphan")


class LicenceLine(Base):
    """One authorised item line; ``None`` amounts are not limited by the licence."""

    __tablename__ = "licence_lines"
    __table_args__ = (UniqueConstraint("licence_id", "line_no", name="uq_licence_lines_licence_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    control_codes: Mapped[list[str]] = mapped_column(JSONDoc)
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str | None] = mapped_column(String(16))
    quantity_authorised: Mapped[int | None] = mapped_column(Amount)  # thousandths of the unit
    currency: Mapped[str | None] = mapped_column(String(3))
    value_authorised: Mapped[int | None] = mapped_column(Amount)  # cents
    tolerance_permille: Mapped[int] = mapped_column(Integer, default=0)
    quantity_used: Mapped[int] = mapped_column(Amount, default=0)
    quantity_reserved: Mapped[int] = mapped_column(Amount, default=0)
    value_used: Mapped[int] = mapped_column(Amount, default=0)
    value_reserved: Mapped[int] = mapped_column(Amount, default=0)

    licence: Mapped[Licence] = relationship(back_populates="lines")


class LicenceReservation(TenantOwned, Base):
    """Quantity and value set aside on a line for an open order."""

    __tablename__ = "licence_reservations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reservation_group: Mapped[str] = mapped_column(String(36), index=True)
    transaction_id: Mapped[str] = mapped_column(String(200), index=True)
    item_id: Mapped[str | None] = mapped_column(String(100))
    line_id: Mapped[int] = mapped_column(ForeignKey("licence_lines.id"), index=True)
    quantity: Mapped[int] = mapped_column(Amount, default=0)
    value: Mapped[int] = mapped_column(Amount, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | consumed | released
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))


class LicenceMovement(TenantOwned, Base):
    """Every change of a balance: reserve, release, consume; or one use of a general authorisation."""

    __tablename__ = "licence_movements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("licence_lines.id"))
    kind: Mapped[str] = mapped_column(String(16))
    transaction_id: Mapped[str] = mapped_column(String(200), index=True)
    item_id: Mapped[str | None] = mapped_column(String(100))
    reservation_id: Mapped[str | None] = mapped_column(String(36))
    quantity: Mapped[int] = mapped_column(Amount, default=0)
    value: Mapped[int] = mapped_column(Amount, default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class Hold(TenantOwned, Base):
    """A transaction a check did not clear, until an officer releases or rejects it."""

    __tablename__ = "holds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(200), index=True)
    check_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[Any]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(24), index=True)  # held | awaiting_second | released | rejected
    four_eyes: Mapped[bool] = mapped_column(Boolean)
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    placed_by: Mapped[str] = mapped_column(String(200))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    decisions: Mapped[list[HoldDecision]] = relationship(back_populates="hold", order_by="HoldDecision.id",
                                                         cascade="all, delete-orphan")


class HoldDecision(Base):
    __tablename__ = "hold_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hold_id: Mapped[str] = mapped_column(ForeignKey("holds.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # release | reject
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))

    hold: Mapped[Hold] = relationship(back_populates="decisions")


class OfficerRole(Base):
    """Who may decide holds: (actor, role) pairs, granted and recorded in the ledger."""

    __tablename__ = "officer_roles"

    actor: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
