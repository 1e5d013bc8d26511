"""Decisions and delta re-screening end to end on two real OFAC SDN snapshots (2023-12-28 -> 2024-05-01)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dualcheck.db.engine import Database
from dualcheck.lists.loader import load_paths
from dualcheck.lists.store import changed_entities
from dualcheck.screening import get_index, screen_parties
from dualcheck.screening.counterparties import import_file, parse_mapping
from dualcheck.screening.decisions import record_decision
from dualcheck.screening.runs import delta_index, latest_change, run_hits, run_screening
from dualcheck.screening.service import forget_indexes

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("screening_sdn")]


def _caption_owner(index, entity_id):  # type: ignore[no-untyped-def]
    return next(e for e in index if e.entity_id == entity_id)


def test_delta_rescreening_and_stale_decisions_on_sdn_snapshots(sqlite_db: Database, data_dir: Path,
                                                                 tmp_path: Path) -> None:
    sdn = data_dir / "lists" / "ofac_sdn"
    forget_indexes()
    load_paths(sqlite_db, [sdn / "sdn_2023-12-28.csv"], actor="test", workers=1)
    # know which entries the next snapshot adds and modifies (the data README: 1,249 / 104 / 48)
    load_paths(sqlite_db, [sdn / "sdn_2024-05-01.csv"], actor="test", workers=1)
    old, new = latest_change(sqlite_db, "us-ofac-sdn")
    with sqlite_db.session() as session:
        added, removed, modified = changed_entities(session, "us-ofac-sdn", old, new)
    assert (len(added), len(removed), len(modified)) == (1249, 104, 48)
    person_added = next(e for e in added if e.schema == "Person" and len(e.caption.split()) >= 3)
    changed_person = next(e for e in modified if e.schema == "Person"
                          and e.properties.get("name") and len(e.caption.split()) >= 2)

    # screen the master as it was when 2023-12-28 was current: make the older version current again
    # by loading into a fresh database only the older snapshot
    forget_indexes()
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    from dualcheck.db.migrate import upgrade
    upgrade(fresh)
    load_paths(fresh, [sdn / "sdn_2023-12-28.csv"], actor="test", workers=1)
    master = tmp_path / "master.csv"
    with master.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ref", "name", "schema"])
        writer.writerow(["K-1", person_added.caption.upper(), "Person"])
        writer.writerow(["K-2", changed_person.caption, "Person"])
        writer.writerow(["K-3", "Blue Harbour Logistics GmbH", "Organization"])
    import_file(fresh, master, mapping=parse_mapping(None), actor="officer")
    index = get_index(fresh)
    batch = run_screening(fresh, index, kind="batch", actor="officer")
    with fresh.session() as session:
        first = {(h["counterparty_ref"], h["entity_id"]) for h in run_hits(session, batch["id"])}
    assert ("K-2", changed_person.entity_id) in first
    assert not any(ref == "K-1" and eid == person_added.entity_id for ref, eid in first)
    assert not any(ref == "K-3" for ref, _ in first)
    with fresh.write_session() as session:
        record_decision(session, party_name=changed_person.caption, country=None, list_name="us-ofac-sdn",
                        entity_id=changed_person.entity_id, status="cleared", reason="different date of birth",
                        actor="officer")
    with fresh.session() as session:
        [before] = screen_parties(index, [{"name": changed_person.caption, "schema": "Person"}], session=session)
    hit = next(h for h in before.hits if h["entity_id"] == changed_person.entity_id)
    assert hit["decision"]["in_force"] and not hit["open"]

    # the new snapshot arrives: delta re-screening finds the added person as a new hit
    load_paths(fresh, [sdn / "sdn_2024-05-01.csv"], actor="test", workers=1)
    forget_indexes()
    index = get_index(fresh)
    old, new = latest_change(fresh, "us-ofac-sdn")
    delta, details = delta_index(fresh, index.scorer, "us-ofac-sdn", old, new)
    assert (details["added"], details["modified"]) == (1249, 48) and len(delta) < len(index) / 10
    run = run_screening(fresh, delta, kind="delta", actor="officer", details=details)
    with fresh.session() as session:
        hits = {(h["counterparty_ref"], h["entity_id"]): h for h in run_hits(session, run["id"])}
    assert hits[("K-1", person_added.entity_id)]["is_new"]
    assert not hits[("K-2", changed_person.entity_id)]["is_new"]
    assert not any(ref == "K-3" for ref, _ in hits)

    # and the cleared hit on the modified entry comes back, saying what changed
    with fresh.session() as session:
        [after] = screen_parties(index, [{"name": changed_person.caption, "schema": "Person"}], session=session)
    hit = next(h for h in after.hits if h["entity_id"] == changed_person.entity_id)
    assert hit["open"] and hit["decision"]["entity_changed"] and hit["decision"]["changes"]
    fresh.dispose()
    forget_indexes()
