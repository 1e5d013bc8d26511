"""POST /api/v1/risk/score: a batch of declarations scored by the deployed model, recorded in the ledger."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from auth_support import api_client
from dualcheck.db.engine import Database
from dualcheck.ledger.chain import iter_records
from dualcheck.risk.model import train_model
from dualcheck.risk.reader import read_declarations
from dualcheck.risk.service import score_declarations

FIXTURES = Path(__file__).parent / "fixtures" / "risk"


def _records() -> list[dict[str, Any]]:
    rows = list(csv.DictReader((FIXTURES / "score_small.csv").open(newline="")))
    for row in rows:  # as a client would send them: numbers as numbers, no labels, no seller as null
        row.pop("Fraud")
        row.pop("Critical Fraud")
        for column in ("Net Mass", "Item Price", "Tax Rate"):
            row[column] = float(row[column])
        row["Courier ID"] = None
    return rows


def test_score_batch_over_http(tmp_path: Path, sqlite_db: Database, settings_for: Any,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    client = api_client(sqlite_db, "officer", settings=settings_for(sqlite_db))
    monkeypatch.setenv("DUALCHECK_RISK_MODEL", str(tmp_path / "absent.model"))
    r = client.post("/api/v1/risk/score", json={"declarations": _records()})
    assert r.status_code == 400 and "no risk model deployed" in r.json()["detail"]

    model = train_model(read_declarations(FIXTURES / "train_small.csv"), seed=0)
    path = tmp_path / "risk.model"
    model.save(path)
    monkeypatch.setenv("DUALCHECK_RISK_MODEL", str(path))
    r = client.post("/api/v1/risk/score", json={"declarations": _records(), "reasons": 2})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["model_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and doc["rows"] == 8
    by_id = {x["declaration_id"]: x for x in doc["results"]}
    expected = score_declarations(model, read_declarations(FIXTURES / "score_small.csv"))
    for i, decl_id in enumerate(expected.declarations.ids):  # the same scores as the command line
        assert by_id[decl_id]["risk_score"] == pytest.approx(float(expected.scores[i]), abs=1e-6)
    assert by_id["S-OVERVALUE"]["reasons"][0] == "unit value 9.6x the median for HS 851762"
    assert by_id["S-NEWSELLER"]["reasons"] == ["seller new to this importer"]
    with sqlite_db.session() as session:
        records = [x for x in iter_records(session) if x.kind == "risk.score"]
    assert len(records) == 1 and records[0].seq == doc["ledger_seq"]
    assert json.loads(records[0].payload)["rows"] == 8

    bad = _records()
    bad[2]["Net Mass"] = "heavy"
    r = client.post("/api/v1/risk/score", json={"declarations": bad})
    assert r.status_code == 422
    assert r.json()["detail"] == "body: declarations[2], field 'Net Mass': not a number: 'heavy'"
    del bad[1]["HS6 Code"]
    r = client.post("/api/v1/risk/score", json={"declarations": bad})
    assert r.status_code == 422 and r.json()["detail"] == "body: declarations[1]: missing field(s): 'HS6 Code'"
    with sqlite_db.session() as session:  # nothing recorded for rejected batches
        assert sum(1 for x in iter_records(session) if x.kind == "risk.score") == 1
