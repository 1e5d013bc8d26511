"""`dualcheck redflags check|scan` and POST /api/v1/redflags end to end, with the ledger records."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from auth_support import api_client
from cli_support import run_cli as _cli
from dualcheck.db.engine import Database
from dualcheck.ledger import verify
from dualcheck.ledger.models import LedgerRecord

FIX = Path(__file__).parent / "fixtures" / "redflags"


def _records(db: Database, kind: str) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.execute(select(LedgerRecord.payload, LedgerRecord.subject).where(LedgerRecord.kind == kind))
        return [{"payload": json.loads(p) if isinstance(p, str) else p, "subject": s} for p, s in rows]


def test_cli_check_json_and_ledger(sqlite_db: Database, settings_for, capsys) -> None:  # type: ignore[no-untyped-def]
    settings_for(sqlite_db)
    code, out, err = _cli(capsys, "redflags", "check", str(FIX / "diversion.json"), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["highest_severity"] == "high" and doc["transaction_id"] == "RF-DIVERSION-1"
    assert "RF-CHPL-TRANSSHIP" in [f["id"] for f in doc["flags"]]
    [record] = _records(sqlite_db, "redflags.check")
    assert record["subject"] == "RF-DIVERSION-1"
    assert [f["id"] for f in record["payload"]["flags"]] == [f["id"] for f in doc["flags"]]
    with sqlite_db.session() as session:
        assert verify(session).ok
    code, out, _err = _cli(capsys, "redflags", "check", str(FIX / "clean.json"))
    assert code == 0 and "NO RED FLAGS" in out


def test_cli_check_bad_input_is_one_line_exit_2(sqlite_db: Database, settings_for, capsys,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path) -> None:
    settings_for(sqlite_db)
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "export", "items": [{"id": "1"}], "payment": {"method": "barter"}}', encoding="utf-8")
    code, out, err = _cli(capsys, "redflags", "check", str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"dualcheck: {bad}: field payment.method:") and err.count("\n") == 1
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    code, _out, err = _cli(capsys, "redflags", "check", str(broken))
    assert code == 2 and "malformed JSON" in err and "line 1" in err
    assert _records(sqlite_db, "redflags.check") == []


def test_cli_scan_out_and_ledger(sqlite_db: Database, settings_for, capsys,  # type: ignore[no-untyped-def]
                                 tmp_path: Path) -> None:
    settings_for(sqlite_db)
    out_csv = tmp_path / "flagged.csv"
    code, out, err = _cli(capsys, "redflags", "scan", str(FIX / "shipments.csv"), "--out", str(out_csv),
                          "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rows"] == 42 and doc["flagged_rows"] == 12
    with out_csv.open(encoding="utf-8") as fh:
        flagged = [r["shipment_id"] for r in csv.DictReader(fh) if r["redflags"]]
    assert sorted(flagged) == sorted(r["shipment_id"] for r in doc["flagged"])
    [record] = _records(sqlite_db, "redflags.scan")
    assert record["payload"]["flagged_rows"] == 12 and len(record["payload"]["file_sha256"]) == 64


def test_cli_scan_bad_row_writes_nothing(sqlite_db: Database, settings_for, capsys,  # type: ignore[no-untyped-def]
                                         tmp_path: Path) -> None:
    settings_for(sqlite_db)
    src = tmp_path / "ship.csv"
    src.write_text("date,customer,destination,hs_code,quantity,value,currency\n"
                   "2024-01-01,A,FR,846693,1,100,EUR\n2024-01-02,A,FR,846693,1,lots,EUR\n", encoding="utf-8")
    out_csv = tmp_path / "flagged.csv"
    code, out, err = _cli(capsys, "redflags", "scan", str(src), "--out", str(out_csv))
    assert code == 2 and out == "" and not out_csv.exists()
    assert err == f"dualcheck: {src}: row 3, field value: not a number: 'lots'\n"
    assert _records(sqlite_db, "redflags.scan") == []


def test_api_post_redflags(any_db: Database) -> None:
    doc = json.loads((FIX / "diversion.json").read_text(encoding="utf-8"))
    with api_client(any_db, "officer", user="officer-1") as client:
        r = client.post("/api/v1/redflags", json=doc)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["highest_severity"] == "high" and body["ledger_seq"] >= 1
        bad = client.post("/api/v1/redflags", json={**doc, "route": ["Nowhere"]})
        assert bad.status_code == 422 and bad.json()["detail"].startswith("request body: field route[0]:")
        clean = client.post("/api/v1/redflags", json=json.loads((FIX / "clean.json").read_text(encoding="utf-8")))
        assert clean.status_code == 200 and clean.json()["flags"] == []
    records = _records(any_db, "redflags.check")
    assert [r["subject"] for r in records] == ["RF-DIVERSION-1", "RF-CLEAN-1"]


def test_bench_command_runs_small(sqlite_db: Database, settings_for, capsys) -> None:  # type: ignore[no-untyped-def]
    settings_for(sqlite_db)
    code, out, err = _cli(capsys, "bench", "redflags", "--n", "5", "--rows", "300", "--customers", "10")
    assert code == 0, err
    figures = json.loads(out)
    assert figures["checks"] == 5 and figures["scan_rows"] == 300 and figures["checks_per_second"] > 0
    assert len(_records(sqlite_db, "redflags.check")) == 5
