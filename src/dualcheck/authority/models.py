"""Tables of the authority domain: applications, decisions on them, denial notifications.

Items (control code, description, quantity, value) are kept as JSON lists on the row: an
application or a denial is read and compared as a whole, never joined item by item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from dualcheck.db.base import Base, JSONDoc, UTCDateTime, utcnow
from dualcheck.db.tenancy import TenantOwned


class _Transaction:
    """What an application and a denial both describe, and what "essentially identical" compares."""

    destination: Mapped[str] = mapped_column(String(2))
    consignee_name: Mapped[str | None] = mapped_column(Text)
    consignee_country: Mapped[str | None] = mapped_column(String(2))
    end_user_name: Mapped[str | None] = mapped_column(Text)
    end_user_country: Mapped[str | None] = mapped_column(String(2))
    end_use: Mapped[str] = mapped_column(Text)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    # every party with its role, address, identifiers and aliases (the name columns above are the
    # consignee and end user, kept for queries and for rows written before parties were recorded)
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)


class Application(_Transaction, TenantOwned, Base):
    """An application for an individual authorisation received by a licensing authority."""

    __tablename__ = "authority_applications"
    __table_args__ = (UniqueConstraint("tenant", "reference", name="uq_authority_applications_tenant_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(100))  # unique per tenant (authority)
    authority_state: Mapped[str] = mapped_column(String(2))  # the Member State deciding on it
    applicant: Mapped[str] = mapped_column(Text)
    received_on: Mapped[dt.date] = mapped_column(Date)
    transaction_type: Mapped[str] = mapped_column(String(32))  # export | brokering | transit | technical_assistance
    total_value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))  # pending | granted | denied | withdrawn
    consultations: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # warnings found at registration
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApplicationDecision(Base):
    """The authority's decision on an application: granted, denied or withdrawn."""

    __tablename__ = "authority_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("authority_applications.id", ondelete="CASCADE"),
                                                unique=True)
    outcome: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    reasons: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    # the states consulted over essentially-identical warnings: [{"state", "date", "denials"}]
    consulted: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    # a grant over a warning: what is sent to the other Member States and the Commission (Art. 16)
    notice: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DenialNotification(_Transaction, TenantOwned, Base):
    """A denial notified under Art. 16: our own (created by a denial decision) or imported from another state."""

    __tablename__ = "authority_denials"
    __table_args__ = (UniqueConstraint("tenant", "issuing_state", "reference",
                                       name="uq_authority_denials_tenant_issuing_state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuing_state: Mapped[str] = mapped_column(String(2))
    reference: Mapped[str] = mapped_column(String(100))
    denied_on: Mapped[dt.date] = mapped_column(Date)
    reasons: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons_by_criterion: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    notified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    origin: Mapped[str] = mapped_column(String(16))  # own | imported
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the exchanged record, to make re-imports no-ops
    # an own denial the authority shares: readable (never writable) by every other tenant
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # indexed: the latest change tells the in-memory index of denials whether it is still current
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    @classmethod
    def visible_to(cls, tenant: str) -> ColumnElement[bool]:
        return (cls.tenant == tenant) | cls.shared.is_(True)
