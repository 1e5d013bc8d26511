"""Screening workflows on a small followthemoney list: counterparties, decisions, delta re-screening,
the CLI contract and the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from auth_support import api_client
from cli_support import run_cli as _cli
from dualcheck import ledger
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.ledger.models import LedgerRecord
from dualcheck.lists.loader import load_paths
from dualcheck.screening import get_index, screen_parties
from dualcheck.screening.counterparties import import_file, parse_mapping
from dualcheck.screening.decisions import record_decision
from dualcheck.screening.models import Counterparty
from dualcheck.screening.runs import delta_index, export_hits, latest_change, run_hits, run_screening
from dualcheck.screening.service import forget_indexes
from dualcheck.screening.subjects import query_subject

FIX = Path(__file__).parent / "fixtures" / "screening"
MAPPING = parse_mapping(["ref=Customer ID", "name=Company Name", "schema=Type", "country=Land", "birth_date=Born"])


@pytest.fixture(autouse=True)
def _fresh_indexes() -> Iterator[None]:
    forget_indexes()
    yield
    forget_indexes()


def _load(db: Database, name: str) -> None:
    load_paths(db, [FIX / name], actor="test", workers=1)
    forget_indexes()


def test_counterparties_decisions_and_delta_rescreening(any_db: Database, tmp_path: Path) -> None:
    _load(any_db, "parties_2025-01-01.ftm.json")
    summary = import_file(any_db, FIX / "counterparties.csv", mapping=MAPPING, actor="officer")
    assert (summary["rows"], summary["created"], summary["updated"]) == (5, 5, 0)
    index = get_index(any_db)
    batch = run_screening(any_db, index, kind="batch", actor="officer")
    with any_db.session() as session:
        hits = run_hits(session, batch["id"])
    assert {(h["counterparty_ref"], h["entity_id"]) for h in hits} == {
        ("C-001", "tl-p1"), ("C-002", "tl-p2"), ("C-005", "tl-p3")}
    assert all(h["is_new"] for h in hits) and batch["list_versions"] == {"ftm-testlist": 1}
    assert export_hits(hits, tmp_path / "hits.xlsx") == 3
    assert load_workbook(tmp_path / "hits.xlsx").active.max_row == 4

    with any_db.write_session() as session:
        record_decision(session, party_name="Ivan Petrov", country="Russia", list_name="ftm-testlist",
                        entity_id="tl-p1", status="cleared", reason="other person: born in another city",
                        actor="officer")
        record_decision(session, party_name="Golden Crescent Trading Limited Liability Company", country="AE",
                        list_name="ftm-testlist", entity_id="tl-p2", status="confirmed", reason="same company",
                        actor="officer")
    parties = [{"name": "Ivan Petrov", "country": "RU"},
               {"name": "Golden Crescent Trading Limited Liability Company", "country": "ae",
                "schema": "Organization"},
               {"name": "Blue Harbour Logistics GmbH"}]
    with any_db.session() as session:
        results = screen_parties(index, parties, session=session)
    assert [r.status for r in results] == ["clear", "blocked", "clear"]
    cleared = results[0].hits[0]
    assert cleared["decision"]["status"] == "cleared" and cleared["decision"]["in_force"] and not cleared["open"]

    # the list changes: tl-p1 gets an alias, tl-p4 is added
    _load(any_db, "parties_2025-02-01.ftm.json")
    index = get_index(any_db)
    old, new = latest_change(any_db, "ftm-testlist")
    delta, details = delta_index(any_db, index.scorer, "ftm-testlist", old, new)
    assert (details["added"], details["modified"], details["removed"]) == (1, 1, 0)
    run = run_screening(any_db, delta, kind="delta", actor="officer", details=details)
    with any_db.session() as session:
        found = {(h["counterparty_ref"], h["entity_id"], h["is_new"]) for h in run_hits(session, run["id"])}
    assert found == {("C-001", "tl-p1", False), ("C-003", "tl-p4", True)}
    assert run["new_hits"] == 1

    with any_db.session() as session:
        ivan, golden = screen_parties(index, parties[:2], session=session)
        assert ivan.status == "review"  # the cleared hit is back because the listed entry changed
        decision = ivan.hits[0]["decision"]
        assert decision["entity_changed"] and not decision["in_force"]
        assert decision["changes"] == {"alias": {"added": ["Ivan Petroff"], "removed": []}}
        assert golden.status == "blocked"  # confirmed hits keep blocking
        kinds = [k for (k,) in session.execute(select(LedgerRecord.kind))]
        assert kinds.count("screening.decision") == 2 and kinds.count("screening.run") == 2
        assert ledger.verify(session).ok


def test_a_list_load_rescreens_the_stored_counterparties(sqlite_db: Database, settings_for, capsys) -> None:  # type: ignore[no-untyped-def]
    """`lists load` of a new current version starts delta re-screening by itself (first version: all entries)."""
    settings_for(sqlite_db)
    code, out, err = _cli(capsys, "lists", "load", str(FIX / "parties_2025-01-01.ftm.json"), "--output", "json")
    assert code == 0, err
    skipped = {"list": "ftm-testlist", "version": 1, "skipped": "no stored counterparties"}
    assert json.loads(out)["rescreen"] == [skipped]
    import_file(sqlite_db, FIX / "counterparties.csv", mapping=MAPPING, actor="officer")
    code, out, err = _cli(capsys, "lists", "load", str(FIX / "parties_2025-02-01.ftm.json"), "--output", "json")
    assert code == 0, err
    [summary] = json.loads(out)["rescreen"]
    run = summary["run"]
    assert run["kind"] == "delta" and run["details"]["trigger"] == "lists.load"
    assert (run["details"]["added"], run["details"]["modified"], run["details"]["removed"]) == (1, 1, 0)
    with sqlite_db.session() as session:
        found = {(h["counterparty_ref"], h["entity_id"]) for h in run_hits(session, run["id"])}
    assert found == {("C-001", "tl-p1"), ("C-003", "tl-p4")}  # the changed and the added entry only
    # the same file again: nothing new, nothing screened; the text output says what ran
    code, out, err = _cli(capsys, "lists", "load", str(FIX / "parties_2025-02-01.ftm.json"))
    assert code == 0 and "unchanged" in out and "re-screened" not in out
    with sqlite_db.session() as session:
        kinds = [k for (k,) in session.execute(select(LedgerRecord.kind))]
    assert kinds.count("screening.run") == 1


def test_a_first_list_version_is_screened_in_full_and_rescreening_can_be_declined(  # type: ignore[no-untyped-def]
        sqlite_db: Database, settings_for, capsys, tmp_path: Path) -> None:
    settings_for(sqlite_db)
    import_file(sqlite_db, FIX / "counterparties.csv", mapping=MAPPING, actor="officer")
    code, out, err = _cli(capsys, "lists", "load", str(FIX / "parties_2025-01-01.ftm.json"), "--no-rescreen",
                          "--output", "json")
    assert code == 0 and json.loads(out)["rescreen"] == []
    # another list's first version: every one of its entries is new to the counterparties
    other = tmp_path / "other_2025-03-01.ftm.json"
    other.write_text((FIX / "parties_2025-01-01.ftm.json").read_text().replace('"testlist"', '"otherlist"'))
    code, out, err = _cli(capsys, "lists", "load", str(other))
    assert code == 0, err
    said = " ".join(out.split())
    assert "re-screened against ftm-otherlist version 2: run 1, 5 counterparties, 3 hits, 3 new" in said


def test_bad_counterparty_file_writes_nothing(sqlite_db: Database) -> None:
    with pytest.raises(BadInput, match=r"counterparties_bad.csv: row 3, field Company Name: is empty"):
        import_file(sqlite_db, FIX / "counterparties_bad.csv", mapping=MAPPING, actor="officer")
    with pytest.raises(BadInput, match="missing column 'ref'"):
        import_file(sqlite_db, FIX / "counterparties.csv", mapping=parse_mapping(None), actor="officer")
    with sqlite_db.session() as session:
        assert session.execute(select(Counterparty)).first() is None


def test_screen_parties_rejects_unusable_parties(sqlite_db: Database, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(sqlite_db)
    _load(sqlite_db, "parties_2025-01-01.ftm.json")
    built = get_index(sqlite_db)
    [stored_file] = (settings.home / "indexes").glob("screening-*.pickle")
    forget_indexes()
    index = get_index(sqlite_db)  # the next process loads the stored index instead of rebuilding
    assert index is not built and len(index) == len(built) == 4
    assert [h.entity.entity_id for h in index.search(query_subject("Ivan Petrov"))] == ["tl-p1"]
    _load(sqlite_db, "parties_2025-02-01.ftm.json")
    assert len(get_index(sqlite_db)) == 5 and not stored_file.exists()  # new list version: rebuilt
    with pytest.raises(BadInput, match=r"parties\[1\]"):
        screen_parties(index, [{"name": "Ivan Petrov"}, {"name": "  "}])
    vessel = screen_parties(index, [{"name": "Ocean Pearl", "schema": "Person"}])[0]
    assert vessel.hits == []  # a person is never a vessel


def test_screen_command_contract_and_bad_input(sqlite_db: Database, settings_for, capsys) -> None:  # type: ignore[no-untyped-def]
    settings_for(sqlite_db)
    _load(sqlite_db, "parties_2025-01-01.ftm.json")
    code, out, err = _cli(capsys, "screen", "PETROV, Ivan", "--schema", "Person", "--birth-date", "1965-03-02",
                          "--country", "RU", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) >= {"query", "threshold", "list_versions", "hits"} and doc["list_versions"] == {"ftm-testlist": 1}
    hit = doc["hits"][0]
    assert set(hit) >= {"entity_id", "list", "name", "matched_name", "score", "explanation"}
    assert hit["entity_id"] == "tl-p1" and hit["score"] >= doc["threshold"]
    assert {e["feature"] for e in hit["explanation"]} >= {"name_match", "dob_match", "country_match"}
    for args, field in [(["   "], "name"), (["Acme", "--schema", "Spaceship"], "schema"),
                        (["Acme", "--country", "Atlantis"], "country"), (["x" * 10_000], "name"),
                        (["Acme", "--birth-date", "yesterday"], "birth_date")]:
        code, out, err = _cli(capsys, "screen", *args)
        assert code == 2 and field in err and len(err.strip().splitlines()) == 1


def test_screening_without_lists_is_an_error_not_a_pass(sqlite_db: Database, settings_for, capsys) -> None:  # type: ignore[no-untyped-def]
    settings_for(sqlite_db)
    code, out, err = _cli(capsys, "screen", "Ivan Petrov")
    assert code == 2 and "no restricted-party list is loaded" in err and out == ""


def test_bench_commands_contract(sqlite_db: Database, settings_for, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings_for(sqlite_db)
    _load(sqlite_db, "parties_2025-01-01.ftm.json")
    out = tmp_path / "pairs.json"
    code, _, err = _cli(capsys, "bench", "pairs", str(FIX / "pairs_small.csv"), "--json", str(out),
                        "--scores", str(tmp_path / "scores.csv"))
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert set(doc) >= {"n", "threshold", "precision", "recall", "f1", "pairs_per_second"}
    assert doc["n"] == 8 and doc["f1"] == 1.0
    assert len((tmp_path / "scores.csv").read_text().splitlines()) == 9
    code, stdout, err = _cli(capsys, "bench", "pairs", str(FIX / "pairs_small.csv"), "--algorithm",
                             "nomenklatura:logic-v1")
    assert code == 0, err
    assert json.loads(stdout)["algorithm"] == "nomenklatura:logic-v1"
    queries = tmp_path / "queries.csv"
    queries.write_text("full_name,date_of_birth,nationality\nIvan Petrov,1965,Russia\nNorthwind Shipping Ltd,,\n")
    code, stdout, err = _cli(capsys, "bench", "screen", str(queries), "--expect", "match")
    assert code == 0, err
    doc = json.loads(stdout)
    assert set(doc) >= {"n", "expect", "threshold", "share_with_hit", "queries_per_second", "latency_ms_p50",
                        "latency_ms_p95"}
    assert doc["share_with_hit"] == 0.5  # Northwind is only on the next version
    code, _, err = _cli(capsys, "bench", "pairs", str(FIX / "counterparties.csv"))
    assert code == 2 and "missing column 'schema'" in err


def test_api_screening_counterparties_decisions_and_runs(sqlite_db: Database) -> None:
    _load(sqlite_db, "parties_2025-01-01.ftm.json")
    client = api_client(sqlite_db, "officer")
    one = client.post("/api/v1/screen", json={"name": "Ivan Petrov", "schema": "Person", "country": "RU"})
    assert one.status_code == 200 and one.json()["hits"][0]["entity_id"] == "tl-p1"
    batch = client.post("/api/v1/screen/batch", json={"queries": [{"name": "Ivan Petrov"}, {"name": "Ocean Pearl"}]})
    assert batch.status_code == 200 and len(batch.json()["results"]) == 2
    too_many = client.post("/api/v1/screen/batch", json={"queries": [{"name": "x"}] * 1001})
    assert too_many.status_code == 422
    empty = client.post("/api/v1/screen", json={"name": " "})
    assert empty.status_code == 422 and "name" in empty.json()["detail"]
    created = client.post("/api/v1/counterparties", json={"ref": "C-9", "name": "Golden Crescent Trading LLC",
                                                           "schema": "Organization", "country": "AE"})
    assert created.status_code == 201
    assert client.get("/api/v1/counterparties/C-9").json()["country"] == "ae"
    assert client.put("/api/v1/counterparties/C-9", json={"ref": "C-9", "name": "Golden Crescent Trading LLC",
                                                          "schema": "Organization", "country": "Atlantis"}
                      ).status_code == 422
    decision = client.post("/api/v1/decisions", json={
        "party_name": "Golden Crescent Trading LLC", "country": "AE", "list": "ftm-testlist", "entity_id": "tl-p2",
        "status": "confirmed", "reason": "registration number matches"})
    assert decision.status_code == 201
    run = client.post("/api/v1/rescreen", json={"kind": "full"})
    assert run.status_code == 201 and run.json()["hits"] == 1
    hits = client.get(f"/api/v1/rescreen/runs/{run.json()['id']}/hits").json()["hits"]
    assert hits[0]["decision"] == "confirmed"
    assert client.post("/api/v1/rescreen", json={"kind": "delta", "list": "ftm-testlist"}).status_code == 422
    assert client.delete("/api/v1/counterparties/C-9").status_code == 204
    assert client.get("/api/v1/counterparties/C-9").status_code == 404
