"""Reading and writing stored checks."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from dualcheck.check.models import StoredCheck
from dualcheck.errors import NotFound

# Built once; a plain INSERT: a stored check is never changed afterwards, so the ORM's unit of work
# (change tracking, identity map) would only add cost to every check.
_INSERT_CHECK = insert(cast(Table, StoredCheck.__table__))


def save_check(session: Session, values: dict[str, Any]) -> None:
    """Store one check (column values of StoredCheck) in the caller's transaction."""
    session.connection().execute(_INSERT_CHECK, values)


def get_check(session: Session, check_id: str) -> dict[str, Any]:
    """The stored answer of one check (as returned when it ran)."""
    row = session.get(StoredCheck, check_id)
    if row is None:
        raise NotFound(f"check {check_id}: not found")
    return dict(row.result)


def checks_for_transaction(session: Session, transaction_id: str) -> list[dict[str, Any]]:
    """Every check of a transaction, oldest first: id, outcome, as-of date, time and versions."""
    rows = session.execute(select(StoredCheck).where(StoredCheck.transaction_id == transaction_id)
                           .order_by(StoredCheck.created_at, StoredCheck.id)).scalars()
    return [{"check_id": r.id, "outcome": r.outcome, "as_of": r.as_of.isoformat(),
             "created_at": r.created_at.isoformat(), "rule_set_version": r.rule_set_version,
             "ledger_seq": r.ledger_seq} for r in rows]
