"""The check service end to end: real screening and control lists, storage, ledger, CLI, API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from auth_support import api_client
from check_scenario_support import mismatches, read, scenario_files
from dualcheck.api.app import create_app
from dualcheck.check.models import StoredCheck
from dualcheck.check.service import run_check
from dualcheck.check.store import checks_for_transaction, get_check
from dualcheck.cli import main
from dualcheck.db.engine import Database
from dualcheck.ledger import verify
from dualcheck.ledger.models import LedgerRecord
from dualcheck.rules import RuleSet, load_ruleset

UN_LIST = Path("lists/un/UN_consolidated_2026-02-27.xml")
CONTROLS = [Path("controls/eu/annex_i_02021R0821-20251115_exports-watch.json"), Path("controls/us")]
LISTED_NAME = "CONGOMET TRADING HOUSE"  # an entity of the UN list loaded below


def _cli(home: Path, data_dir: Path, *args: str) -> None:
    env = {**os.environ, "DUALCHECK_HOME": str(home), "DUALCHECK_DATA_DIR": str(data_dir)}
    env.pop("DUALCHECK_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "dualcheck", *args], env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def loaded_template(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A database with one real list (UN) and the EU/US control lists, built once per worker."""
    home = tmp_path_factory.mktemp("check-loaded")
    _cli(home, data_dir, "db", "upgrade")
    _cli(home, data_dir, "lists", "load", str(data_dir / UN_LIST))
    _cli(home, data_dir, "controls", "load", *(str(data_dir / p) for p in CONTROLS))
    return home / "dualcheck.sqlite3"


@pytest.fixture
def loaded_db(loaded_template: Path, copy_sqlite: Callable[[Path], Database]) -> Database:
    return copy_sqlite(loaded_template)


@pytest.fixture(scope="module")
def rules(data_dir: Path) -> RuleSet:
    return load_ruleset(data_dir)


def _transaction(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "T-SERVICE-1", "type": "export", "exporter": {"name": "Muster GmbH", "country": "DE"},
        "destination": "US", "date": "2025-12-01",
        "parties": [{"role": "end_user", "name": "Quillmoor Lumetric Instruments", "country": "US"}],
        "items": [{"id": "1", "description": "encryption router", "control_codes": ["5A002.a.2"], "quantity": 2}],
        "end_use": {"civil": True},
    }
    doc.update(changes)
    return doc


@pytest.mark.xdist_group("check_loaded")
def test_scenarios_end_to_end_with_real_screening(loaded_db: Database, rules: RuleSet, data_dir: Path) -> None:
    """Every scenario whose parties carry no stated hit answers the same through the whole service."""
    failures = {}
    ran = 0
    for path in scenario_files():
        doc = read(path)
        if "_screening" in doc or "refused" in doc["expected"]:
            continue
        result = run_check(loaded_db, doc, rules, data_dir, as_of=doc["expected"].get("as_of"), actor="test")
        assert result["screening"]["performed"] is bool(doc.get("parties")), result["screening"]
        assert result["data_versions"]["control_list"]["source"] == "database"
        ran += 1
        problems = mismatches(doc["expected"], result)
        if problems:
            failures[path.name] = problems
    assert ran >= 60
    assert not failures, failures
    with loaded_db.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredCheck)) == ran
        assert verify(session).ok


@pytest.mark.xdist_group("check_loaded")
def test_listed_party_is_held(loaded_db: Database, rules: RuleSet, data_dir: Path) -> None:
    doc = _transaction(parties=[{"role": "consignee", "name": LISTED_NAME, "country": "CD"}])
    result = run_check(loaded_db, doc, rules, data_dir, actor="test")
    # an exact name on a UN list the Union transposes, but nothing (country, birth date, identifier)
    # corroborates it in the listed entry: the officer decides, the transaction is held meanwhile
    assert result["outcome"] == "NEEDS_INFORMATION" and "parties[0].hit_review" in result["missing_facts"]
    party_reasons = [r for r in result["reasons"] if r["rule"].startswith("parties.")]
    assert party_reasons and "un-sc" in party_reasons[0]["detail"] and party_reasons[0]["hold"] == "hit_review"
    assert "1183/2005" in party_reasons[0]["citation"]  # the regime that lists the entry (programme DRC)
    assert result["hold"]["status"] == "held"
    assert result["screening"]["parties"][0]["hits"][0]["list"] == "un-sc"


@pytest.mark.xdist_group("check_loaded")
def test_foreign_list_hit_holds_a_cleared_transaction(loaded_db: Database, rules: RuleSet, data_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A hit on a US list only: the EU outcome clears, the transaction is held (FOREIGN_NEXUS)."""
    from dualcheck.check import service
    from dualcheck.rules import PartyHit, PartyScreening, ScreeningFacts

    def us_hit(_db: Any, _session: Any, tx: Any) -> tuple[ScreeningFacts, dict[str, Any]]:
        hit = PartyHit("us-ofac-sdn", "CUBA", 0.97, True)
        facts = ScreeningFacts(True, (PartyScreening(0, tx.parties[0].name, tx.parties[0].role, (hit,)),),
                               {"us-ofac-sdn": {"version": "test"}})
        return facts, {"performed": True}

    monkeypatch.setattr(service, "screen_transaction", us_hit)
    result = run_check(loaded_db, _transaction(id="T-FOREIGN-1"), rules, data_dir, actor="test")
    assert result["outcome"] == "GENERAL_AUTHORISATION" and result["authorisations"] == ["EU001"]
    assert result["hold"]["status"] == "held"
    rules_held = {r["rule"] for r in result["holds_requested"]}
    assert rules_held == {"parties.foreign_list_hit", "parties.blocking_statute"}
    with loaded_db.session() as session:
        from dualcheck.licences.holds import is_held
        assert is_held(session, "T-FOREIGN-1")


@pytest.mark.xdist_group("check_loaded")
def test_unclassified_item_gets_suggestions_and_us_view(loaded_db: Database, rules: RuleSet,
                                                        data_dir: Path) -> None:
    doc = _transaction(destination="CN", items=[
        {"id": "1", "description": "gas centrifuge rotor for uranium isotope separation"},
        {"id": "2", "control_codes": ["3A001.a.3"], "quantity": 1}])
    result = run_check(loaded_db, doc, rules, data_dir, actor="test")
    assert result["outcome"] == "NEEDS_INFORMATION"
    assert "items[0].control_codes" in result["missing_facts"]
    assert result["items"][0]["classification_suggestions"], "the catalog suggests codes"
    us = result["us_view"]["items"][0]
    assert us["eccn"] == "3A001" and us["licence_required"] is True


def test_check_is_stored_recorded_and_reproducible(any_db: Database, rules: RuleSet, data_dir: Path) -> None:
    doc = _transaction()
    first = run_check(any_db, doc, rules, data_dir, as_of="2025-12-01", actor="alice")
    second = run_check(any_db, doc, rules, data_dir, as_of="2025-12-01", actor="alice")

    def stable(result: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in result.items() if k not in ("check_id", "hold")}

    assert stable(first) == stable(second)
    assert first["data_versions"]["rule_set"] == rules.version
    assert first["as_of"] == "2025-12-01"
    with any_db.session() as session:
        assert get_check(session, first["check_id"]) == {k: v for k, v in first.items()}
        history = checks_for_transaction(session, "T-SERVICE-1")
        assert [h["check_id"] for h in history] == [first["check_id"], second["check_id"]]
        records = session.execute(select(LedgerRecord).where(LedgerRecord.kind == "check")).scalars().all()
        assert [r.subject for r in records] == ["T-SERVICE-1", "T-SERVICE-1"]
        payload = json.loads(records[0].payload)
        assert payload["check_id"] == first["check_id"] and payload["outcome"] == first["outcome"]
        assert payload["data_versions"]["rule_set"] == rules.version
        assert verify(session).ok


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


BAD_INPUTS = [
    ("{not json", "malformed JSON"),
    (json.dumps(_transaction(destination="XX")), "field destination"),
    (json.dumps(_transaction(items=[{"control_codes": ["5A999"], "quantity": 1}])), "items[0].control_codes[0]"),
    (json.dumps(_transaction(items=[{"control_codes": ["5A002.a.2"], "quantity": -3}])), "items[0].quantity"),
    (json.dumps(_transaction(date="01.12.2025")), "field date"),
    (json.dumps(_transaction(type="export_by_sea")), "field type"),
    (json.dumps(_transaction(awareness=["rumours"])), "awareness[0]"),
]


@pytest.mark.xdist_group("check_loaded")
def test_red_flags_are_advisory_and_hold_a_cleared_transaction(loaded_db: Database, rules: RuleSet,
                                                                data_dir: Path) -> None:
    """A non-listed Common High Priority item (HS 854231, tier 1) to a transshipment point: the
    legal outcome stays NO_LICENCE_REQUIRED, the high red flags hold it (outcome RED_FLAGS)."""
    from dualcheck.licences.models import Hold

    doc = _transaction(id="T-FLAGS-1", destination="AE",
                       parties=[{"role": "end_user", "name": "Quillmoor Lumetric Instruments", "country": "AE"}],
                       items=[{"id": "1", "description": "microcontrollers", "control_codes": [],
                               "hs_code": "854231", "quantity": 500}])
    result = run_check(loaded_db, doc, rules, data_dir, actor="test")
    assert result["outcome"] == "NO_LICENCE_REQUIRED"
    flags = result["red_flags"]
    assert flags["highest_severity"] == "high" and "RF-CHPL-TRANSSHIP" in {f["id"] for f in flags["flags"]}
    with loaded_db.session() as session:
        hold = session.get(Hold, result["hold"]["id"])
        assert hold is not None and hold.outcome == "RED_FLAGS" and hold.status == "held"
        assert {r["rule"] for r in hold.reasons} >= {"RF-CHPL-TRANSSHIP"}
    # a listed item: held for the licence, with the red flags among the hold's reasons
    listed_item = {**doc["items"][0], "control_codes": ["3A001.a.2"]}
    listed = run_check(loaded_db, {**doc, "id": "T-FLAGS-3", "items": [listed_item]}, rules, data_dir, actor="test")
    assert listed["outcome"] != "NO_LICENCE_REQUIRED"
    with loaded_db.session() as session:
        held = session.get(Hold, listed["hold"]["id"])
        assert held is not None and held.outcome == listed["outcome"]
        assert "RF-CHPL-TRANSSHIP" in {r["rule"] for r in held.reasons}
    clean = run_check(loaded_db, _transaction(id="T-FLAGS-2", items=[
        {"id": "1", "description": "office chairs", "control_codes": [], "hs_code": "940130", "quantity": 2}]),
        rules, data_dir, actor="test")
    assert clean["outcome"] == "NO_LICENCE_REQUIRED"
    assert clean["red_flags"]["flags"] == [] and "hold" not in clean


@pytest.mark.parametrize(("text", "needle"), BAD_INPUTS)
def test_bad_input_exits_2_and_stores_nothing(text: str, needle: str, sqlite_db: Database, settings_for: Any,
                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(sqlite_db)
    path = tmp_path / "tx.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = _run_cli(["check", str(path), "--format", "json"], capsys)
    assert code == 2
    assert needle in err and str(path) in err and len(err.strip().splitlines()) == 1
    assert out == ""
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredCheck)) == 0
        assert session.scalar(select(func.count()).select_from(LedgerRecord)) == 0


def test_cli_answers_the_contract_format(sqlite_db: Database, settings_for: Any, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(sqlite_db)
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(_transaction(destination="RU", date="2025-06-01")), encoding="utf-8")
    code, out, _err = _run_cli(["check", str(path), "--as-of", "2021-12-01", "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"outcome", "items", "authorisations", "reasons", "screening", "data_versions", "as_of"}
    assert doc["as_of"] == "2021-12-01"
    # no list is loaded in this database: the parties cannot be cleared, never a silent pass
    assert doc["outcome"] == "NEEDS_INFORMATION" and "parties.screening" in doc["missing_facts"]
    assert doc["rules"]["not_applied_missing_facts"], "the rules that could not be applied are listed"
    assert all(r["citation"] for r in doc["reasons"])
    code, _out, err = _run_cli(["check", str(path), "--as-of", "2020-01-01"], capsys)
    assert code == 2 and "2021-09-09" in err


def test_api_post_and_get(sqlite_db: Database, settings_for: Any) -> None:
    settings = settings_for(sqlite_db)
    client = api_client(sqlite_db, "officer", user="erp", settings=settings)
    response = client.post("/api/v1/checks", json=_transaction())
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["transaction_id"] == "T-SERVICE-1"
    again = client.get(f"/api/v1/checks/{doc['check_id']}")
    assert again.status_code == 200 and again.json() == doc
    listing = client.get("/api/v1/checks", params={"transaction_id": "T-SERVICE-1"}).json()
    assert [c["check_id"] for c in listing["checks"]] == [doc["check_id"]]
    bad = client.post("/api/v1/checks", json=_transaction(destination="ZZZ"))
    assert bad.status_code == 422 and "destination" in bad.json()["detail"]
    assert client.get("/api/v1/checks/nope").status_code == 404
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredCheck)) == 1


def test_bench_check_reports_figures(sqlite_db: Database, rules: RuleSet, data_dir: Path) -> None:
    from dualcheck.check.bench import run_bench

    figures = run_bench(sqlite_db, rules, data_dir, docs=[], n=6, items=10, store=True, actor="bench",
                        workers=2, pool_size=3)
    assert figures["n"] == 6 and figures["items_per_transaction"] == 10 and figures["distinct_transactions"] == 3
    assert figures["checks_per_second"] > 0 and sum(figures["outcomes"].values()) == 6
    assert figures["screening"] is False  # no list loaded in this database
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).select_from(StoredCheck)) == 6


def test_bench_check_reports_a_failing_worker_instead_of_waiting(tmp_path: Path, rules: RuleSet,
                                                                  data_dir: Path) -> None:
    """A worker that cannot even warm up (here: an unmigrated database) ends the benchmark with its error."""
    from dualcheck.check.bench import run_bench

    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(RuntimeError, match="bench worker failed"):
        run_bench(empty, rules, data_dir, docs=[], n=4, items=2, store=False, actor="bench", workers=2, pool_size=2)


def test_health_names_the_rule_set(sqlite_db: Database, settings_for: Any, rules: RuleSet) -> None:
    client = TestClient(create_app(settings_for(sqlite_db), sqlite_db))
    health = client.get("/health").json()
    assert health["data_versions"]["rules"]["eu-2021-821"]["version"] == rules.version


@pytest.mark.xdist_group("check_loaded")
def test_scenarios_through_the_cli_and_the_api(loaded_db: Database, settings_for: Any,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The contract's two doors give the scenario answers too (scenarios without stated hits)."""
    settings = settings_for(loaded_db)
    client = api_client(loaded_db, "officer", settings=settings)
    failures = {}
    for path in scenario_files():
        doc = read(path)
        if "_screening" in doc or "refused" in doc["expected"]:
            continue
        as_of = doc["expected"].get("as_of")
        response = client.post("/api/v1/checks", json=doc, params={"as_of": as_of} if as_of else None)
        assert response.status_code == 200, response.text
        code, out, _err = _run_cli(["check", str(path), "--format", "json", *(["--as-of", as_of] if as_of else [])],
                                   capsys)
        assert code == 0
        for door, answer in (("api", response.json()), ("cli", json.loads(out))):
            problems = mismatches(doc["expected"], answer)
            if problems:
                failures[f"{door} {path.name}"] = problems
    assert not failures, failures
