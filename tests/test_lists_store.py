"""Lists: loading a hand-made OFAC legacy CSV set, versions, the read API screening builds on, diffs."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dualcheck.db.engine import Database
from dualcheck.errors import NotFound
from dualcheck.ledger import verify
from dualcheck.ledger.models import LedgerRecord
from dualcheck.lists.diff import diff_versions
from dualcheck.lists.loader import load_paths
from dualcheck.lists.models import ListEntityRow
from dualcheck.lists.store import (
    changed_entities,
    current_versions,
    get_entity,
    iter_current_entities,
    list_versions,
    version_entities,
)

FIXTURES = Path(__file__).parent / "fixtures" / "lists"
OFAC_SET = FIXTURES / "ofac_set"


def _load(db: Database, *paths: Path, published: str | None = "2024-01-02") -> list:
    return load_paths(db, list(paths), actor="tester",
                      published=dt.date.fromisoformat(published) if published else None)


def test_ofac_set_loads_with_companions_into_followthemoney_entities(any_db: Database) -> None:
    (result,) = _load(any_db, OFAC_SET)
    assert (result.list_name, result.entities, result.status, result.published) == (
        "us-ofac-sdn", 3, "loaded", "2024-01-02")
    assert result.files == ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
    with any_db.session() as session:
        company = get_entity(session, "us-ofac-sdn-100").entity
        person = get_entity(session, "us-ofac-sdn-200").entity
        vessel = get_entity(session, "us-ofac-sdn-300")
    assert company.schema == "Organization"
    assert company.properties["alias"] == ["EXAMPLE TRADING COMPANY"]  # strong: alt.csv
    assert company.weak_aliases == ["EXTRACO"]  # weak: only in remarks
    assert company.properties["registrationNumber"] == ["123456"]
    assert company.properties["swiftBic"] == ["EXTRIRTH"]
    assert company.properties["country"] == ["ir"]
    assert company.programmes == ["SDGT", "IRGC"]
    assert person.schema == "Person"
    assert person.properties["name"] == ["John Michael DOE"]
    assert person.properties["alias"] == ["Johnny DOE"]
    assert person.properties["birthDate"] == ["1962-03-12", "1963"]
    assert person.properties["birthPlace"] == ["Tehran, Iran"]
    assert person.properties["nationality"] == ["ir"]
    assert person.properties["passportNumber"] == ["A1234567"]
    assert person.properties["gender"] == ["male"]
    assert person.properties["email"] == ["john@example.test"]  # from the comments continuation
    assert person.properties["country"] == ["ae"]
    assert vessel.entity.properties["imoNumber"] == ["9123456"]
    assert vessel.entity.properties["previousName"] == ["OCEAN EXAMPLE"]
    assert vessel.entity.properties["pastFlags"] == ["pa"]
    assert vessel.source_record["ent_num"] == "300"
    assert vessel.version["name"] == "us-ofac-sdn"


def test_same_bytes_twice_is_a_no_op_and_loads_are_in_the_ledger(sqlite_db: Database) -> None:
    _load(sqlite_db, OFAC_SET)
    (again,) = _load(sqlite_db, OFAC_SET)
    assert again.status == "unchanged"
    with sqlite_db.session() as session:
        assert len(list_versions(session)) == 1
        assert session.scalar(select(func.count()).select_from(ListEntityRow)) == 3
        kinds = session.execute(select(LedgerRecord.kind)).scalars().all()
        assert kinds == ["lists.load"]
        assert verify(session).ok


def _modified_copy(tmp_path: Path) -> Path:
    """The fixture set with entity 300 removed, 400 added and 100's remarks changed."""
    folder = tmp_path / "sdn_2024-02-01"
    shutil.copytree(OFAC_SET, folder)
    lines = (OFAC_SET / "sdn.csv").read_bytes().rstrip(b"\x1a").split(b"\r\n")
    lines = [ln for ln in lines if ln and not ln.startswith(b"300,")]
    lines[0] = lines[0].replace(b"SWIFT/BIC EXTRIRTH", b"SWIFT/BIC EXTRIRTX")
    lines.append(b'400,"NEW EXAMPLE LLC",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ')
    (folder / "sdn.csv").write_bytes(b"\r\n".join(lines) + b"\r\n\x1a")
    return folder


def test_new_snapshot_becomes_current_and_diff_names_changed_fields(any_db: Database, tmp_path: Path) -> None:
    (first,) = _load(any_db, OFAC_SET)
    (second,) = _load(any_db, _modified_copy(tmp_path), published=None)
    assert second.published == "2024-02-01"  # from the folder name
    with any_db.session() as session:
        assert current_versions(session)["us-ofac-sdn"]["version"] == second.version_id
        assert {e.entity_id for e in iter_current_entities(session)} == {
            "us-ofac-sdn-100", "us-ofac-sdn-200", "us-ofac-sdn-400"}
        added, removed, modified = changed_entities(session, "us-ofac-sdn", first.version_id, second.version_id)
        doc = diff_versions(session, "us-ofac-sdn", "2024-01-02", str(second.version_id))
        assert len(version_entities(session, first.version_id)) == 3
    assert [e.entity_id for e in added] == ["us-ofac-sdn-400"]
    assert [e.entity_id for e in removed] == ["us-ofac-sdn-300"]
    assert [e.entity_id for e in modified] == ["us-ofac-sdn-100"]
    assert (doc["added"], doc["removed"], doc["modified"]) == (1, 1, 1)
    (change,) = [c for c in doc["changes"] if c["change"] == "modified"]
    assert change["fields"]["swiftBic"] == {"old": ["EXTRIRTH"], "new": ["EXTRIRTX"]}


def test_older_snapshot_loaded_later_does_not_become_current(sqlite_db: Database, tmp_path: Path) -> None:
    (newer,) = _load(sqlite_db, _modified_copy(tmp_path), published=None)
    (older,) = _load(sqlite_db, OFAC_SET, published="2023-06-30")
    with sqlite_db.session() as session:
        assert current_versions(session)["us-ofac-sdn"]["version"] == newer.version_id
        assert get_entity(session, "us-ofac-sdn-300").version["version"] == older.version_id
        with pytest.raises(NotFound):
            get_entity(session, "us-ofac-sdn-999")


def test_api_versions_entity_and_diff(sqlite_db: Database, tmp_path: Path) -> None:
    from auth_support import api_client

    (first,) = _load(sqlite_db, OFAC_SET)
    (second,) = _load(sqlite_db, _modified_copy(tmp_path), published=None)
    with api_client(sqlite_db, "viewer") as client:
        status = client.get("/api/v1/lists").json()["lists"]
        versions = client.get("/api/v1/lists/versions", params={"name": "us-ofac-sdn"}).json()["versions"]
        entity = client.get("/api/v1/lists/entities/us-ofac-sdn-200").json()
        old = client.get("/api/v1/lists/entities/us-ofac-sdn-300", params={"version": first.version_id})
        missing = client.get("/api/v1/lists/entities/us-ofac-sdn-300", params={"version": second.version_id})
        diff = client.get("/api/v1/lists/us-ofac-sdn/diff", params={"from": "2024-01-02", "to": "2024-02-01"}).json()
        bad = client.get("/api/v1/lists/us-ofac-sdn/diff", params={"from": "last tuesday"})
    assert [(row["name"], row["version"]) for row in status] == [("us-ofac-sdn", second.version_id)]
    assert [v["version"] for v in versions] == [first.version_id, second.version_id]
    assert entity["entity"]["caption"] == "John Michael DOE"
    assert entity["source_record"]["sdn_name"] == "DOE, John Michael"
    assert old.status_code == 200 and missing.status_code == 404
    assert (diff["added"], diff["removed"], diff["modified"]) == (1, 1, 1)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["detail"]
