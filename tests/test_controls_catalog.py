"""Controls on the real reference data: loading, the catalog, cross references, versions and diffs,
classification, parameter checks, the product register, CLI and API.

The loaded SQLite database is built once per worker (all tests of this module run in one xdist
group) and copied for each test that writes.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dualcheck.controls import catalog as catalog_mod
from dualcheck.controls.catalog import ControlCatalog, classify, load_catalog
from dualcheck.controls.check import check
from dualcheck.controls.models import ControlListVersion, ControlProvision
from dualcheck.controls.parameters import threshold_coverage
from dualcheck.controls.service import bench_classify, load
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput, NotFound
from dualcheck.ledger import verify

pytestmark = pytest.mark.xdist_group("controls-real-data")

ANNEX_I = Path("controls/eu/annex_i_02021R0821-20251115_exports-watch.json")
EVAL_SET = Path(__file__).resolve().parents[1] / "src/dualcheck/controls/eval/classify_cases.csv"


@pytest.fixture(scope="module")
def loaded_file(data_dir: Path, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("controls-loaded") / "loaded.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    results = load(db, [data_dir / "controls"], actor="test")
    assert {r.list_name for r in results if r.status == "loaded"} == {
        "eu-annex-i", "eu-annex-iv", "us-ccl", "us-country-chart", "us-country-groups", "wassenaar", "chpl"}
    db.dispose()
    return path


@pytest.fixture
def loaded_db(loaded_file: Path, copy_sqlite: Callable[[Path], Database]) -> Database:
    return copy_sqlite(loaded_file)


@pytest.fixture(scope="module")
def catalog(loaded_file: Path) -> ControlCatalog:
    db = Database(f"sqlite:///{loaded_file}")
    with db.session() as session:
        cat = load_catalog(session)
    db.dispose()
    return cat


def test_annex_i_tree_is_complete(catalog: ControlCatalog) -> None:
    assert len(catalog.entries) == 384
    assert catalog.version.valid_from == dt.date(2025, 11, 15)
    p = catalog.lookup("6a005 a 6 b 2")
    assert p is not None and p.code == "6A005.a.6.b.2" and p.entry == "6A005"
    assert p.path == ["6A005", "6A005.a", "6A005.a.6", "6A005.a.6.b"]
    assert p.text.startswith("Output power exceeding 2 kW")
    assert any("does not control" in n.text for n in catalog.lookup("6A005.a.6.b").notes)  # type: ignore[union-attr]
    assert catalog.is_valid_code("5A002.a") and not catalog.is_valid_code("5A002.zz")
    assert "Laser" in catalog.lookup("6A005").terms  # type: ignore[union-attr]
    assert catalog.definition("lasers") is not None


def test_regime_annex_iv_and_section_i_flags(catalog: ControlCatalog) -> None:
    assert catalog.lookup("1C351.d.4").regime == "Australia Group"  # type: ignore[union-attr]
    assert catalog.lookup("1C351.d.4").in_annex_ii_section_i  # type: ignore[union-attr]
    assert catalog.lookup("9A009.a").in_annex_ii_section_i  # type: ignore[union-attr]
    assert not catalog.lookup("6A005.a").in_annex_ii_section_i  # type: ignore[union-attr]
    iv = catalog.lookup("7A117")
    assert iv is not None and iv.in_annex_iv and "UNVERIFIED" in (iv.annex_iv_detail or "")
    assert iv.in_annex_ii_section_i  # all Annex IV items are in Section I
    assert not catalog.lookup("5A002.a").in_annex_iv  # type: ignore[union-attr]


def test_cross_references_and_us_view(catalog: ControlCatalog) -> None:
    xref = catalog.cross_references("6A005.a")
    assert xref["us_eccn"]["eccn"] == "6A005" and xref["us_eccn"]["basis"] == "same number and similar text"
    assert xref["wassenaar"]["item"] == "6.A.5.a"
    assert catalog.lookup_eccn("5A002").reasons == ["NS", "RS", "AT", "EI"]  # type: ignore[union-attr]
    required, reasons = catalog_mod.us_licence_required(catalog, "6A005", "CN")
    assert required is True and any("NS 2" in r for r in reasons)
    required, reasons = catalog.us_licence_required("6A005", "CA")
    assert required is False
    assert catalog.us_licence_required("6A005", "IR")[0] is None  # embargoed row: the chart does not decide
    assert catalog.us_licence_required("6A005", "HK")[0] is True  # Hong Kong is read from the China row


def test_threshold_parsing_coverage(catalog: ControlCatalog) -> None:
    coverage = threshold_coverage(catalog)
    assert coverage["threshold_bearing"] > 1000
    assert coverage["share"] >= 0.85


def test_classify_ranks_and_explains(catalog: ControlCatalog) -> None:
    candidates = classify(catalog, "Ytterbium fibre laser, continuous wave, 2.5 kW output at 1070 nm", top=5)
    assert candidates[0].entry == "6A005"
    assert "laser" in candidates[0].why["matched_terms"]
    assert candidates[0].why["path"][0] == "6A005"
    assert classify(catalog, "zzzz qqqq") == []


def test_bench_classify_meets_the_targets_on_the_evaluation_set(catalog: ControlCatalog) -> None:
    import csv

    with EVAL_SET.open(encoding="utf-8") as fh:
        cases = [(r["description"], r["expected"].split(";")) for r in csv.DictReader(fh)]
    assert len(cases) >= 60 and sum(e == ["NLR"] for _, e in cases) >= 10
    figures = bench_classify(catalog, cases)
    assert figures["top5"] >= 0.85 and figures["top1"] >= 0.6, {k: figures[k] for k in ("top1", "top5")}
    assert figures["nlr_first_on_controlled"] <= 0.05
    assert all("NLR" in c["ranked"] for c in figures["cases"])


def test_the_two_parameter_checks_of_the_report(catalog: ControlCatalog) -> None:
    turning = check(catalog, "2B201.c", ["positioning accuracy=7µm", "diameter=400mm"])
    assert turning["verdict"] == "not_caught"
    (failed,) = turning["not_met"][0]["criteria"]
    assert "[positioning accuracy] < 6 µm" in failed["read_as"] and failed["given"] == "7µm"
    assert check(catalog, "2B201.c", ["positioning accuracy=5 µm", "diameter=400mm", "axes=2"])["verdict"] == "caught"
    milling = check(catalog, "2B001.b.2", ["positioning accuracy=4µm"])
    assert milling["verdict"] == "undecided" and milling["summary"].startswith("undecided: give")
    assert "unidirectional positioning repeatability" in milling["missing_parameters"]
    assert milling["parameters_not_compared"] == ["positioning accuracy"]


def test_check_never_says_not_caught_for_a_missing_or_foreign_parameter(catalog: ControlCatalog) -> None:
    # a length that is not the criterion's quantity, and a parent with a qualitative alternative
    assert check(catalog, "2B001.b.2", ["travel length=3 m"])["verdict"] == "undecided"
    assert check(catalog, "2B201", ["positioning accuracy=7 µm"])["verdict"] == "undecided"
    # a text value chooses among alternatives, never among conditions that must all hold
    alloy = check(catalog, "1C202.a", ["UTS=460 MPa", "form=tube", "outside diameter=80 mm"])
    assert alloy["verdict"] == "caught"
    cmm = check(catalog, "2B006.a", ["MPE=1.7+L/350 µm"])
    assert cmm["verdict"] == "caught"
    assert check(catalog, "2B006.a", ["MPE=2.5 µm"])["missing_parameters"] == ["measured length L (mm)"]


def test_unknown_words_are_neutral_and_not_listed_needs_evidence(catalog: ControlCatalog) -> None:
    index = catalog.index()
    plain = index.answer("Ytterbium fibre laser, continuous wave, 2.5 kW output at 1070 nm")
    branded = index.answer("Ytterbium fibre laser YLR-2500-WC Acme Photonics GmbH, continuous wave, 2.5 kW output "
                           "at 1070 nm, rugged housing, best in class, made in Germany")
    assert branded.candidates[0].entry == plain.candidates[0].entry == "6A005"
    assert branded.ranked()[0] != "NLR"
    nothing = index.answer("wooden dining chair, oak, seats four")
    assert nothing.ranked()[0] == "NLR"
    small = index.answer("CNC turning centre, unidirectional positioning repeatability 5 µm, travel length 0.5 m")
    assert small.candidates[0].why["parameters"]["status"] == "not_met"
    assert "NLR" in small.ranked()[:2] and small.nlr_reasons


def test_a_missed_threshold_puts_not_listed_first_only_when_no_stated_figure_meets_one(catalog: ControlCatalog) -> None:
    index = catalog.index()
    missed = index.answer("CNC turning centre, unidirectional positioning repeatability 5 µm, travel length 0.5 m")
    assert missed.ranked()[0] == "NLR" and not missed.review
    assert "misses a threshold" in missed.nlr_reasons[0]
    met = index.answer("CNC turning centre, unidirectional positioning repeatability 0.8 µm, travel length 0.5 m")
    assert met.candidates[0].entry == "2B001" and met.candidates[0].why["parameters"]["supported"]
    assert met.ranked()[0] != "NLR"
    released = index.answer("Smartphone with full-disk encryption, sold at retail")
    assert released.ranked()[:2] == ["NLR", "5A002"] and "release cue" in released.nlr_reasons[0]


def test_german_descriptions_use_the_term_table(catalog: ControlCatalog) -> None:
    answer = catalog.index().answer("5-Achs-Bearbeitungszentrum, Positioniergenauigkeit 4 µm, für die Luftfahrt")
    assert answer.candidates[0].entry in ("2B001", "2B201")
    assert answer.ranked()[0] != "NLR"
    micro = catalog.index().answer("Positioniergenauigkeit 4 \u00b5m")
    assert micro.quantities and micro.quantities[0]["kind"] == "positioning accuracy"


def test_check_the_laser_example(catalog: ControlCatalog) -> None:
    spec = ["wavelength=1070 nm", "type=continuous wave", "mode=multiple transverse mode"]
    caught = check(catalog, "6A005", [*spec, "power=2.5 kW"])
    assert caught["status"] == "met" and caught["met"] == ["6A005.a.6.b.2"]
    edge = check(catalog, "6A005", [*spec, "power=2 kW"])  # "exceeding 2 kW": 2 kW itself is not caught by b.2
    assert edge["status"] == "undetermined" and "wall-plug efficiency" in edge["missing_parameters"]
    failed = {n["code"]: n for n in edge["not_met"]}
    assert failed["6A005.a.6.b.2"]["criteria"][0]["margin"] == 0
    small = check(catalog, "6A005.a", ["wavelength=1070 nm", "power=500 W", "mode=multiple transverse mode"])
    assert small["status"] == "not_met"
    with pytest.raises(BadInput, match="unknown unit"):
        check(catalog, "6A005", ["power=2 horsefeathers"])
    with pytest.raises(NotFound):
        check(catalog, "6A999", ["power=2 kW"])


def test_common_high_priority_list(loaded_db: Database) -> None:
    from dualcheck.controls.catalog import load_chpl

    with loaded_db.session() as session:
        chpl = load_chpl(session)
    assert len(chpl) == 50 and chpl["854231"]["tier"] == "TIER_1"


def test_loading_again_is_a_no_op(loaded_db: Database, data_dir: Path) -> None:
    results = load(loaded_db, [data_dir / ANNEX_I], actor="test")
    assert [r.status for r in results] == ["unchanged"]
    with loaded_db.session() as session:
        assert session.scalar(select(func.count()).select_from(ControlListVersion)) == 7


def test_malformed_file_is_refused_and_nothing_is_written(loaded_db: Database, tmp_path: Path,
                                                          data_dir: Path) -> None:
    doc = json.loads((data_dir / ANNEX_I).read_text(encoding="utf-8"))
    doc["valid_from"] = "2026-03-01"
    doc["entries"][3]["verbatim_text"] = "0B003 text\nXX999 stray line"
    bad = tmp_path / "annex_bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    good_chpl = tmp_path / "hs_2026-01-01.csv"
    good_chpl.write_text("hs6,tier_code,hs6_short_description\n854231,TIER_1,ICs\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"annex_bad.json: entries\[3\].verbatim_text line 2"):
        load(loaded_db, [good_chpl, bad], actor="test")
    with loaded_db.session() as session:
        assert session.scalar(select(func.count()).select_from(ControlListVersion)) == 7


def test_new_consolidation_versions_diffs_and_flags_the_register(loaded_db: Database, tmp_path: Path,
                                                                  data_dir: Path) -> None:
    from dualcheck.controls.diff import diff_versions
    from dualcheck.controls.register import decide, review_queue, upsert_item

    with loaded_db.write_session() as session:
        upsert_item(session, "FL-2000", "fibre laser 2.5 kW", {"power": "2.5 kW"}, actor="officer")
        decide(session, "FL-2000", ["6A005.a.6.b.2"], "2.5 kW multimode at 1070 nm", actor="officer")
        upsert_item(session, "VPN-1", "VPN gateway", {}, actor="officer")
        decide(session, "VPN-1", ["5A002.a"], "AES-256", actor="officer")
    doc = json.loads((data_dir / ANNEX_I).read_text(encoding="utf-8"))
    doc["valid_from"] = "2026-06-01"
    entries = {e["entry_code"]: e for e in doc["entries"]}
    entries["6A005"]["verbatim_text"] = entries["6A005"]["verbatim_text"].replace(
        "6A005.a.6.b.2 Output power exceeding 2 kW;", "6A005.a.6.b.2 Output power exceeding 3 kW;")
    doc["entries"] = [e for e in doc["entries"] if e["entry_code"] != "0C005"]
    doc["entries"].append({"entry_code": "4A599", "category": "4", "verbatim_text": "4A599 Test computers;"})
    later = tmp_path / "annex_i_later.json"
    later.write_text(json.dumps(doc), encoding="utf-8")
    [result] = load(loaded_db, [later], actor="test")
    assert result.status == "loaded" and result.version_id and result.version_id.startswith("eu-annex-i:2026-06-01")

    with loaded_db.session() as session:
        old = load_catalog(session, dt.date(2026, 1, 1))
        new = load_catalog(session, dt.date(2026, 7, 1))
        with pytest.raises(NotFound):
            load_catalog(session, dt.date(2020, 1, 1))
        diff = diff_versions(session, "eu-annex-i", "2025-11-15", "2026-06-01")
        queue = review_queue(session)
        assert session.scalar(select(func.count()).select_from(ControlProvision)
                              .where(ControlProvision.version_id == result.version_id)) > 4000
        assert verify(session).ok
    assert old.lookup("0C005") is not None and new.lookup("0C005") is None
    assert new.lookup("6A005.a.6.b.2").text.startswith("Output power exceeding 3 kW")  # type: ignore[union-attr]
    assert (diff["added"], diff["removed"], diff["changed"]) == (1, 1, 1)
    assert diff["entries_added"] == ["4A599"] and diff["entries_removed"] == ["0C005"]
    assert any("exceeding 3 kW" in line for line in diff["changes"][0]["diff"])
    assert [d["sku"] for d in queue] == ["FL-2000"]
    assert "6A005" in queue[0]["review_reason"]["entries"]


def test_cli_classify_and_check_json(loaded_db: Database, settings_for, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from dualcheck.cli import main

    settings_for(loaded_db)
    with pytest.raises(SystemExit) as exc:
        main(["classify", "5-axis CNC machining centre for milling titanium", "--format", "json"])
    assert exc.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"as_of", "control_list_version", "candidates", "not_listed", "ranked"}
    assert {"code", "entry", "score", "title", "why"} <= set(doc["candidates"][0])
    assert any(c["entry"] == "2B001" for c in doc["candidates"])
    with pytest.raises(SystemExit) as exc:
        main(["controls", "check", "6A005", "--spec", "power=2 parsecs"])
    assert exc.value.code == 2
    assert "unknown unit 'parsecs'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["classify", "laser", "--as-of", "2020-01-01"])
    assert exc.value.code == 2
    assert "no EU Annex I version in force on 2020-01-01" in capsys.readouterr().err
    broken = loaded_db.url.replace("sqlite:///", "").rsplit("/", 1)[0] + "/broken_annex.json"
    Path(broken).write_text('{"entries": [], "valid_from": "2026-13-01"}', encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["controls", "load", broken])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["dualcheck: broken_annex.json: field valid_from: not a date: '2026-13-01'"]


def test_cli_benches_write_the_contract_json(loaded_db: Database, settings_for, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from dualcheck.cli import main

    settings_for(loaded_db)
    cases = tmp_path / "cases.csv"
    cases.write_text("id,language,lookalike,description,expected\n"
                     "1,en,false,\"Ytterbium fibre laser, continuous wave, 2.5 kW output at 1070 nm\",6A005\n"
                     "2,de,false,\"5-Achs-Bearbeitungszentrum, Positioniergenauigkeit 4 µm\",2B001;2B201\n"
                     "3,en,true,\"wooden dining chair, oak\",NLR\n", encoding="utf-8")
    out = tmp_path / "figures.json"
    with pytest.raises(SystemExit) as exc:
        main(["bench", "classify", str(cases), "--json", str(out)])
    assert exc.value.code == 0
    doc = json.loads(out.read_text())
    assert {"n", "top1", "top5", "seconds_per_query", "nlr_first_on_controlled", "cases"} <= set(doc)
    assert doc["cases"][2] == {"expected": ["NLR"], "ranked": doc["cases"][2]["ranked"]}
    assert doc["cases"][2]["ranked"][0] == "NLR" and doc["nlr_first_on_controlled"] == 0.0
    assert doc["lookalikes"] == {"n": 1, "nlr_in_top2": 1.0} and set(doc["by_language"]) == {"de", "en"}
    params = tmp_path / "params.csv"
    params.write_text("id,code,specs,expected,note\n"
                      "P1,2B201.c,positioning accuracy=7 µm | diameter=400 mm,not_caught,\n"
                      "P2,2B001.b.2,positioning accuracy=4 µm,undecided,\n"
                      "P3,6A005,wavelength=1070 nm | power=2.5 kW | type=continuous wave | "
                      "mode=multiple transverse mode,caught,\n", encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["bench", "controls-check", str(params)])
    assert exc.value.code == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["accuracy"] == 1.0 and figures["not_caught_where_caught_or_undecided_expected"] == 0
    params.write_text("id,code,specs,expected,note\nP1,2B201.c,diameter=4 mm,maybe,\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["bench", "controls-check", str(params)])
    assert exc.value.code == 2
    assert "row 2, field expected" in capsys.readouterr().err


def test_api_browse_classify_check(loaded_db: Database) -> None:
    from auth_support import api_client
    from dualcheck.config import Settings

    client = api_client(loaded_db, "officer", settings=Settings())
    shown = client.get("/api/v1/controls/provisions/6A005.a.6", params={"depth": 1}).json()
    assert shown["code"] == "6A005.a.6" and [s["code"] for s in shown["subtree"]] == ["6A005.a.6.a", "6A005.a.6.b"]
    assert client.get("/api/v1/controls/provisions/9Z999").status_code == 404
    answer = client.post("/api/v1/classify", json={"text": "gas centrifuge rotor for uranium enrichment"}).json()
    assert answer["candidates"][0]["code"].startswith("0B001")
    checked = client.post("/api/v1/controls/check", json={"code": "6A005", "spec": {"power": "2 lightyears"}})
    assert checked.status_code == 422
    health = client.get("/health").json()
    assert "eu-annex-i" in health["data_versions"]["controls"]


def test_loads_and_reads_back_on_postgresql(pg_db: Database, data_dir: Path) -> None:
    results = load(pg_db, [data_dir / ANNEX_I, data_dir / "controls/us/ccl.json"], actor="test")
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert [r.status for r in load(pg_db, [data_dir / ANNEX_I], actor="test")] == ["unchanged"]
    with pg_db.session() as session:
        cat = load_catalog(session, dt.date(2026, 1, 1))
    assert len(cat.entries) == 384 and cat.lookup("1C350.46") is not None
    assert cat.lookup_eccn("3A001") is not None and cat.wassenaar == {}


def test_api_product_register_records_decisions(loaded_db: Database) -> None:
    from auth_support import api_client
    from dualcheck.config import Settings

    client = api_client(loaded_db, "officer", user="officer-1", settings=Settings())
    put = client.put("/api/v1/controls/items", json={"sku": "VPN-9", "description": "VPN gateway",
                                                      "parameters": {"throughput": "10 Gb/s"}})
    assert put.status_code == 200
    bad = client.post("/api/v1/controls/items/VPN-9/classifications",
                      json={"codes": ["5A099.z"], "rationale": "typo"})
    assert bad.status_code == 422 and "unknown control code" in bad.json()["detail"]
    ok = client.post("/api/v1/controls/items/VPN-9/classifications",
                     json={"codes": ["5a002 a"], "rationale": "AES-256, not mass market"}).json()
    assert ok["codes"] == ["5A002.a"] and ok["decided_by"] == "officer-1"
    assert ok["control_list_version"].startswith("eu-annex-i:2025-11-15")
    item = client.get("/api/v1/controls/items/VPN-9").json()
    assert [c["current"] for c in item["classifications"]] == [True]
    assert client.get("/api/v1/controls/items/NOPE").status_code == 404
    with loaded_db.session() as session:
        assert verify(session).ok
