"""Lists: formats from hand-made fixtures (EU FSF XML, followthemoney JSON), detection from content,
and every kind of bad input: one clear error naming file and line, and nothing half-written."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.lists.loader import collect_units, load_paths
from dualcheck.lists.store import current_versions, get_entity, list_versions

FIXTURES = Path(__file__).parent / "fixtures" / "lists"
FORMATS = FIXTURES / "formats"


def _load(db: Database, *paths: Path, published: str | None = None) -> list:
    return load_paths(db, list(paths), actor="tester",
                      published=dt.date.fromisoformat(published) if published else None, workers=1)


def test_eu_fsf_xml_in_the_published_format(sqlite_db: Database) -> None:
    (result,) = _load(sqlite_db, FORMATS / "eu_fsf_export.xml")
    assert (result.list_name, result.entities, result.published) == ("eu-fsf", 2, "2025-05-20")
    with sqlite_db.session() as session:
        person = get_entity(session, "eu-fsf-900001").entity
        company = get_entity(session, "eu-fsf-900002").entity
    assert person.schema == "Person" and person.caption == "Ivan Petrovich EXAMPLOV"
    assert person.properties["alias"] == ["Иван Петрович ЭКЗАМПЛОВ"]
    assert person.weak_aliases == ["Vanya"]
    assert person.properties["birthDate"] == ["1970-02-01"]
    assert person.properties["nationality"] == ["ru"]
    assert person.properties["passportNumber"] == ["7100000001"]
    assert person.properties["gender"] == ["male"]
    assert person.programmes == ["RUS"] and person.listed_on == "2022-03-15"
    assert company.schema == "Organization"
    assert company.properties["registrationNumber"] == ["1027800000001"]
    assert company.properties["address"] == ["2 Test Street, Exampleburg, RUSSIAN FEDERATION"]


def test_followthemoney_json_lines_load_parties_only(sqlite_db: Database) -> None:
    (result,) = _load(sqlite_db, FORMATS / "opensanctions_sample.ftm.json", published="2024-02-01")
    assert (result.list_name, result.entities) == ("ftm-fixture-sanctions", 3)  # the Sanction is not a party
    with sqlite_db.session() as session:
        person = get_entity(session, "os-fixture-person-1").entity
        vessel = get_entity(session, "os-fixture-vessel-1").entity
    assert person.weak_aliases == ["JF"] and person.programmes == ["Fictional programme"]
    assert person.properties["birthDate"] == ["1980-04-05"] and person.listed_on == "2024-01-02"
    assert vessel.schema == "Vessel" and vessel.properties["imoNumber"] == ["IMO9000001"]


def test_format_is_detected_from_content_not_name(tmp_path: Path) -> None:
    for src, expected in ((FORMATS / "eu_fsf_export.xml", "eu-fsf-xml"),
                          (FORMATS / "opensanctions_sample.ftm.json", "ftm-json"),
                          (FIXTURES / "ofac_set" / "sdn.csv", "ofac-csv")):
        renamed = tmp_path / f"download-{expected}.dat"
        shutil.copyfile(src, renamed)
        (unit,) = collect_units([renamed])
        assert unit.fmt.name == expected


def _truncated_ofac(tmp_path: Path) -> Path:
    data = (FIXTURES / "ofac_set" / "sdn.csv").read_bytes()
    cut = tmp_path / "sdn_truncated.csv"
    cut.write_bytes(data[: data.index(b"DOB 12 Mar")])  # cut inside the quoted remarks of line 2
    return cut


def _utf16(tmp_path: Path) -> Path:
    path = tmp_path / "sdn_utf16.csv"
    path.write_bytes((FIXTURES / "ofac_set" / "sdn.csv").read_bytes().decode("latin-1").encode("utf-16"))
    return path


def _bad_row(tmp_path: Path) -> Path:
    path = tmp_path / "sdn_short_row.csv"
    path.write_bytes(b'1,"A",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n2,"B",-0- ,"X"\r\n')
    return path


BAD_INPUTS = {
    "truncated": (_truncated_ofac, "sdn_truncated.csv: line 2"),
    "utf16": (_utf16, "sdn_utf16.csv"),
    "short_row": (_bad_row, "sdn_short_row.csv: line 2: expected 12 fields, found 4"),
    "missing_column": (lambda _p: FORMATS / "dpl_missing_column.txt",
                       "dpl_missing_column.txt: line 1 (header): missing column 'FR_Citation'"),
    "malformed_xml": (lambda _p: FORMATS / "un_malformed.xml", "un_malformed.xml: line 5: malformed XML"),
    "entity_expansion": (lambda _p: FORMATS / "un_entity_expansion.xml", "un_entity_expansion.xml: line 2: XML with"),
    "external_entity": (lambda _p: FORMATS / "ofac_external_entity.xml", "ofac_external_entity.xml: line 2: XML with"),
}


def _assert_refused_and_intact(db: Database, case: str, tmp_path: Path) -> None:
    (good,) = _load(db, FIXTURES / "ofac_set", published="2024-01-02")
    make, message = BAD_INPUTS[case]
    with pytest.raises(BadInput) as err:
        # the good fixture set again (a no-op) beside a new good file and the bad one: nothing is written
        _load(db, FORMATS / "eu_fsf_export.xml", make(tmp_path), published="2024-03-01")
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    with db.session() as session:
        assert [v.id for v in list_versions(session)] == [good.version_id]
        assert current_versions(session)["us-ofac-sdn"]["version"] == good.version_id


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_names_file_and_line_and_keeps_the_last_good_version(case: str, sqlite_db: Database,
                                                                       tmp_path: Path) -> None:
    _assert_refused_and_intact(sqlite_db, case, tmp_path)


def test_bad_input_on_postgresql_writes_nothing(pg_db: Database, tmp_path: Path) -> None:
    _assert_refused_and_intact(pg_db, "short_row", tmp_path)


def test_cli_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "DUALCHECK_HOME": str(tmp_path / "home")}
    env.pop("DUALCHECK_DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-m", "dualcheck", "lists", "load", str(FORMATS / "un_malformed.xml")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "un_malformed.xml: line 5: malformed XML" in run.stderr
    unknown = tmp_path / "notes.txt"
    unknown.write_text("just some text\n")
    run = subprocess.run([sys.executable, "-m", "dualcheck", "lists", "load", str(unknown)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2 and "notes.txt: format not recognised" in run.stderr


def test_csl_json_snapshot_matches_its_own_declared_counts(data_dir: Path) -> None:
    """The compact CSL JSON beside the control lists: 25,921 parties in 12 source lists (data README)."""
    import json
    from collections import Counter

    path = data_dir / "controls" / "us" / "screening-list.json"
    (unit,) = collect_units([path])
    parsed = unit.fmt.parse(unit.source)
    declared = json.loads(path.read_text(encoding="utf-8"))
    assert (unit.fmt.name, parsed.list_name, parsed.published) == ("us-csl-json", "us-csl", dt.date(2026, 7, 31))
    assert len(parsed.records) == declared["entryCount"] == 25921
    assert Counter(r.origin for r in parsed.records) == Counter(declared["countsBySource"])
    assert len({r.entity_id for r in parsed.records}) == 25921


def test_ofsi_xlsx_and_csv_give_the_same_entities(data_dir: Path) -> None:
    """The two official OFSI formats of the same day: same groups, properties, dates and source rows."""
    units = collect_units([data_dir / "lists" / "uk"])
    assert sorted(u.fmt.name for u in units) == ["gb-ofsi-csv", "gb-ofsi-xlsx"]
    csv_list, xlsx_list = (u.fmt.parse(u.source) for u in sorted(units, key=lambda u: u.fmt.name))
    assert csv_list.published == xlsx_list.published == dt.date(2025, 4, 10)
    assert len(csv_list.records) == len(xlsx_list.records) == 4686
    for a, b in zip(csv_list.records, xlsx_list.records, strict=True):
        assert (a.entity(), a.listed_on, a.source) == (b.entity(), b.listed_on, b.source)
