"""Lists on the real reference data: `dualcheck lists load <data>/lists` through the command line,
per-list entity counts against the data README, the SDN snapshot deltas, status, diff JSON
and /health. The full load is built once per test session (one xdist group) and shared."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dualcheck.api.app import create_app
from dualcheck.config import Settings
from dualcheck.db.engine import Database
from dualcheck.lists.diff import diff_versions
from dualcheck.lists.store import current_versions, get_entity, iter_current_entities

pytestmark = pytest.mark.xdist_group("lists-real-data")

# Entity counts per file, from the data README (rows, groups or entries as it counts them).
# SDN snapshots: the README gives 9,083 to 14,973 rows and the deltas between them; each count
# below is the previous one plus added minus removed.
EXPECTED_COUNTS = {
    "sdn_2021-08-18.csv": 9083, "sdn_2022-05-27.csv": 10177, "sdn_2023-12-28.csv": 13821,
    "sdn_2024-05-01.csv": 14966, "sdn_2024-05-02.csv": 14973, "sdn_2024-05-03.csv": 14965,
    "sdn.csv": 8976, "dpl.txt": 581, "dpl_2023-11.txt": 665, "cons_prim.csv": 442,
    "CONS_ENHANCED_2025-01-14.ZIP": 443, "consolidated_2025-03-28.xml": 443,
    "csl_consolidated_2022-05.csv.gz": 14160, "UN_consolidated_2025-04-19.xml": 877,
    "UN_consolidated_2026-02-27.xml": 1003, "UK_OFSI_ConList_2025-04-10.csv": 4686,
    "UK_OFSI_ConList_2025-04-10.xlsx": 4686, "eu_fsf_names_derived_2025-05.csv": 5316,
    "canada_sema_2025-05.xml": 4759,
    # README: 3,532 = distinct values of the file's FSF entity-id column, where 16 travel-ban-only
    # rows all carry "NA". They are 16 different people, so: 3,531 FSF entities + 16.
    "eu_fsf_travelban_merged_derived_2022-09-13.csv": 3531 + 16,
}
SDN_DELTAS = [  # (from, to, added, removed, modified) from the data README
    ("2021-08-18", "2022-05-27", 1537, 443, 570),
    ("2022-05-27", "2023-12-28", 4003, 359, 315),
    ("2023-12-28", "2024-05-01", 1249, 104, 48),
    ("2024-05-01", "2024-05-02", 7, 0, 0),
    ("2024-05-02", "2024-05-03", 0, 8, 0),
]


def dualcheck(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUALCHECK_HOME": str(home)}
    env.pop("DUALCHECK_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "dualcheck", *args], capture_output=True, text=True, env=env,
                          timeout=600)


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> dict[str, Any]:
    """Every list file loaded through the CLI into a fresh SQLite home, built once for the whole
    run: the first xdist worker builds it under a file lock, the other reuses it."""
    shared = tmp_path_factory.getbasetemp().parent / "lists-real-data"
    shared.mkdir(exist_ok=True)
    with (shared / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        output = shared / "load.json"
        if not output.exists():
            # the legacy non-SDN CSV files carry no date: the README dates them 2025
            run = dualcheck(shared / "home", "lists", "load", str(data_dir / "lists"), "--published", "2025-01-01",
                            "--output", "json")
            assert run.returncode == 0, run.stderr
            output.write_text(run.stdout)
    return {"home": shared / "home", "results": json.loads(output.read_text())["loaded"]}


@pytest.fixture
def db(loaded: dict[str, Any]) -> Iterator[Database]:
    database = Database(f"sqlite:///{loaded['home'] / 'dualcheck.sqlite3'}")
    yield database
    database.dispose()


def test_every_file_loads_with_the_readme_counts(loaded: dict[str, Any]) -> None:
    counts = {row["files"][0]: row["entities"] for row in loaded["results"]}
    assert counts == EXPECTED_COUNTS
    assert all(row["status"] == "loaded" for row in loaded["results"])
    names = {row["list"] for row in loaded["results"]}
    assert names == {"us-ofac-sdn", "us-ofac-nonsdn", "us-csl", "us-bis-dpl", "un-sc", "gb-ofsi", "eu-fsf",
                     "ca-sema"}
    sdn_legacy = next(r for r in loaded["results"] if r["files"][0] == "sdn.csv")
    assert sdn_legacy["files"] == ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]


def test_loading_the_folder_again_changes_nothing(loaded: dict[str, Any], data_dir: Path) -> None:
    run = dualcheck(loaded["home"], "lists", "load", str(data_dir / "lists" / "ofac_sdn"), "--output", "json")
    assert run.returncode == 0, run.stderr
    assert {row["status"] for row in json.loads(run.stdout)["loaded"]} == {"unchanged"}


@pytest.mark.parametrize(("old", "new", "added", "removed", "modified"), SDN_DELTAS)
def test_sdn_deltas_match_the_readme(db: Database, old: str, new: str, added: int, removed: int,
                                     modified: int) -> None:
    with db.session() as session:
        doc = diff_versions(session, "us-ofac-sdn", old, new)
    assert (doc["added"], doc["removed"], doc["modified"]) == (added, removed, modified)
    assert len(doc["changes"]) == added + removed + modified


def test_diff_and_status_json_through_the_cli(loaded: dict[str, Any]) -> None:
    run = dualcheck(loaded["home"], "lists", "diff", "us-ofac-sdn", "2023-12-28", "2024-05-01", "--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["list"], doc["from"], doc["to"]) == ("us-ofac-sdn", "2023-12-28", "2024-05-01")
    assert (doc["added"], doc["removed"], doc["modified"]) == (1249, 104, 48)
    modified = [c for c in doc["changes"] if c["change"] == "modified"]
    assert all(c["source_fields"] for c in modified)  # every modified record names what changed
    status = dualcheck(loaded["home"], "lists", "status", "--format", "json")
    assert status.returncode == 0, status.stderr
    rows = {row["name"]: row for row in json.loads(status.stdout)["lists"]}
    assert rows["us-ofac-sdn"]["published"] == "2024-05-03" and rows["us-ofac-sdn"]["entities"] == 14965
    assert rows["un-sc"]["published"] == "2026-02-27" and rows["un-sc"]["entities"] == 1003
    assert set(rows["gb-ofsi"]) >= {"name", "version", "published", "entities", "sha256"}


def test_remarks_and_companions_are_parsed_on_real_sdn_data(db: Database) -> None:
    with db.session() as session:
        versions = current_versions(session)
        schemas: dict[str, int] = {}
        with_dob = with_passport = with_weak = 0
        for entity in iter_current_entities(session):
            if entity.list_name != "us-ofac-sdn":
                continue
            schemas[entity.schema] = schemas.get(entity.schema, 0) + 1
            with_dob += bool(entity.properties.get("birthDate"))
            with_passport += bool(entity.properties.get("passportNumber"))
            with_weak += bool(entity.weak_aliases)
        bank = get_entity(session, "us-ofac-sdn-306", versions["us-ofac-sdn"]["version"]).entity
    assert sum(schemas.values()) == 14965
    assert set(schemas) == {"Person", "Organization", "Vessel", "Airplane"}
    assert with_dob > 5000 and with_passport > 1000 and with_weak > 1000
    assert bank.caption == "BANCO NACIONAL DE CUBA" and "BNC" in bank.weak_aliases


def test_health_names_the_loaded_list_versions(db: Database) -> None:
    with TestClient(create_app(Settings(database_url=db.url), db)) as client:
        doc = client.get("/health").json()
    lists = doc["data_versions"]["lists"]
    assert set(lists) == {"us-ofac-sdn", "us-ofac-nonsdn", "us-csl", "us-bis-dpl", "un-sc", "gb-ofsi", "eu-fsf",
                          "ca-sema"}
    assert lists["us-ofac-sdn"]["published"] == "2024-05-03"
