"""A whole working day, on the command line and through the API: import products and
counterparties, classify and record the products, register a licence, check an order named by
SKU that the licence covers (no hold, a reservation), check one it does not cover (a hold), ship,
and see the licence balance fall. Real screening and control lists; the licence is made up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from auth_support import api_client
from dualcheck.db.engine import Database
from ledger_support import run_cli
from web_support import browser, build_loaded_home

FIXTURES = Path(__file__).parent / "fixtures" / "workflow"


@pytest.fixture(scope="session")
def loaded_home(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    return build_loaded_home(tmp_path_factory.mktemp("workflow-loaded"), data_dir)


@pytest.fixture
def home(loaded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the loaded database as this test's DUALCHECK_HOME."""
    from dualcheck.config import reset_settings_cache

    target = tmp_path / "day"
    target.mkdir()
    shutil.copyfile(loaded_home, target / "dualcheck.sqlite3")
    monkeypatch.setenv("DUALCHECK_HOME", str(target))
    reset_settings_cache()
    return target


def _json(capsys: pytest.CaptureFixture[str], *args: str, expect: int = 0) -> Any:
    code, out, err = run_cli(capsys, *args, "--format", "json")
    assert code == expect, err
    return json.loads(out)


def _remaining(doc: dict[str, Any]) -> tuple[str, str]:
    line = doc["lines"][0]
    return line["quantity"]["remaining_with_tolerance"], line["value"]["remaining_with_tolerance"]


@pytest.mark.xdist_group("workflow")
def test_the_day_on_the_command_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # products from a semicolon-separated Windows-1252 file (as Excel writes it in Germany)
    imported = _json(capsys, "controls", "items", "import", str(FIXTURES / "products.csv"))
    assert imported["items"] == 2
    item = _json(capsys, "controls", "items", "show", "ENC-100")
    assert item["description"].startswith("Verschlüsselungsmodul") and item["hs_code"] == "854370"
    # counterparties from a tab-separated UTF-8 file with a byte-order mark
    summary = _json(capsys, "counterparties", "import", str(FIXTURES / "counterparties.csv"))
    assert (summary["rows"], summary["created"]) == (2, 2)
    listed = {c["ref"]: c for c in _json(capsys, "counterparties", "list")["counterparties"]}
    assert listed["C-1"]["attributes"] == {"address": "Rua das Flores 12", "city": "Campinas", "postcode": "13083-970",
                                           "identifiers": ["CNPJ 12.345.678/0001-90"]}
    assert listed["C-2"]["attributes"] == {}

    suggested = _json(capsys, "classify", "AES-256 encryption module for network routers, symmetric key 256 bit")
    assert any(c["entry"] == "5A002" for c in suggested["candidates"][:5])
    decision = _json(capsys, "controls", "items", "classify", "ENC-100", "5A002.a", "--rationale",
                     "symmetric algorithm with a key longer than 56 bits; no Note 3 exclusion")
    assert decision["codes"] == ["5A002.a"]

    code, _out, err = run_cli(capsys, "licences", "add", str(FIXTURES / "licence.yaml"))
    assert code == 0, err
    before = _json_plain(capsys, "licences", "show", "WF-IND-0001")
    assert _remaining(before) == ("10", "20000.00")

    covered = _json(capsys, "check", str(FIXTURES / "order-covered.json"))
    assert covered["outcome"] == "LICENCE_REQUIRED"  # the legal answer stays what the law says
    assert "hold" not in covered or covered["hold"] is None
    line = covered["items"][0]
    assert line["product"]["sku"] == "ENC-100"
    assert line["product"]["classification"]["codes"] == ["5A002.a"]
    assert line["product"]["classification"]["decided_by"] == "tester"
    assert [(c["licence"], c["line"], c["quantity"]) for c in line["covered_by"]] == [("WF-IND-0001", 1, "4")]
    reservation = covered["licence_reservation"]
    assert reservation["charges"][0]["line_charged_quantity"] == "4 pcs"
    assert reservation["charges"][0]["line_charged_value"] == "8000.00 EUR"
    assert _remaining(_json_plain(capsys, "licences", "show", "WF-IND-0001")) == ("6", "12000.00")
    page = _web_page(home, f"/ui/checks/{covered['check_id']}")
    assert "Covered by licence WF-IND-0001 line 1" in page and "Product ENC-100: classified 5A002.a" in page
    assert "No hold" in page and "4 pcs 8000.00 EUR on WF-IND-0001 line 1" in page

    too_large = _json(capsys, "check", str(FIXTURES / "order-too-large.json"))
    assert too_large["outcome"] == "LICENCE_REQUIRED" and too_large["hold"]["status"] == "held"
    assert too_large["items"][0]["covered_by"] == []
    assert any("balance" in r["reason"] for r in too_large["items"][0]["licences_not_usable"])
    held = _json(capsys, "holds", "list")["holds"]
    assert [h["transaction_id"] for h in held] == ["WF-ORDER-2"]

    shipped = _json_plain(capsys, "licences", "ship", reservation["id"], str(FIXTURES / "order-covered.json"))
    assert shipped["charges"][0]["line_charged_quantity"] == "4 pcs"
    after = _json_plain(capsys, "licences", "show", "WF-IND-0001")
    assert _remaining(after) == ("6", "12000.00")
    assert (after["lines"][0]["quantity"]["used"], after["lines"][0]["quantity"]["reserved"]) == ("4", "0")
    code, _out, err = run_cli(capsys, "ledger", "verify")
    assert code == 0, err


def _web_page(home: Path, path: str) -> str:
    """The page as an officer of the same organisation sees it in the browser."""
    db = Database(f"sqlite:///{home / 'dualcheck.sqlite3'}")
    try:
        answer = browser(db, "officer").get(path)
        assert answer.status_code == 200, answer.text
        return " ".join(answer.text.split())
    finally:
        db.dispose()


def _json_plain(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """Commands that always print JSON (no --format option)."""
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.xdist_group("workflow")
def test_the_day_through_the_api(home: Path) -> None:
    db = Database(f"sqlite:///{home / 'dualcheck.sqlite3'}")
    try:
        manager = api_client(db, "compliance_manager", tenant="acme")
        other = api_client(db, "compliance_manager", tenant="other-co")
        answer = manager.put("/api/v1/controls/items", json={
            "sku": "ENC-100", "description": "AES-256 encryption module for routers", "hs_code": "8543.70"})
        assert answer.status_code == 200, answer.text
        answer = manager.post("/api/v1/counterparties", json={
            "ref": "C-1", "name": "Quillmoor Lumetric Instruments", "country": "BR"})
        assert answer.status_code == 201, answer.text
        answer = manager.post("/api/v1/classify", json={"text": "AES-256 encryption module for network routers"})
        assert answer.status_code == 200, answer.text
        answer = manager.post("/api/v1/controls/items/ENC-100/classifications",
                              json={"codes": ["5A002.a"], "rationale": "symmetric key of 256 bits"})
        assert answer.status_code == 200, answer.text
        licence = yaml.safe_load((FIXTURES / "licence.yaml").read_text(encoding="utf-8"))
        licence = json.loads(json.dumps(licence, default=str))
        answer = manager.post("/api/v1/licences", json=licence)
        assert answer.status_code == 201, answer.text

        order = json.loads((FIXTURES / "order-covered.json").read_text(encoding="utf-8"))
        # another tenant neither sees the product nor can charge the licence
        answer = other.post("/api/v1/checks", json=order)
        assert answer.status_code == 422 and "items[0].sku" in answer.text

        first = manager.post("/api/v1/checks", json=order).json()
        assert first["outcome"] == "LICENCE_REQUIRED" and first.get("hold") is None, first
        assert first["items"][0]["covered_by"][0]["licence"] == "WF-IND-0001"
        # checking the same order again supersedes the first check: its reservation is released
        checked = manager.post("/api/v1/checks", json=order).json()
        assert checked["reservations_released"] == [first["licence_reservation"]["id"]]
        balance = manager.get("/api/v1/licences/WF-IND-0001").json()
        assert _remaining(balance) == ("6", "12000.00")

        too_large = json.loads((FIXTURES / "order-too-large.json").read_text(encoding="utf-8"))
        refused = manager.post("/api/v1/checks", json=too_large).json()
        assert refused["hold"]["status"] == "held" and refused["items"][0]["covered_by"] == []
        holds = manager.get("/api/v1/holds").json()
        assert [h["transaction_id"] for h in holds["holds"]] == ["WF-ORDER-2"]
        assert other.get("/api/v1/holds").json()["holds"] == []
        # the customer orders fewer: the new check is covered, and the hold on the order is superseded
        too_large["items"][0].update(quantity=2, value=4000)
        smaller = manager.post("/api/v1/checks", json=too_large).json()
        assert smaller.get("hold") is None and smaller["holds_superseded"] == [refused["hold"]["id"]]
        assert manager.get("/api/v1/holds").json()["holds"] == []

        shipped = manager.post(f"/api/v1/licences/reservations/{checked['licence_reservation']['id']}/ship",
                               json=order)
        assert shipped.status_code == 200, shipped.text
        after = manager.get("/api/v1/licences/WF-IND-0001").json()
        assert after["lines"][0]["quantity"]["used"] == "4" and after["lines"][0]["value"]["used"] == "8000.00"
        assert after["lines"][0]["quantity"]["reserved"] == "2"
        assert _remaining(after) == ("4", "8000.00")
    finally:
        db.dispose()


@pytest.mark.parametrize(("content", "message"), [
    (b"sku,description,hs_code\nA-1,router,851762\nA-2,modem,85x7\n", "bad.csv: row 3, column hs_code: not an HS code"),
    (b"sku;description\nA-1;router\n;modem\n", "bad.csv: row 3, column sku: is empty"),
    (b"article\tdescription\nA-1\trouter\n", "bad.csv: header: missing column 'sku'"),
])
def test_product_import_errors_name_file_row_and_column(home: Path, capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    code, _out, err = run_cli(capsys, "controls", "items", "import", str(bad))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    code, _out, err = run_cli(capsys, "controls", "items", "show", "A-1")
    assert code == 2  # nothing half-written


@pytest.mark.xdist_group("workflow")
def test_a_registered_general_authorisation_is_used_like_a_licence(home: Path, capsys: pytest.CaptureFixture[str],
                                                                    tmp_path: Path) -> None:
    _json(capsys, "controls", "items", "import", str(FIXTURES / "products.csv"))
    _json(capsys, "controls", "items", "classify", "ENC-100", "5A002.a", "--rationale", "256-bit symmetric key")
    order = json.loads((FIXTURES / "order-covered.json").read_text(encoding="utf-8"))
    order.update(id="WF-ORDER-US", destination="US",
                 parties=[{"role": "end_user", "name": "Quillmoor Lumetric Instruments", "country": "US"}])
    path = tmp_path / "order-us.json"
    path.write_text(json.dumps(order), encoding="utf-8")
    unregistered = _json(capsys, "check", str(path))
    assert "registrations_on_record" not in unregistered
    code, _out, err = run_cli(capsys, "licences", "add", str(FIXTURES / "registration.yaml"))
    assert code == 0, err
    registered = _json(capsys, "check", str(path))
    assert registered["registrations_on_record"] == {"EU001": "WF-REG-EU001"}
    assert registered["outcome"] == "GENERAL_AUTHORISATION" and registered["authorisations"] == ["EU001"]
    assert registered.get("hold") is None
    # another exporter's registration is not this exporter's
    order["exporter"] = {"name": "Andere AG", "country": "DE"}
    path.write_text(json.dumps(order), encoding="utf-8")
    assert "registrations_on_record" not in _json(capsys, "check", str(path))
