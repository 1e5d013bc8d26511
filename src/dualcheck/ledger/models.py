"""Ledger tables: append-only records in one hash chain, and the chain head."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ColumnElement, Integer, String, Text, or_, true
from sqlalchemy.orm import Mapped, mapped_column

from dualcheck.db.base import Base, UTCDateTime
from dualcheck.db.tenancy import DEFAULT_TENANT, acting_tenant, tenant_for_new_rows

SeqType = BigInteger().with_variant(Integer, "sqlite")


class LedgerRecord(Base):
    __tablename__ = "ledger_records"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    record_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    subject: Mapped[str | None] = mapped_column(String(200), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # whose record it is, for reading (outside the hashed content; records before tenants: NULL = default)
    tenant: Mapped[str | None] = mapped_column(String(64), index=True, default=tenant_for_new_rows)


def readable_records() -> ColumnElement[bool]:
    """The records the acting tenant may read (every record for the operator). The chain is one for
    all tenants, so this is applied where records are listed or exported, never to verification."""
    tenant = acting_tenant()
    if tenant is None:
        return true()
    if tenant == DEFAULT_TENANT:
        return or_(LedgerRecord.tenant == tenant, LedgerRecord.tenant.is_(None))
    return LedgerRecord.tenant == tenant


class LedgerHead(Base):
    """Single row (id=1): the sequence number and hash of the last record."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(SeqType)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerCheckpoint(Base):
    """A signed statement: the first ``seq`` records have this head hash and this Merkle root.

    ``frontier`` (JSON list of hex subtree roots) lets the next checkpoint extend this one without
    rereading older records; verification never trusts it and recomputes the root from the records.
    """

    __tablename__ = "ledger_checkpoints"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    head_hash: Mapped[str] = mapped_column(String(64))
    merkle_root: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(128))
