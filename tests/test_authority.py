"""The authority domain: essentially-identical warnings, denial exchange, decisions, statistics, CLI and API
(SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from auth_support import api_client
from cli_support import run_cli as _cli
from dualcheck.authority import exchange, service, stats
from dualcheck.authority.matching import code_relation, lookback_start, name_score
from dualcheck.authority.models import Application, DenialNotification
from dualcheck.authority.parsing import parse_application, read_json
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.ledger.models import LedgerRecord

FIX = Path(__file__).parent / "fixtures" / "authority"
DENIALS = FIX / "denials_other_states.json"
NEAR = FIX / "application_near_identical.json"
DE_WARNING = "consult DE (denial DE-2024-0117, 2024-06-12)"


def _app_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = read_json(NEAR)
    for key, value in changes.items():
        doc[key] = value
    return doc


def _import(db: Database, path: Path = DENIALS, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    parsed = exchange.parse_document(doc if doc is not None else read_json(path), source=path.name)
    with db.write_session() as session:
        return exchange.import_denials(session, parsed, actor="officer", source=str(path))


def _register(db: Database, doc: dict[str, Any]) -> dict[str, Any]:
    with db.write_session() as session:
        return service.register(session, parse_application(doc, source="test"), actor="officer")


def _kinds(db: Database) -> list[str]:
    with db.session() as session:
        return [k for (k,) in session.execute(select(LedgerRecord.kind).order_by(LedgerRecord.seq))]


def test_code_relation_and_lookback_rules() -> None:
    assert code_relation("5A002.a", "5A002")[0] == 0.9
    assert code_relation("5a002 a", "5A002.a")[0] == 1.0
    assert code_relation("5A002.a", "5A002.b")[0] == 0.5
    assert code_relation("5A002", "5A003")[0] == 0.0
    assert lookback_start(dt.date(2026, 3, 10)) == dt.date(2023, 3, 10)
    assert lookback_start(dt.date(2028, 2, 29)) == dt.date(2025, 2, 28)
    assert name_score("Al Noor Trading Co.", "Al-Nour Trading Company")[0] >= 0.85
    assert name_score("Gulf Star Trading Company", "Al-Nour Trading Company")[0] < 0.85


def test_near_identical_application_warns_for_the_other_states_recent_denial(any_db: Database) -> None:
    assert _import(any_db) == {"records": 5, "added": 5, "updated": 0, "unchanged": 0, "kept_own": 0}
    doc = _register(any_db, _app_doc())
    check = doc["check"]
    # different end-user spelling (Al Noor Trading Co. / Al-Nour Trading Company), child code 5A002.a of 5A002
    assert check["warnings"] == [DE_WARNING]
    assert "Art. 16" in check["legal_basis"]
    assert check["excluded"] == {"own_state": 1, "older_than_three_years": 1, "after_application_date": 0,
                                 "revoked": 0}
    assert check["compared"] == 3  # DE, IT and ES: only DE has a party close to the application's
    assert check["with_a_close_party"] == 1
    de = check["comparisons"][0]
    assert de["criteria"]["items"]["detail"] == "5A002.a vs 5A002: 5A002.a falls under 5A002"
    assert "noor~nour" in de["criteria"]["parties"]["detail"]
    assert de["criteria"]["destination"]["match"] is True and de["score"] >= 0.7
    assert [c["denial"]["reference"] for c in check["comparisons"]] == ["DE-2024-0117"]
    assert doc["application"]["consultations"] == [DE_WARNING]
    kinds = _kinds(any_db)
    assert kinds == ["authority.denials_import", "authority.application", "authority.consultation_warning"]


def test_no_warning_for_an_unrelated_end_user_or_a_revoked_denial(any_db: Database) -> None:
    _import(any_db)
    unrelated = _register(any_db, _app_doc(reference="A-UNREL", consignee={"name": "Gulf Star Trading Company"},
                                           end_user={"name": "Baltic Optics Trading FZE", "country": "AE"}))["check"]
    assert unrelated["warnings"] == []
    # DE revokes its denial: the updated record replaces the held one, and it no longer calls for consultation
    doc = read_json(DENIALS)
    doc["denials"][0]["revoked"] = True
    assert _import(any_db, doc=doc)["updated"] == 1
    revoked = _register(any_db, _app_doc(reference="A-REV"))["check"]
    assert revoked["warnings"] == [] and revoked["excluded"]["revoked"] == 1
    assert "authority.consultation_warning" not in _kinds(any_db)


def test_three_year_window_and_own_state(any_db: Database) -> None:
    _import(any_db)
    # received earlier: France's 2022 denial is then within three years; Italy's is later than the application
    earlier = _register(any_db, _app_doc(reference="A-EARLY", received="2025-06-01"))["check"]
    assert earlier["warnings"] == ["consult FR (denial FR-2022-0033, 2022-11-02)", DE_WARNING]
    assert earlier["excluded"]["after_application_date"] == 1
    # received by the German authority: Germany's own denial needs no consultation, the Dutch one does
    german = _register(any_db, _app_doc(reference="A-DE", authority_state="DE"))["check"]
    assert german["warnings"] == ["consult NL (denial NL-2025-0009, 2025-05-14)"]
    assert german["excluded"]["own_state"] == 1


def test_denial_decision_exports_and_round_trips_to_another_state(
        any_db: Database, copy_sqlite: Callable[[Path], Database], sqlite_template: Path, tmp_path: Path) -> None:
    nl_doc = _app_doc()
    _register(any_db, nl_doc)
    with any_db.write_session() as session:
        decided = service.decide(session, nl_doc["reference"], "denied", reason="Diversion risk to a military user",
                                 actor="officer", on=dt.date(2026, 4, 2))
    assert decided["status"] == "denied" and decided["decision"]["processing_days"] == 23
    assert decided["denial_notification"]["reference"] == "NL-APP-2026-0042"
    out = tmp_path / "nl_denials.json"
    with any_db.session() as session:
        exchange.write_document(exchange.export_document(session), out)
    exported = read_json(out)
    assert exported["format"] == "dualcheck.authority.denials" and exported["version"] == 2
    assert [(d["issuing_state"], d["reference"], d["date"]) for d in exported["denials"]] == \
        [("NL", "NL-APP-2026-0042", "2026-04-02")]
    # our own file back into our own database changes nothing
    assert _import(any_db, out)["unchanged"] == 1
    # the German authority imports it twice: the second time is a no-op (no row, no ledger record)
    german = copy_sqlite(sqlite_template)
    assert _import(german, out)["added"] == 1
    assert _import(german, out) == {"records": 1, "added": 0, "updated": 0, "unchanged": 1, "kept_own": 0}
    assert _kinds(german) == ["authority.denials_import"]
    de_doc = _app_doc(reference="DE-APP-1", authority_state="DE", received="2026-05-01",
                      end_user={"name": "AL NOUR TRADING COMPANY", "country": "AE"})
    assert _register(german, de_doc)["check"]["warnings"] == ["consult NL (denial NL-APP-2026-0042, 2026-04-02)"]
    # revocation travels the same way
    with any_db.write_session() as session:
        service.revoke_denial(session, "NL-APP-2026-0042", actor="officer", reason="End user audited")
    with any_db.session() as session:
        exchange.write_document(exchange.export_document(session), out)
    assert _import(german, out)["updated"] == 1
    de_doc["reference"] = "DE-APP-2"
    assert _register(german, de_doc)["check"]["warnings"] == []


def test_bad_input_is_one_line_and_writes_nothing(any_db: Database, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"application_bad_item\.json: field 'items\[1\]\.control_code': not an "
                                       r"Annex I control code: 'encryption'"):
        parse_application(read_json(FIX / "application_bad_item.json"), source=str(FIX / "application_bad_item.json"))
    with pytest.raises(BadInput, match=r"denials_bad_date\.json: field 'denials\[1\] \(DE-2025-0002\)\.date': "
                                       r"not a YYYY-MM-DD date: '03/02/2025'"):
        _import(any_db, FIX / "denials_bad_date.json")
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(DenialNotification)) == 0
    wrong = read_json(DENIALS)
    wrong["version"] = 3
    with pytest.raises(BadInput, match="field 'version': unsupported version 3 \\(this release reads 1 and 2\\)"):
        _import(any_db, doc=wrong)
    duplicated = read_json(DENIALS)
    duplicated["denials"].append(copy.deepcopy(duplicated["denials"][0]))
    with pytest.raises(BadInput, match=r"denials\[5\] \(DE-2024-0117\): duplicate of denials\[0\]"):
        _import(any_db, doc=duplicated)
    with pytest.raises(BadInput, match="field 'authority_state': not an EU Member State: 'CH'"):
        parse_application(_app_doc(authority_state="CH"))
    with pytest.raises(BadInput, match=r"field 'end_user\.country': not a two-letter ISO country code"):
        parse_application(_app_doc(end_user={"name": "X Ltd", "country": "UAE"}))
    _register(any_db, _app_doc())
    with pytest.raises(BadInput, match="already registered"):
        _register(any_db, _app_doc())
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 1


def test_granting_over_a_warning_needs_the_consultation_and_records_the_notice(any_db: Database) -> None:
    _import(any_db)
    _register(any_db, _app_doc())
    with pytest.raises(BadInput, match=r"consult DE \(denial DE-2024-0117, 2024-06-12\): consult before granting"), \
            any_db.write_session() as session:
        service.decide(session, "NL-APP-2026-0042", "granted", reason="Fine", actor="officer")
    # the consulted record names the state and the date
    with pytest.raises(BadInput, match=r"consulted\[0\]: give the date DE was consulted: DE:YYYY-MM-DD"), \
            any_db.write_session() as session:
        service.decide(session, "NL-APP-2026-0042", "granted", reason="Fine", actor="officer", consulted=["DE"])
    with pytest.raises(BadInput, match=r"consulted\[0\]: consulted on 2026-04-25, after the decision date"), \
            any_db.write_session() as session:
        service.decide(session, "NL-APP-2026-0042", "granted", reason="Fine", actor="officer",
                       on=dt.date(2026, 4, 20), consulted=["DE:2026-04-25"])
    with any_db.write_session() as session:
        doc = service.decide(session, "NL-APP-2026-0042", "granted", reason="DE consulted, no objection",
                             actor="officer", on=dt.date(2026, 4, 20), consulted=["de:2026-04-15"])
    assert doc["status"] == "granted" and doc["decision"]["processing_days"] == 41
    assert doc["decision"]["consulted"] == [{"state": "DE", "date": "2026-04-15"}]
    notice = doc["decision"]["notice"]
    assert notice["to"] == ["the other Member States", "the European Commission"]
    assert notice["consulted"] == [{"state": "DE", "date": "2026-04-15"}]
    assert notice["granted_on"] == "2026-04-20" and notice["reasons_for_granting"] == "DE consulted, no objection"
    [denial] = notice["essentially_identical_denials"]
    assert (denial["issuing_state"], denial["reference"], denial["date"]) == ("DE", "DE-2024-0117", "2024-06-12")
    assert denial["explanation"][0].startswith("same end user or consignee")
    assert [i["control_code"] for i in notice["items"]] == ["5A002.a", "5D002"]
    with any_db.session() as session:
        assert service.show(session, "NL-APP-2026-0042")["decision"]["notice"] == notice
    with pytest.raises(BadInput, match="already granted"), any_db.write_session() as session:
        service.decide(session, "NL-APP-2026-0042", "denied", reason="x", actor="officer")
    assert _kinds(any_db)[-2:] == ["authority.decision", "authority.grant_notice"]
    with any_db.session() as session:
        payload = session.execute(select(LedgerRecord.payload).where(
            LedgerRecord.kind == "authority.grant_notice")).scalar_one()
    assert json.loads(payload)["essentially_identical_denials"][0]["reference"] == "DE-2024-0117"


STATS_APPS = [  # reference, received, destination, [(code, value)], outcome, decided
    ("S1", "2026-01-05", "AE", [("5A002", 100), ("3A001", 50)], "denied", "2026-01-25"),
    ("S2", "2026-01-20", "CN", [("6A003", 200)], "granted", "2026-02-19"),
    ("S3", "2026-02-03", "AE", [("5A002.a", 300)], "granted", "2026-02-13"),
    ("S4", "2026-02-10", "CN", [("3A001", 40)], "withdrawn", "2026-02-12"),
    ("S5", "2026-03-01", "AE", [("5D002", 60)], None, None),
]


def test_a_denial_imported_after_registration_warns_the_pending_application(any_db: Database) -> None:
    """Consultation is owed before granting, so a denial notified later still reaches a pending application."""
    registered = _register(any_db, _app_doc())
    assert registered["check"]["warnings"] == []  # no denial held yet
    parsed = exchange.parse_document(read_json(DENIALS), source=DENIALS.name)
    on = dt.date(2026, 4, 1)  # after the receipt (2026-03-10): the window runs to this day
    with any_db.write_session() as session:
        summary = service.import_and_recheck(session, parsed, actor="officer", source=str(DENIALS), on=on)
    reference = registered["application"]["reference"]
    assert summary["new_consultations"] == [{"application": reference, "warnings": [DE_WARNING]}]
    with any_db.write_session() as session:  # the same file again: nothing new, nothing repeated
        again = service.import_and_recheck(session, parsed, actor="officer", source=str(DENIALS), on=on)
    assert again["new_consultations"] == [] and again["unchanged"] == summary["records"]
    with any_db.session() as session:
        assert service.show(session, reference)["consultations"] == [DE_WARNING]
    assert _kinds(any_db).count("authority.consultation_warning") == 1
    with any_db.write_session() as session, pytest.raises(BadInput, match="consult DE"):
        service.decide(session, reference, "granted", reason="fine", actor="officer", on=on)


def _stats_fixture(db: Database) -> None:
    for ref, received, dest, items, outcome, decided in STATS_APPS:
        doc = _app_doc(reference=ref, received=received, destination=dest, end_user={"name": f"User {ref} GmbH"},
                       items=[{"control_code": c, "description": "item", "value": v} for c, v in items])
        _register(db, doc)
        if outcome:
            with db.write_session() as session:
                service.decide(session, ref, outcome, reason="test", actor="officer",
                               on=dt.date.fromisoformat(decided))


def test_statistics_on_a_fixture(any_db: Database) -> None:
    _stats_fixture(any_db)
    with any_db.session() as session:
        total = stats.compute(session)["total"]
        by_dest = {g["group"]: g for g in stats.compute(session, by="destination")["groups"]}
        by_cat = {g["group"]: (g["applications"], g["value"]) for g in stats.compute(session, by="category")["groups"]}
        by_month = {g["group"]: g["applications"] for g in stats.compute(session, by="month")["groups"]}
        by_outcome = {g["group"]: g["value"] for g in stats.compute(session, by="outcome")["groups"]}
        february = stats.compute(session, start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))["total"]
    assert (total["applications"], total["value"], total["decided"], total["pending"]) == (5, 750, 4, 1)
    assert (total["granted"], total["denied"], total["withdrawn"]) == (2, 1, 1)
    assert total["denial_rate"] == 0.3333 and total["median_processing_days"] == 15
    assert (by_dest["AE"]["applications"], by_dest["AE"]["value"], by_dest["AE"]["denial_rate"]) == (3, 510, 0.5)
    assert (by_dest["CN"]["denial_rate"], by_dest["CN"]["median_processing_days"]) == (0.0, 16)
    assert by_cat == {"3": (2, 90), "5": (3, 460), "6": (1, 200)}
    assert by_month == {"2026-01": 2, "2026-02": 2, "2026-03": 1}
    assert by_outcome == {"denied": 150, "granted": 500, "pending": 60, "withdrawn": 40}
    assert (february["applications"], february["value"], february["median_processing_days"]) == (2, 340, 6)
    with any_db.session() as session, pytest.raises(BadInput, match="expected one of destination"):
        stats.compute(session, by="applicant")


def test_cli_end_to_end(sqlite_db: Database, settings_for, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings_for(sqlite_db)
    code, out, err = _cli(capsys, "authority", "denials", "import", str(DENIALS))
    assert code == 0 and "5 added" in out, err
    code, out, err = _cli(capsys, "authority", "denials", "import", str(DENIALS), "--format", "json")
    assert code == 0 and json.loads(out)["unchanged"] == 5
    code, out, err = _cli(capsys, "authority", "apply", str(NEAR), "--format", "json")
    assert code == 0 and json.loads(out)["check"]["warnings"] == [DE_WARNING], err
    code, out, err = _cli(capsys, "authority", "decide", "NL-APP-2026-0042", "--grant", "--reason", "ok")
    assert code == 2 and out == "" and err.count("\n") == 1 and DE_WARNING in err
    code, out, err = _cli(capsys, "authority", "decide", "NL-APP-2026-0042", "--deny", "--reason", "Diversion risk",
                          "--date", "2026-03-30")
    assert code == 0 and "denial notification NL NL-APP-2026-0042 created" in out, err
    target = tmp_path / "out" / "nl.json"
    code, out, err = _cli(capsys, "authority", "denials", "export", "--out", str(target))
    assert code == 0 and len(read_json(target)["denials"]) == 1
    code, out, err = _cli(capsys, "authority", "stats", "--by", "destination", "--format", "csv")
    assert code == 0 and out.splitlines() == [
        ",".join(stats.COLUMNS),
        "AE,1,200000.0,1,0,1,0,0,0.0,200000.0,1.0,20",
        "total,1,200000.0,1,0,1,0,0,0.0,200000.0,1.0,20"]
    code, out, err = _cli(capsys, "authority", "stats", "--from", "2026-13-01")
    assert code == 2 and "--from" in err
    code, out, err = _cli(capsys, "authority", "apply", str(FIX / "application_bad_item.json"))
    assert code == 2 and "items[1].control_code" in err and err.count("\n") == 1


def test_api_end_to_end(any_db: Database) -> None:
    with api_client(any_db, "authority_officer", "nl-authority", user="officer-api") as client:
        r = client.post("/api/v1/authority/denials/import", json=read_json(DENIALS))
        assert r.status_code == 200 and r.json()["added"] == 5
        r = client.post("/api/v1/authority/applications", json=read_json(NEAR))
        assert r.status_code == 201 and r.json()["check"]["warnings"] == [DE_WARNING]
        r = client.post("/api/v1/authority/applications", json=_app_doc(reference="X", items=[]))
        assert r.status_code == 422 and "field 'items'" in r.json()["detail"]
        r = client.post("/api/v1/authority/applications/NL-APP-2026-0042/decision",
                        json={"outcome": "denied", "reason": "Diversion risk", "date": "2026-03-12"})
        assert r.status_code == 200 and r.json()["decision"]["processing_days"] == 2
        r = client.get("/api/v1/authority/denials")
        assert [d["reference"] for d in r.json()["denials"]] == ["NL-APP-2026-0042"]
        r = client.get("/api/v1/authority/applications/NL-APP-2026-0042")
        assert r.json()["status"] == "denied" and r.json()["consultations"] == [DE_WARNING]
        r = client.get("/api/v1/authority/applications/NOPE")
        assert r.status_code == 404
        r = client.get("/api/v1/authority/stats", params={"by": "outcome"})
        assert r.json()["groups"][0]["group"] == "denied" and r.json()["total"]["denial_rate"] == 1.0
        r = client.get("/api/v1/authority/stats", params={"format": "csv"})
        assert r.status_code == 200 and r.text.startswith("group,applications")


def test_bench_runs_on_generated_data() -> None:
    from dualcheck.authority.bench import run_bench

    figures = run_bench(denials=50, applications=5, near_share=1.0)
    assert figures["denials"] == 50 and figures["applications"] == 5
    # every application copies a denial's end user, destination and code; a copy warns unless the copied
    # denial is older than three years, from our own state (never generated) or revoked (never generated)
    assert 1 <= figures["applications_with_warnings"] <= 5


def test_exchange_version_2_carries_what_authorities_exchange(any_db: Database) -> None:
    _import(any_db)
    with any_db.session() as session:
        exported = exchange.export_document(session, include_imported=True)
    de = next(d for d in exported["denials"] if d["reference"] == "DE-2024-0117")
    assert de["end_user"] == {"name": "Al-Nour Trading Company", "country": "AE",
                              "address": "Office 12, Al Maktoum Road, Deira, Dubai",
                              "identifiers": [{"type": "trade_licence", "value": "DED-764512"}],
                              "aliases": ["Al Nour General Trading"]}
    assert de["items"][0]["parameters"] == {"key_length": "256 bit", "throughput": "10 Gbit/s"}
    assert de["reasons"] == [
        {"criterion": "end_use_diversion", "citation": "Regulation (EU) 2021/821, Art. 15(1)(d)",
         "detail": "Risk of diversion to a military end user"},
        {"criterion": "foreign_security_policy", "citation": "Regulation (EU) 2021/821, Art. 15(1)(c)",
         "detail": "National security considerations"}]
    assert (de["date"], de["notified"], de["revoked"], de["revocation"]) == ("2024-06-12", "2024-06-20", False, None)
    # version 1 files are still read; their reasons are one text under no named criterion
    assert _import(any_db, FIX / "denials_version1.json")["added"] == 1
    with any_db.session() as session:
        fr = next(d for d in exchange.export_document(session, include_imported=True)["denials"]
                  if d["reference"] == "FR-2025-0100")
    assert fr["reasons"] == [{"criterion": "unspecified", "citation": None, "detail": "Diversion risk"}]
    # our own denial: reasons by criterion, and its revocation with date and reason
    _register(any_db, _app_doc(reference="NL-OWN", end_user={"name": "Baltic Optics Trading FZE", "country": "AE"}))
    with any_db.write_session() as session:
        service.decide(session, "NL-OWN", "denied", reason="Military end user", actor="officer",
                       on=dt.date(2026, 4, 2), criteria=["d", "Art. 4"])
        revoked = service.revoke_denial(session, "NL-OWN", actor="officer", reason="End user audited",
                                        on=dt.date(2026, 6, 1))
    assert [r["criterion"] for r in revoked["reasons"]] == ["end_use_diversion", "catch_all"]
    assert revoked["revocation"] == {"date": "2026-06-01", "reason": "End user audited"}
    assert revoked["parties"] == [] and revoked["consignee"]["name"] == "Emirates Freight Forwarding LLC"
    parsed = exchange.parse_document({"format": exchange.FORMAT, "version": 2, "denials": [revoked]}, source="x")
    assert exchange._record_of(parsed[0]) == revoked  # what we export reads back the same


def test_cli_shows_the_reasons_and_records_consultation_and_notice(sqlite_db: Database, settings_for, capsys,
                                                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings_for(sqlite_db)
    assert _cli(capsys, "authority", "denials", "import", str(DENIALS))[0] == 0
    arabic = tmp_path / "arabic.json"
    arabic.write_text(json.dumps(_app_doc(end_user={"name": "شركة النور للتجارة", "country": "AE"}),
                                 ensure_ascii=False), encoding="utf-8")
    code, out, err = _cli(capsys, "authority", "apply", str(arabic))
    assert code == 0, err
    assert "WARNING consult DE (denial DE-2024-0117, 2024-06-12)" in out
    assert "parties (required met)" in out and "شركة النور للتجارة" in out and "destination (context)" in out
    code, out, err = _cli(capsys, "authority", "decide", "NL-APP-2026-0042", "--grant", "--reason", "No objection",
                          "--date", "2026-04-20", "--consulted", "DE:2026-04-15")
    assert code == 0, err
    assert "consulted DE on 2026-04-15" in out
    assert "notice to the other Member States and the European Commission" in out


def test_bench_on_labelled_pairs_counts_an_unreadable_pair_as_missed(tmp_path: Path) -> None:
    from dualcheck.authority.bench import run_pairs

    figures = run_pairs(FIX / "pairs_small.jsonl")
    assert (figures["n"], figures["true_positives"], figures["false_positives"], figures["false_negatives"]) == \
        (4, 2, 0, 1)
    assert figures["precision"] == 1.0 and figures["recall"] == 0.6667
    assert figures["by_kind"]["rerouted"]["recall"] == 0.5
    assert figures["by_kind"]["different_party_same_items"]["warnings"] == 0
    [unreadable] = figures["unreadable"]
    assert unreadable["id"] == "T4" and "items[0].control_code" in unreadable["error"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "X", "expected_warning": "maybe"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match=r"bad\.jsonl: line 1: expected_warning: expected true or false"):
        run_pairs(bad)
