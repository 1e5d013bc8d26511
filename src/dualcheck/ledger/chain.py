"""Append to and verify the hash chain.

Every record's hash covers its own fields and the previous record's hash, so altering,
deleting, inserting or reordering any record breaks the chain from that point on. Appends
lock the chain head (row lock on PostgreSQL, the write lock on SQLite via BEGIN IMMEDIATE)
so concurrent writers never fork the chain; the unique sequence number is the backstop.

Every ``DUALCHECK_LEDGER_CHECKPOINT_EVERY`` records, ``append`` also signs a checkpoint in the
same transaction (see ``checkpoints``); ``verify`` checks the chain and every checkpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dualcheck.db.base import utcnow
from dualcheck.ledger.canonical import canonical_json, sha256_hex
from dualcheck.ledger.checkpoints import create_checkpoint, signature_problem
from dualcheck.ledger.merkle import Frontier
from dualcheck.ledger.models import LedgerCheckpoint, LedgerHead, LedgerRecord
from dualcheck.ledger.settings import ledger_settings

GENESIS_HASH = "0" * 64


def record_hash(*, seq: int, record_id: str, kind: str, actor: str, created_at: dt.datetime,
                subject: str | None, payload: str, prev_hash: str) -> str:
    header = canonical_json({
        "seq": seq, "record_id": record_id, "kind": kind, "actor": actor,
        "created_at": created_at, "subject": subject, "prev_hash": prev_hash,
    })
    return sha256_hex(header + "\n" + payload)


_HEAD_KEY = "dualcheck.ledger.head"
_HEAD_QUERY = select(LedgerHead).where(LedgerHead.id == 1).with_for_update().execution_options(populate_existing=True)
# Built once: constructing a statement costs more than running it on a warm connection.
_INSERT_RECORD = insert(cast(Table, LedgerRecord.__table__))
_MOVE_HEAD = update(cast(Table, LedgerHead.__table__)).where(LedgerHead.__table__.c.id == 1)


def locked_head(session: Session) -> LedgerHead:
    """The chain head, locked for this database transaction and read fresh from the database.

    The first call in a transaction (or savepoint) locks and reads it (row lock on PostgreSQL; SQLite
    write sessions hold the database lock already); later appends in the same transaction (a check's
    record, then its hold's) reuse it instead of asking again: nobody else can move it meanwhile.
    """
    transaction = session.get_nested_transaction() or session.get_transaction()
    known = session.info.get(_HEAD_KEY)
    if known is not None and transaction is not None and known[0] is transaction:
        head: LedgerHead = known[1]
        return head
    head = session.execute(_HEAD_QUERY).scalar_one()
    session.info[_HEAD_KEY] = (transaction, head)
    return head


def append(session: Session, kind: str, payload: dict[str, Any], *, actor: str,
           subject: str | None = None) -> LedgerRecord:
    """Append one record in the caller's transaction (commit it with the decision it proves)."""
    head = locked_head(session)
    created_at = utcnow()
    body = canonical_json(payload)
    values: dict[str, Any] = {"seq": head.seq + 1, "record_id": str(uuid.uuid4()), "kind": kind, "actor": actor,
                              "created_at": created_at, "subject": subject, "payload": body, "prev_hash": head.hash}
    values["hash"] = record_hash(**values)
    # Plain INSERT and UPDATE statements, not the ORM unit of work (most of an append's cost otherwise):
    # records never change once written. The loaded head object is kept equal to its row.
    connection = session.connection()
    connection.execute(_INSERT_RECORD, values)
    connection.execute(_MOVE_HEAD, {"seq": values["seq"], "hash": values["hash"]})
    set_committed_value(head, "seq", values["seq"])
    set_committed_value(head, "hash", values["hash"])
    every = ledger_settings().checkpoint_every
    if every and head.seq % every == 0:
        create_checkpoint(session)
    return LedgerRecord(**values)  # a detached copy for the caller (seq, hash ...); the row is written


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    purged: int = 0

    def summary(self) -> str:
        if self.ok:
            after = f" (records 1..{self.purged} purged after their retention period)" if self.purged else ""
            return (f"ledger intact: {self.records} records, chain verified, "
                    f"{self.checkpoints} signed checkpoints verified{after}")
        return f"ledger broken at record {self.first_bad_seq}: {self.reason}"


_RECORD_COLUMNS = (LedgerRecord.seq, LedgerRecord.record_id, LedgerRecord.kind, LedgerRecord.actor,
                   LedgerRecord.created_at, LedgerRecord.subject, LedgerRecord.payload, LedgerRecord.prev_hash,
                   LedgerRecord.hash)


def iter_records(session: Session, batch: int = 5000) -> Iterator[Any]:
    """Records in sequence order as plain rows (attribute access like the ORM object, several times faster)."""
    last = 0
    while True:
        rows = session.execute(
            select(*_RECORD_COLUMNS).where(LedgerRecord.seq > last).order_by(LedgerRecord.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def local_trusted_keys() -> dict[str, str]:
    """{key id: public PEM} of this installation's signing key, if it has one (never creates it)."""
    from dualcheck.ledger.keys import signing_key

    path = ledger_settings().effective_key_file
    if not path.exists():
        return {}
    key = signing_key(path, create=False)
    return {key.key_id: key.public_pem}


def _checkpoint_problem(cp: LedgerCheckpoint, rec: Any, frontier: Frontier,
                        trusted: Mapping[str, str]) -> str | None:
    problem = signature_problem(cp, trusted)
    if problem:
        return problem
    if cp.head_hash != rec.hash:
        return f"record differs from what checkpoint {cp.seq} signed"
    if cp.merkle_root != frontier.root().hex():
        return f"records 1..{cp.seq} differ from what checkpoint {cp.seq} signed (Merkle root)"
    return None


def _purge_anchor(session: Session, checkpoints: Mapping[int, LedgerCheckpoint],
                  trusted: Mapping[str, str]) -> tuple[Frontier, str] | str:
    """Where the chain starts after a purge: (frontier, head hash) of the anchoring checkpoint, or the problem."""
    from dualcheck.ledger.retention import purge_anchor_problem

    first = session.execute(select(func.min(LedgerRecord.seq))).scalar_one_or_none()
    if first is None or first == 1:
        return Frontier(), GENESIS_HASH
    anchor = checkpoints.get(first - 1)
    problem = purge_anchor_problem(anchor, first, trusted, dt.datetime.now(dt.UTC).date())
    if problem or anchor is None:
        return problem or f"records 1..{first - 1} are missing"
    return Frontier.from_hex(anchor.seq, json.loads(anchor.frontier)), anchor.head_hash


def verify(session: Session, *, trusted_keys: Mapping[str, str] | None = None) -> Verification:
    """Walk the whole chain, check every signed checkpoint, and compare with the head.

    ``trusted_keys`` ({key id: public PEM}) defaults to this installation's own signing key. After a
    purge (``retention.purge``) the chain starts at the signed checkpoint the purge kept as anchor.
    """
    trusted = local_trusted_keys() if trusted_keys is None else trusted_keys
    checkpoints = {c.seq: c for c in session.execute(select(LedgerCheckpoint)).scalars()}
    for c in checkpoints.values():
        session.expunge(c)
    start = _purge_anchor(session, checkpoints, trusted)
    if isinstance(start, str):
        return Verification(False, 0, 1, start)
    frontier, prev_hash = start
    purged = last = frontier.size
    checked = count = 0
    for rec in iter_records(session):
        if rec.seq != last + 1:
            return Verification(False, count, last + 1, f"record {last + 1} is missing", checked)
        if rec.prev_hash != prev_hash:
            return Verification(False, count, rec.seq, "previous-hash link does not match the record before", checked)
        try:
            json.loads(rec.payload)
        except ValueError:
            return Verification(False, count, rec.seq, "payload is not valid JSON", checked)
        actual = record_hash(seq=rec.seq, record_id=rec.record_id, kind=rec.kind, actor=rec.actor,
                             created_at=rec.created_at, subject=rec.subject, payload=rec.payload,
                             prev_hash=rec.prev_hash)
        if actual != rec.hash:
            return Verification(False, count, rec.seq, "content does not match its hash (altered)", checked)
        frontier.add(rec.hash)
        cp = checkpoints.get(rec.seq)
        if cp is not None:
            problem = _checkpoint_problem(cp, rec, frontier, trusted)
            if problem:
                return Verification(False, count, rec.seq, problem, checked)
            checked += 1
        prev_hash, last, count = rec.hash, rec.seq, count + 1
    beyond = sorted(seq for seq in checkpoints if seq > last)
    if beyond:
        return Verification(False, count, last + 1,
                            f"checkpoint {beyond[0]} signed {beyond[0]} records, found {last} (records removed)",
                            checked)
    head = session.get(LedgerHead, 1)
    if head is None:
        return Verification(False, count, None, "chain head is missing")
    if head.seq > last:
        return Verification(False, count, last + 1,
                            f"chain head says {head.seq} records, found {last} (records removed at the end)",
                            checked)
    if head.seq < last:
        return Verification(False, count, head.seq + 1,
                            f"chain head says {head.seq} records, found {last} (records inserted at the end)",
                            checked)
    if head.hash != prev_hash:
        return Verification(False, count, last, "chain head hash differs from the last record", checked)
    return Verification(True, count, checkpoints=checked, purged=purged)
