"""Evidence packs for an audit or an authority's request: one ZIP for a transaction or a period.

Contents:
- ``checks/*.json`` and ``checks/*.html``: check reports, from the check domain's store
  (``dualcheck.check.store``) when it has them, else the ledger records of kind ``check``; each
  JSON is the report in canonical JSON, whose SHA-256 the check wrote into its ledger record;
- ``screening.json`` (screening records), ``licence_use.json`` (movements and reservations),
  ``holds.json``;
- ``ledger-export.json``: the ledger slice with Merkle proofs to a signed checkpoint, with
  ``ledger-public-key.pem`` and ``verify_export.py`` (the standalone verifier);
- ``README.txt`` and ``manifest.json`` (SHA-256 of every file). See docs/auditing.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib
import io
import json
import zipfile
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dualcheck.db.base import utcnow
from dualcheck.errors import BadInput
from dualcheck.ledger import append
from dualcheck.ledger.canonical import canonical_json, iso_z
from dualcheck.ledger.export import Selection, export_slice
from dualcheck.ledger.models import LedgerRecord, readable_records
from dualcheck.licences.evidence_html import render_check_html, render_index_html
from dualcheck.licences.holds import hold_document
from dualcheck.licences.models import Hold, LicenceMovement, LicenceReservation

README = """Evidence pack produced by dualcheck {version} on {created}.
Scope: {scope}

Every record in ledger-export.json is proven against a checkpoint signed with the exporter's
Ed25519 key (key id {key_id}). To verify without trusting the exporter's server:
  1. obtain the exporter's public key through a separate channel and compare its key id;
  2. run, in the unpacked folder: python verify_export.py . --public-key <that key>.pem
     (or: dualcheck evidence verify PACK.zip --public-key <that key>.pem). It checks the ledger
     slice, the SHA-256 of each file against manifest.json, and that each check report's SHA-256
     equals the result_sha256 in the proven ledger record of kind "check".
"""


def _check_reports(session: Session, transaction_id: str | None,
                   records: list[LedgerRecord]) -> list[dict[str, Any]]:
    """Full check reports from the check domain's store when it has them, else the ledger's check records.

    Each entry: the report, and whether its SHA-256 (over canonical JSON) equals the ``result_sha256``
    that the check wrote into its ledger record, which ties the report to the proven ledger slice.
    """
    in_ledger: dict[str, tuple[int, dict[str, Any]]] = {}
    for rec in records:
        if rec.kind == "check":
            payload = json.loads(rec.payload)
            in_ledger[payload.get("check_id")] = (rec.seq, payload)
    store = None
    with contextlib.suppress(ImportError):
        store = importlib.import_module("dualcheck.check.store")
    reports = []
    if store is not None and transaction_id and hasattr(store, "checks_for_transaction"):
        for summary in store.checks_for_transaction(session, transaction_id):
            report = store.get_check(session, summary["check_id"])
            seq, payload = in_ledger.get(summary["check_id"], (0, {}))
            # the whole answer as given, hold included, is what the check hashed into its record
            digest = hashlib.sha256(canonical_json(report).encode("utf-8")).hexdigest()
            reports.append({"check_id": summary["check_id"], "ledger_seq": seq or None, "report": report,
                            "report_sha256": digest, "matches_ledger": payload.get("result_sha256") == digest})
    if not reports:
        for check_id, (seq, payload) in in_ledger.items():
            reports.append({"check_id": check_id, "ledger_seq": seq, "report": payload, "report_sha256": None,
                            "matches_ledger": None})
    return reports


def _record_doc(rec: LedgerRecord) -> dict[str, Any]:
    return {"seq": rec.seq, "kind": rec.kind, "actor": rec.actor, "created_at": iso_z(rec.created_at),
            "subject": rec.subject, "payload": json.loads(rec.payload)}


def _scope_records(session: Session, selection: Selection) -> list[LedgerRecord]:
    query = select(LedgerRecord).where(readable_records()).order_by(LedgerRecord.seq)
    if selection.subject:
        query = query.where(LedgerRecord.subject == selection.subject)
    if selection.since:
        query = query.where(LedgerRecord.created_at >= selection.since)
    if selection.until:
        query = query.where(LedgerRecord.created_at < selection.until)
    return list(session.execute(query).scalars())


def _licence_use(session: Session, selection: Selection) -> dict[str, Any]:
    moves = select(LicenceMovement).order_by(LicenceMovement.id)
    reservations = select(LicenceReservation).order_by(LicenceReservation.created_at)
    if selection.subject:
        moves = moves.where(LicenceMovement.transaction_id == selection.subject)
        reservations = reservations.where(LicenceReservation.transaction_id == selection.subject)
    if selection.since:
        moves = moves.where(LicenceMovement.created_at >= selection.since)
        reservations = reservations.where(LicenceReservation.created_at >= selection.since)
    if selection.until:
        moves = moves.where(LicenceMovement.created_at < selection.until)
        reservations = reservations.where(LicenceReservation.created_at < selection.until)
    return {"movements": [{"kind": m.kind, "transaction_id": m.transaction_id, "item_id": m.item_id,
                           "reservation_id": m.reservation_id, "at": iso_z(m.created_at), "actor": m.actor,
                           "ledger_seq": m.ledger_seq, "detail": m.detail}
                          for m in session.execute(moves).scalars()],
            "reservations": [{"id": r.reservation_group, "transaction_id": r.transaction_id, "item_id": r.item_id,
                              "status": r.status, "at": iso_z(r.created_at)}
                             for r in session.execute(reservations).scalars()]}


def build_evidence_pack(session: Session, *, transaction_id: str | None = None, since: dt.datetime | None = None,
                        until: dt.datetime | None = None, actor: str) -> tuple[bytes, dict[str, Any]]:
    """The ZIP bytes and its manifest; run in a write session (it signs a checkpoint and records the pack)."""
    from dualcheck import __version__

    if not transaction_id and not (since or until):
        raise BadInput("choose a transaction or a period", location="scope")
    selection = Selection(subject=transaction_id, since=since, until=until)
    records = _scope_records(session, selection)
    files: dict[str, bytes] = {}

    def put(name: str, doc: Any) -> None:
        files[name] = (json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")

    checks = _check_reports(session, transaction_id, records)
    for n, check in enumerate(checks, 1):
        # canonical JSON, byte for byte what the check hashed into its ledger record
        files[f"checks/check-{n:03d}.json"] = canonical_json(check["report"]).encode("utf-8")
        title = f"Check {check['check_id']} ({transaction_id or 'period'})"
        files[f"checks/check-{n:03d}.html"] = render_check_html(check["report"], title).encode("utf-8")
    put("screening.json", {
        "ledger_records": [_record_doc(r) for r in records if r.kind.startswith("screening")],
        "from_checks": [{"check_id": c["check_id"], "screening": c["report"].get("screening")}
                        for c in checks if isinstance(c["report"], dict) and "screening" in c["report"]]})
    licence_use = _licence_use(session, selection)
    put("licence_use.json", licence_use)
    holds = select(Hold).options(selectinload(Hold.decisions)).order_by(Hold.placed_at)
    if transaction_id:
        holds = holds.where(Hold.transaction_id == transaction_id)
    if since:
        holds = holds.where(Hold.placed_at >= since)
    if until:
        holds = holds.where(Hold.placed_at < until)
    hold_docs = [hold_document(h) for h in session.execute(holds).scalars()]
    put("holds.json", hold_docs)
    export = export_slice(session, selection)
    put("ledger-export.json", export)
    files["ledger-public-key.pem"] = export["public_key"].encode("ascii")
    files["verify_export.py"] = resources.files("dualcheck.ledger").joinpath("offline.py").read_bytes()
    scope = {"transaction_id": transaction_id, "from": iso_z(since) if since else None,
             "to": iso_z(until) if until else None}
    created = utcnow()
    files["README.txt"] = README.format(version=__version__, created=iso_z(created), scope=json.dumps(scope),
                                        key_id=export["checkpoint"]["key_id"]).encode("utf-8")
    manifest = {"format": "dualcheck-evidence-pack/1", "created_at": iso_z(created), "scope": scope,
                "checks": [{k: c.get(k) for k in ("check_id", "ledger_seq", "report_sha256", "matches_ledger")}
                           for c in checks],
                "ledger_records": len(export["records"]),
                "checkpoint": export["checkpoint"], "files": {n: hashlib.sha256(b).hexdigest()
                                                              for n, b in sorted(files.items())}}
    files["index.html"] = render_index_html(manifest, checks, hold_docs, licence_use, export).encode("utf-8")
    manifest["files"]["index.html"] = hashlib.sha256(files["index.html"]).hexdigest()
    put("manifest.json", manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    data = buffer.getvalue()
    append(session, "evidence.pack", {"scope": scope, "manifest_sha256": hashlib.sha256(files["manifest.json"])
                                      .hexdigest(), "zip_sha256": hashlib.sha256(data).hexdigest()},
           actor=actor, subject=transaction_id)
    return data, manifest
