"""Tenants: nothing of one organisation is readable or writable by another through the API (404),
except the denials an authority chooses to share."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from auth_support import auth_headers
from dualcheck.api.app import create_app
from dualcheck.authority.models import DenialNotification
from dualcheck.config import Settings
from dualcheck.db.engine import Database
from dualcheck.db.migrate import downgrade, upgrade
from dualcheck.db.tenancy import tenant_context
from dualcheck.ledger import verify
from dualcheck.screening.models import Counterparty
from ledger_support import ledger_env
from licences_support import FIXTURES as LICENCE_FIXTURES
from test_authority import NEAR, _app_doc, read_json
from test_screening_workflows import _load

__all__ = ["ledger_env"]


@pytest.fixture
def two_tenants(any_db: Database, settings_for: Any, ledger_env: pytest.MonkeyPatch
                ) -> tuple[TestClient, dict[str, str], dict[str, str]]:
    client = TestClient(create_app(settings_for(any_db), any_db))
    return client, auth_headers(any_db, "compliance_manager", "acme"), auth_headers(any_db, "compliance_manager",
                                                                                    "globex")


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_screening_records_stay_in_their_tenant(two_tenants: tuple[TestClient, dict[str, str], dict[str, str]],
                                                any_db: Database) -> None:
    client, acme, globex = two_tenants
    _load(any_db, "parties_2025-01-01.ftm.json")
    cp = {"ref": "C-1", "name": "Golden Crescent Trading LLC", "schema": "Organization", "country": "AE"}
    _ok(client.post("/api/v1/counterparties", json=cp, headers=acme), 201)
    assert client.get("/api/v1/counterparties/C-1", headers=globex).status_code == 404
    assert client.delete("/api/v1/counterparties/C-1", headers=globex).status_code == 404
    assert _ok(client.get("/api/v1/counterparties", headers=globex))["total"] == 0
    # the same reference is another tenant's own record, not a write to acme's
    _ok(client.put("/api/v1/counterparties/C-1", json={**cp, "name": "Globex Trading"}, headers=globex))
    assert _ok(client.get("/api/v1/counterparties/C-1", headers=acme))["name"] == cp["name"]
    assert _ok(client.get("/api/v1/counterparties", headers=acme))["total"] == 1
    _ok(client.post("/api/v1/decisions", json={"party_name": cp["name"], "country": "AE", "list": "ftm-testlist",
                                               "entity_id": "tl-p2", "status": "confirmed", "reason": "same party"},
                    headers=acme), 201)
    assert _ok(client.get("/api/v1/decisions", headers=globex))["decisions"] == []
    assert len(_ok(client.get("/api/v1/decisions", headers=acme))["decisions"]) == 1
    run = _ok(client.post("/api/v1/rescreen", json={"kind": "full"}, headers=acme), 201)
    assert run["hits"] == 1  # acme's counterparty only, with acme's decision
    assert _ok(client.get(f"/api/v1/rescreen/runs/{run['id']}/hits", headers=acme))["hits"][0]["decision"] == \
        "confirmed"
    assert client.get(f"/api/v1/rescreen/runs/{run['id']}/hits", headers=globex).status_code == 404
    assert [r["id"] for r in _ok(client.get("/api/v1/rescreen/runs", headers=globex))["runs"]] == []
    with any_db.session() as s:
        assert sorted(s.execute(select(Counterparty.tenant, Counterparty.name)).all()) == [
            ("acme", cp["name"]), ("globex", "Globex Trading")]


def test_checks_holds_and_licences_stay_in_their_tenant(
        two_tenants: tuple[TestClient, dict[str, str], dict[str, str]], any_db: Database) -> None:
    client, acme, globex = two_tenants
    tx = {"id": "T-1", "type": "export", "exporter": {"name": "Acme GmbH", "country": "DE"}, "destination": "US",
          "date": "2025-12-01", "parties": [{"role": "end_user", "name": "Quillmoor Instruments", "country": "US"}],
          "items": [{"id": "1", "description": "router", "control_codes": ["5A002.a.2"], "quantity": 2}],
          "end_use": {"civil": True}}
    check = _ok(client.post("/api/v1/checks", json=tx, headers=acme))
    assert client.get(f"/api/v1/checks/{check['check_id']}", headers=globex).status_code == 404
    assert _ok(client.get("/api/v1/checks", params={"transaction_id": "T-1"}, headers=globex))["checks"] == []
    hold = _ok(client.post("/api/v1/holds", json={"transaction_id": "T-1", "outcome": "LICENCE_REQUIRED"},
                           headers=acme), 201)
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=globex).status_code == 404
    assert client.post(f"/api/v1/holds/{hold['id']}/release", json={"reason": "licence granted"},
                       headers=globex).status_code == 404
    assert _ok(client.get("/api/v1/holds", headers=globex))["holds"] == []
    # a hold of globex for the same transaction id does not supersede acme's
    _ok(client.post("/api/v1/holds", json={"transaction_id": "T-1", "outcome": "NEEDS_INFORMATION"},
                    headers=globex), 201)
    assert _ok(client.get(f"/api/v1/holds/{hold['id']}", headers=acme))["status"] == "held"

    for doc in yaml.safe_load((LICENCE_FIXTURES / "licences.yaml").read_text())["licences"]:
        _ok(client.post("/api/v1/licences", json=json.loads(json.dumps(doc, default=str)), headers=acme), 201)
    reference = _ok(client.get("/api/v1/licences", headers=acme))["licences"][0]["reference"]
    assert client.get(f"/api/v1/licences/{reference}", headers=globex).status_code == 404
    assert client.post(f"/api/v1/licences/{reference}/status", json={"status": "revoked", "reason": "x"},
                       headers=globex).status_code == 404
    assert _ok(client.get("/api/v1/licences", headers=globex))["licences"] == []
    shipment = json.loads((LICENCE_FIXTURES / "transaction.json").read_text())
    assert not _ok(client.post("/api/v1/licences/find", json=shipment, headers=globex))["covered"]
    assert client.post("/api/v1/licences/use", json=shipment, headers=globex).status_code == 409
    reserved = _ok(client.post("/api/v1/licences/use", json=shipment, params={"mode": "reserve"}, headers=acme))
    reservation = reserved["reservation_id"]
    assert client.post(f"/api/v1/licences/reservations/{reservation}/ship", json=shipment,
                       headers=globex).status_code == 404
    usage = _ok(client.get("/api/v1/licences/reports/usage", headers=globex))
    assert not any(usage.get(k) for k in ("licences", "movements", "lines") if isinstance(usage.get(k), list))
    with any_db.session() as s:
        assert verify(s).ok


def test_denials_are_private_until_the_authority_shares_them(any_db: Database) -> None:
    client = TestClient(create_app(Settings(database_url=any_db.url), any_db))
    nl = auth_headers(any_db, "authority_officer", "nl-authority")
    be = auth_headers(any_db, "authority_officer", "be-authority")
    _ok(client.post("/api/v1/authority/applications", json=read_json(NEAR), headers=nl), 201)
    assert client.get("/api/v1/authority/applications/NL-APP-2026-0042", headers=be).status_code == 404
    assert client.post("/api/v1/authority/applications/NL-APP-2026-0042/decision",
                       json={"outcome": "granted", "reason": "x"}, headers=be).status_code == 404
    _ok(client.post("/api/v1/authority/applications/NL-APP-2026-0042/decision",
                    json={"outcome": "denied", "reason": "Diversion risk", "date": "2026-03-12"}, headers=nl))
    later = _app_doc(reference="BE-APP-2026-0007", authority_state="BE", received="2026-04-01")
    first = _ok(client.post("/api/v1/authority/applications", json=later, headers=be), 201)
    assert first["check"]["warnings"] == [] and _ok(client.get("/api/v1/authority/denials", headers=be))[
        "denials"] == []
    assert client.post("/api/v1/authority/denials/NL-APP-2026-0042/share", json={"shared": True},
                       headers=be).status_code == 404
    shared = _ok(client.post("/api/v1/authority/denials/NL-APP-2026-0042/share", json={"shared": True}, headers=nl))
    assert shared["shared"] is True
    again = _ok(client.post("/api/v1/authority/applications", json={**later, "reference": "BE-APP-2026-0008"},
                            headers=be), 201)
    assert again["check"]["warnings"] == ["consult NL (denial NL-APP-2026-0042, 2026-03-12)"]
    # shared means readable, not writable, and not re-exported as the reader's own
    assert _ok(client.get("/api/v1/authority/denials", headers=be))["denials"] == []
    with any_db.session() as s, tenant_context("be-authority"):
        assert [d.tenant for d in s.execute(select(DenialNotification)).scalars()] == ["nl-authority"]


def test_existing_rows_go_to_the_default_tenant(sqlite_db: Database) -> None:
    downgrade(sqlite_db, "auth_0001")
    with sqlite_db.write_session() as s:
        s.execute(text("INSERT INTO screening_counterparties (ref, name, schema, aliases, attributes, created_at, "
                       "updated_at) VALUES ('OLD-1', 'Old Party', 'Company', '[]', '{}', '2025-01-01 00:00:00', "
                       "'2025-01-01 00:00:00')"))
    upgrade(sqlite_db)
    with sqlite_db.session() as s:
        assert s.execute(text("SELECT tenant FROM screening_counterparties")).scalar_one() == "default"
    with sqlite_db.session() as s, tenant_context("acme"):
        assert s.execute(select(Counterparty)).first() is None
    with sqlite_db.session() as s, tenant_context("default"):
        assert s.execute(select(Counterparty.ref)).scalar_one() == "OLD-1"


def test_ledger_records_are_read_by_their_tenant_only(
        two_tenants: tuple[TestClient, dict[str, str], dict[str, str]], any_db: Database) -> None:
    client, acme, globex = two_tenants
    hold = _ok(client.post("/api/v1/holds", json={"transaction_id": "T-SECRET", "outcome": "LICENCE_REQUIRED"},
                           headers=acme), 201)
    mine = _ok(client.get("/api/v1/ledger/records", params={"subject": "T-SECRET"}, headers=acme))["records"]
    assert [r["kind"] for r in mine] == ["hold.place"] and hold["id"] in mine[0]["payload"]
    assert _ok(client.get("/api/v1/ledger/records", params={"subject": "T-SECRET"}, headers=globex))["records"] == []
    assert "T-SECRET" not in client.get("/api/v1/ledger/records", headers=globex).text
    exported = _ok(client.get("/api/v1/ledger/export", params={"transaction": "T-SECRET"}, headers=acme))
    assert len(exported["records"]) == 1
    theirs = client.get("/api/v1/ledger/export", params={"transaction": "T-SECRET"}, headers=globex)
    assert theirs.status_code != 200 or theirs.json()["records"] == []
    pack = client.post("/api/v1/evidence", params={"transaction_id": "T-SECRET"}, headers=globex)
    if pack.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(pack.content)) as zf:
            assert json.loads(zf.read("holds.json")) == []
            assert all(r["subject"] != "T-SECRET" for r in json.loads(zf.read("ledger-export.json"))["records"])
    assert _ok(client.get("/api/v1/ledger/verify", headers=globex))["ok"]  # one chain, verified whole
