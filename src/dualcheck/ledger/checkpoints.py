"""Signed checkpoints: every N records (``DUALCHECK_LEDGER_CHECKPOINT_EVERY``) and on demand.

A checkpoint signs (record count, head hash, Merkle root over all record hashes, time, key id)
with the ledger's Ed25519 key. Someone who can write to the database can rewrite the whole
chain and its head consistently, but cannot forge these signatures: verification recomputes
every signed root from the records and checks each signature against a key it trusts (the local
key file, or public keys handed to it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.db.base import utcnow
from dualcheck.ledger.canonical import iso_z
from dualcheck.ledger.keys import SigningKey, signing_key
from dualcheck.ledger.merkle import Frontier
from dualcheck.ledger.models import LedgerCheckpoint, LedgerHead, LedgerRecord
from dualcheck.ledger.offline import checkpoint_statement, load_public_key, signature_valid


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq.desc()).limit(1)).scalar_one_or_none()


def _frontier_up_to(session: Session, seq: int) -> Frontier:
    """Frontier after record ``seq``, extended from the newest checkpoint at or below it."""
    base = session.execute(select(LedgerCheckpoint).where(LedgerCheckpoint.seq <= seq)
                           .order_by(LedgerCheckpoint.seq.desc()).limit(1)).scalar_one_or_none()
    frontier = Frontier.from_hex(base.seq, json.loads(base.frontier)) if base else Frontier()
    last = frontier.size
    while last < seq:
        hashes = session.execute(select(LedgerRecord.seq, LedgerRecord.hash)
                                 .where(LedgerRecord.seq > last, LedgerRecord.seq <= seq)
                                 .order_by(LedgerRecord.seq).limit(10000)).all()
        if not hashes:
            raise RuntimeError(f"ledger records {last + 1}..{seq} are missing; run `dualcheck ledger verify`")
        for rec_seq, rec_hash in hashes:
            if rec_seq != last + 1:
                raise RuntimeError(f"ledger record {last + 1} is missing; run `dualcheck ledger verify`")
            frontier.add(rec_hash)
            last = rec_seq
    return frontier


def create_checkpoint(session: Session, key: SigningKey | None = None) -> LedgerCheckpoint | None:
    """Sign the current head (inside the caller's write transaction). None when the ledger is empty;
    the existing checkpoint when the head has not moved since."""
    head = session.execute(select(LedgerHead).where(LedgerHead.id == 1).with_for_update()).scalar_one()
    if head.seq == 0:
        return None
    existing = session.get(LedgerCheckpoint, head.seq)
    if existing is not None:
        return existing
    key = key or signing_key()
    frontier = _frontier_up_to(session, head.seq)
    created_at = utcnow()
    root = frontier.root().hex()
    statement = checkpoint_statement(head.seq, head.hash, root, iso_z(created_at), key.key_id)
    checkpoint = LedgerCheckpoint(
        seq=head.seq, head_hash=head.hash, merkle_root=root, frontier=json.dumps(frontier.to_hex()),
        created_at=created_at, key_id=key.key_id, public_key=key.public_pem,
        signature=base64.b64encode(key.sign(statement)).decode("ascii"),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def signature_problem(cp: LedgerCheckpoint, trusted: Mapping[str, str]) -> str | None:
    """Why a checkpoint's signature cannot be trusted ({key id: public PEM} are the trusted keys), or None."""
    pem = trusted.get(cp.key_id)
    if pem is None:
        return f"checkpoint {cp.seq} is signed by key {cp.key_id}, which is not a trusted key"
    if not signature_valid(load_public_key(pem.encode("ascii")), cp.signature, statement_of(cp)):
        return f"checkpoint {cp.seq} signature does not verify (checkpoint altered or forged)"
    return None


def statement_of(checkpoint: LedgerCheckpoint) -> bytes:
    return checkpoint_statement(checkpoint.seq, checkpoint.head_hash, checkpoint.merkle_root,
                                iso_z(checkpoint.created_at), checkpoint.key_id)
