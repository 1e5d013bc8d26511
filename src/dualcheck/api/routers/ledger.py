"""API routes for the ledger: verify, checkpoints, public key, records, exports and offline verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.api import responses
from dualcheck.api.deps import WRITE_SESSION, allow, db_session
from dualcheck.auth import roles
from dualcheck.errors import BadInput
from dualcheck.ledger import verify
from dualcheck.ledger.canonical import iso_z
from dualcheck.ledger.checkpoints import create_checkpoint
from dualcheck.ledger.export import Selection, checkpoint_document, export_slice, record_document
from dualcheck.ledger.models import LedgerCheckpoint, LedgerRecord, readable_records
from dualcheck.ledger.offline import verify_export

router = APIRouter(prefix="/ledger", tags=["ledger"])


@router.get("/verify", dependencies=allow(roles.RECORD_READERS), response_model=responses.LedgerVerification)
def verify_ledger(session: Session = Depends(db_session)) -> dict[str, Any]:
    """Check the whole chain and every signed checkpoint (against this server's key)."""
    result = verify(session)
    return {"ok": result.ok, "records": result.records, "checkpoints": result.checkpoints,
            "first_bad_seq": result.first_bad_seq, "reason": result.reason, "summary": result.summary()}


@router.get("/records", dependencies=allow(roles.RECORD_READERS), response_model=responses.LedgerRecords)
def list_records(subject: str | None = Query(None, description="Transaction or other subject id."),
                 kind: str | None = Query(None, description="Record kind, e.g. check or licence.use."),
                 after: int = Query(0, ge=0, description="Only records with a larger sequence number."),
                 limit: int = Query(100, ge=1, le=1000),
                 session: Session = Depends(db_session)) -> dict[str, Any]:
    """Ledger records, oldest first, with their payloads as stored (canonical JSON)."""
    query = select(LedgerRecord).where(LedgerRecord.seq > after, readable_records()).order_by(
        LedgerRecord.seq).limit(limit)
    if subject:
        query = query.where(LedgerRecord.subject == subject)
    if kind:
        query = query.where(LedgerRecord.kind == kind)
    return {"records": [record_document(r) for r in session.execute(query).scalars()]}


@router.get("/checkpoints", dependencies=allow(roles.RECORD_READERS), response_model=responses.Checkpoints)
def list_checkpoints(session: Session = Depends(db_session)) -> dict[str, Any]:
    rows = session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq)).scalars()
    return {"checkpoints": [checkpoint_document(cp) for cp in rows]}


@router.post("/checkpoints", dependencies=allow(roles.RECORD_READERS), response_model=responses.Checkpoint)
def sign_checkpoint(session: Session = WRITE_SESSION) -> dict[str, Any]:
    """Sign a checkpoint over the ledger as it is now."""
    cp = create_checkpoint(session)
    if cp is None:
        raise BadInput("the ledger is empty: nothing to sign", location="ledger")
    return checkpoint_document(cp)


@router.get("/public-key", dependencies=allow(roles.RECORD_READERS), response_model=None,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "PEM"}})
def public_key() -> PlainTextResponse:
    """The Ed25519 public key (PEM) that verifies this server's checkpoints."""
    from dualcheck.ledger.keys import signing_key

    return PlainTextResponse(signing_key().public_pem)


@router.get("/export", dependencies=allow(roles.RECORD_READERS), response_model=responses.LedgerExport)
def export(transaction: str | None = Query(None, description="Records whose subject is this transaction."),
           counterparty: str | None = Query(None, description="Records that name this party."),
           since: dt.date | None = Query(None, alias="from", description="First day, inclusive (UTC)."),
           until: dt.date | None = Query(None, alias="to", description="Last day, inclusive (UTC)."),
           session: Session = WRITE_SESSION) -> dict[str, Any]:
    """A verifiable slice of the ledger with Merkle proofs to a signed checkpoint."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) if until else None
    return export_slice(session, Selection(subject=transaction, counterparty=counterparty, since=start, until=end))


@router.post("/verify-export", dependencies=allow(roles.RECORD_READERS), response_model=responses.ExportVerification)
def verify_an_export(document: dict[str, Any] = Body(..., description="A ledger export document."),
                     public_key: str | None = Query(None, description="Trusted public key (PEM); default the "
                                                                      "embedded one.")) -> dict[str, Any]:
    """Verify an export (no database involved); ``ok`` false names the first record that fails."""
    result = verify_export(document, public_key.encode() if public_key else None)
    return {"ok": result.ok, "records": result.records, "checkpoint_seq": result.checkpoint_seq,
            "key_id": result.key_id, "first_bad_seq": result.first_bad_seq, "reason": result.reason,
            "notes": result.notes, "summary": result.summary()}


@router.get("/retention", dependencies=allow(roles.RECORD_READERS), response_model=responses.Document)
def retention(session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.ledger.retention import retention_status

    doc = retention_status(session, dt.datetime.now(dt.UTC).date())
    doc["checked_at"] = iso_z(dt.datetime.now(dt.UTC))
    return doc
