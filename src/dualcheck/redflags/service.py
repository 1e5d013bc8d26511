"""Red-flag checks and scans recorded in the ledger (`redflags.check`, `redflags.scan`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from dualcheck import ledger
from dualcheck.db.engine import Database
from dualcheck.redflags.transaction import check_transaction


def _digest(doc: Any) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def run_check(db: Database, doc: Any, data_dir: Path, *, actor: str, source: str | None = None) -> dict[str, Any]:
    """Check one transaction and record the result in the ledger; the result carries the record's seq."""
    result = check_transaction(doc, data_dir, source=source)
    payload = {"transaction_id": result["transaction_id"], "input_sha256": _digest(doc),
               "flags": [{"id": f["id"], "severity": f["severity"], "evidence": f["evidence"]}
                         for f in result["flags"]],
               "highest_severity": result["highest_severity"], "facts_not_given": result["facts_not_given"],
               "catalogue_version": result["catalogue_version"], "data_versions": result["data_versions"]}
    with db.write_session() as session:
        record = ledger.append(session, "redflags.check", payload, actor=actor, subject=result["transaction_id"])
    return {**result, "ledger_seq": record.seq}


def record_scan(db: Database, report: dict[str, Any], file_sha256: str, *, actor: str) -> int:
    """Record a shipment-history scan: the file digest, parameters and the flagged rows' ids."""
    payload = {"file": report["file"], "file_sha256": file_sha256, "rows": report["rows"],
               "flagged_rows": report["flagged_rows"], "flags_by_id": report["flags_by_id"],
               "flagged": [{"row": r["row"], "shipment_id": r["shipment_id"], "flags": [f["id"] for f in r["flags"]]}
                           for r in report["flagged"]],
               "parameters": report["parameters"], "catalogue_version": report["catalogue_version"]}
    with db.write_session() as session:
        record = ledger.append(session, "redflags.scan", payload, actor=actor, subject=report["file"])
    return record.seq
