"""The HTTP API for licences, holds, evidence and the ledger."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from auth_support import api_client, auth_headers
from dualcheck.db.engine import Database
from ledger_support import ledger_env
from licences_support import FIXTURES

__all__ = ["ledger_env"]


@pytest.fixture
def client(any_db: Database, settings_for: Any, ledger_env: pytest.MonkeyPatch) -> TestClient:
    return api_client(any_db, "compliance_manager", settings=settings_for(any_db))


def test_licence_use_holds_evidence_and_ledger_over_http(client: TestClient, any_db: Database) -> None:
    for doc in yaml.safe_load((FIXTURES / "licences.yaml").read_text())["licences"]:
        r = client.post("/api/v1/licences", json=json.loads(json.dumps(doc, default=str)))
        assert r.status_code == 201, r.text
    r = client.post("/api/v1/licences", json={"reference": "X", "kind": "individual", "authority": "A"})
    assert r.status_code == 422 and "detail" in r.json()
    tx = json.loads((FIXTURES / "transaction.json").read_text())
    found = client.post("/api/v1/licences/find", json=tx).json()
    assert found["covered"] and [i["covered"] for i in found["items"]] == [True, True]
    assert client.post("/api/v1/licences/use", json=tx).status_code == 200
    tx["id"], tx["items"][0]["quantity"] = "TX-BIG", 1000
    r = client.post("/api/v1/licences/use", json=tx)
    assert r.status_code == 409 and "no usable licence balance" in r.json()["detail"]
    usage = client.get("/api/v1/licences/TEST-IND-0001").json()
    assert usage["lines"][0]["quantity"]["used"] == "10"

    carol = auth_headers(any_db, "officer", user="carol")
    alice = auth_headers(any_db, "compliance_manager", user="alice")
    bob = auth_headers(any_db, "compliance_manager", user="bob")
    hold = client.post("/api/v1/holds", json={"transaction_id": "TX-TEST-1", "outcome": "PROHIBITED",
                                              "reasons": [{"detail": "listed party"}]}, headers=carol).json()
    decision = {"reason": "false positive, documented"}
    # an officer may place holds but not override a PROHIBITED one; claiming another role does not help
    assert client.post(f"/api/v1/holds/{hold['id']}/release", json=decision, headers=carol).status_code == 403
    assert client.post(f"/api/v1/holds/{hold['id']}/release", json={**decision, "role": "compliance_manager"},
                       headers=carol).status_code == 403
    # only an admin grants roles
    r = client.post("/api/v1/holds/roles", json={"officer": "carol", "role": "compliance_manager"}, headers=alice)
    assert r.status_code == 403
    first = client.post(f"/api/v1/holds/{hold['id']}/release", json=decision, headers=alice)
    assert first.json()["status"] == "awaiting_second"
    assert client.post(f"/api/v1/holds/{hold['id']}/release", json=decision, headers=alice).status_code == 403
    second = client.post(f"/api/v1/holds/{hold['id']}/release", json=decision, headers=bob).json()
    assert second["status"] == "released"
    assert [(d["actor"], d["role"]) for d in second["decisions"]] == [("alice", "compliance_manager"),
                                                                      ("bob", "compliance_manager")]

    pack = client.post("/api/v1/evidence", params={"transaction_id": "TX-TEST-1"})
    assert pack.status_code == 200 and pack.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
    assert {"manifest.json", "ledger-export.json", "verify_export.py", "holds.json"} <= set(names)

    today = dt.datetime.now(dt.UTC).date().isoformat()
    period = client.post("/api/v1/evidence", params={"from": today, "to": today})
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(period.content)).read("manifest.json"))
    assert manifest["scope"]["transaction_id"] is None and manifest["ledger_records"] >= 9

    export = client.get("/api/v1/ledger/export", params={"transaction": "TX-TEST-1"}).json()
    key = client.get("/api/v1/ledger/public-key").text
    result = client.post("/api/v1/ledger/verify-export", json=export, params={"public_key": key}).json()
    assert result["ok"] and result["records"] == 5, result
    assert [r["kind"] for r in export["records"]] == ["licence.use", "hold.place", "hold.release", "hold.release",
                                                      "evidence.pack"]
    export["records"][0]["actor"] = "mallory"
    tampered = client.post("/api/v1/ledger/verify-export", json=export).json()
    assert not tampered["ok"] and tampered["first_bad_seq"] == export["records"][0]["seq"]
    verified = client.get("/api/v1/ledger/verify").json()
    assert verified["ok"] and verified["checkpoints"] >= 1
