"""Verifiable slices of the ledger: records of one transaction, one counterparty or a date range.

An export holds the selected records in full, each with its Merkle audit path to a signed
checkpoint, the checkpoint itself and the public key. ``dualcheck ledger verify-export`` (or the
standalone ``offline`` module) checks it without any database. An export proves that every record
in it is genuine and unaltered and where it sits in the ledger; it cannot prove that a selection
by subject or counterparty is complete (the records list their sequence numbers, so gaps are
visible, and a date-range export of consecutive records is complete between its first and last).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcheck.db.base import utcnow
from dualcheck.errors import BadInput, NotFound
from dualcheck.ledger.canonical import iso_z
from dualcheck.ledger.checkpoints import create_checkpoint, latest_checkpoint
from dualcheck.ledger.merkle import Frontier, MerkleTree
from dualcheck.ledger.models import LedgerCheckpoint, LedgerRecord, readable_records
from dualcheck.ledger.offline import EXPORT_FORMAT


@dataclass(frozen=True)
class Selection:
    """Which records to export; the given criteria are combined with AND."""

    subject: str | None = None
    counterparty: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def describe(self) -> dict[str, Any]:
        return {"subject": self.subject, "counterparty": self.counterparty,
                "from": iso_z(self.since) if self.since else None, "to": iso_z(self.until) if self.until else None}


def select_records(session: Session, selection: Selection) -> list[LedgerRecord]:
    if not any((selection.subject, selection.counterparty, selection.since, selection.until)):
        raise BadInput("choose what to export: a transaction, a counterparty or a date range", location="selection")
    query = select(LedgerRecord).where(readable_records()).order_by(LedgerRecord.seq)
    if selection.subject:
        query = query.where(LedgerRecord.subject == selection.subject)
    if selection.counterparty:
        # The payload is canonical JSON text: a case-insensitive substring search finds every
        # record that names the counterparty (in a party list, a screening query or a hit).
        needle = json.dumps(selection.counterparty, ensure_ascii=False)[1:-1].lower()
        query = query.where(func.lower(LedgerRecord.payload).contains(needle, autoescape=True))
    if selection.since:
        query = query.where(LedgerRecord.created_at >= selection.since)
    if selection.until:
        query = query.where(LedgerRecord.created_at < selection.until)
    return list(session.execute(query).scalars())


def record_document(rec: LedgerRecord) -> dict[str, Any]:
    return {"seq": rec.seq, "record_id": rec.record_id, "kind": rec.kind, "actor": rec.actor,
            "created_at": iso_z(rec.created_at), "subject": rec.subject, "payload": rec.payload,
            "prev_hash": rec.prev_hash, "hash": rec.hash}


def checkpoint_document(cp: LedgerCheckpoint) -> dict[str, Any]:
    return {"seq": cp.seq, "head_hash": cp.head_hash, "merkle_root": cp.merkle_root,
            "created_at": iso_z(cp.created_at), "key_id": cp.key_id, "signature": cp.signature}


def export_slice(session: Session, selection: Selection) -> dict[str, Any]:
    """Build the export document (in a write session: it may sign a fresh checkpoint)."""
    records = select_records(session, selection)
    checkpoint = latest_checkpoint(session)
    if records and (checkpoint is None or checkpoint.seq < records[-1].seq):
        checkpoint = create_checkpoint(session)
    if checkpoint is None:
        raise NotFound("the ledger is empty: nothing to export")
    first = session.execute(select(func.min(LedgerRecord.seq))).scalar_one()
    prefix = None
    if first > 1:  # purged after retention: the checkpoint just before the first record anchors the tree
        anchor = session.get(LedgerCheckpoint, first - 1)
        if anchor is None:
            raise BadInput("records before the first one are missing and no checkpoint anchors them; run "
                           "`dualcheck ledger verify`", location=f"record {first}")
        prefix = Frontier.from_hex(anchor.seq, json.loads(anchor.frontier))
    hashes = list(session.execute(select(LedgerRecord.hash).where(LedgerRecord.seq <= checkpoint.seq)
                                  .order_by(LedgerRecord.seq)).scalars())
    tree = MerkleTree(hashes, prefix=prefix)
    if tree.size != checkpoint.seq or tree.root().hex() != checkpoint.merkle_root:
        raise BadInput("the ledger no longer matches its signed checkpoint; run `dualcheck ledger verify`",
                       location=f"checkpoint {checkpoint.seq}")
    docs = []
    for rec in records:
        doc = record_document(rec)
        doc["proof"] = {"leaf_index": rec.seq - 1, "tree_size": checkpoint.seq,
                        "audit_path": [h.hex() for h in tree.audit_path(rec.seq - 1)]}
        docs.append(doc)
    return {"format": EXPORT_FORMAT, "exported_at": iso_z(utcnow()), "selection": selection.describe(),
            "hash_algorithm": "sha256", "checkpoint": checkpoint_document(checkpoint),
            "public_key": checkpoint.public_key, "records": docs}
