"""Stale data never clears anyone silently: a file without a publication date loads only with
--published, and every screening answer names each list's publication date and age, turning a
clear result on a list older than its maximum into a warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dualcheck.config import reset_settings_cache
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.lists.freshness import list_freshness, max_age_days
from dualcheck.lists.loader import load_paths
from dualcheck.lists.store import current_versions
from dualcheck.screening.service import build_index, screen_one
from dualcheck.screening.subjects import query_subject

OFAC_SET = Path(__file__).parent / "fixtures" / "lists" / "ofac_set"  # no date in content or name


def test_a_file_without_a_publication_date_is_refused_and_nothing_is_written(sqlite_db: Database) -> None:
    with pytest.raises(BadInput, match=r"sdn.csv: no publication date in its content or name: load it with "
                                       r"--published YYYY-MM-DD"):
        load_paths(sqlite_db, [OFAC_SET], actor="tester", workers=1)
    with sqlite_db.session() as session:
        assert current_versions(session) == {}
    (result,) = load_paths(sqlite_db, [OFAC_SET], actor="tester", published=dt.date(2024, 1, 2), workers=1)
    assert (result.status, result.published) == ("loaded", "2024-01-02")


def test_setup_skips_an_undated_file_and_says_so(sqlite_db: Database) -> None:
    (result,) = load_paths(sqlite_db, [OFAC_SET], actor="tester", workers=1, skip_undated=True)
    assert result.status.startswith("skipped: no publication date")
    with sqlite_db.session() as session:
        assert current_versions(session) == {}


def test_screening_names_each_lists_age_and_warns_when_a_clear_result_rests_on_a_stale_list(
        sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    load_paths(sqlite_db, [OFAC_SET], actor="tester", published=dt.date(2024, 1, 2), workers=1)
    with sqlite_db.session() as session:
        index = build_index(session)
    doc = screen_one(index, query_subject("Quillmoor Lumetric Instruments"), {"name": "Quillmoor"})
    row = doc["lists"]["us-ofac-sdn"]
    today = dt.datetime.now(dt.UTC).date()
    assert row["published"] == "2024-01-02" and row["age_days"] == (today - dt.date(2024, 1, 2)).days
    assert row["max_age_days"] == 7 and row["stale"] is True
    assert doc["hits"] == [] and doc["outcome"] == "warning"
    assert doc["warnings"] and doc["warnings"][0].startswith("us-ofac-sdn was published 2024-01-02")
    monkeypatch.setenv("DUALCHECK_LIST_MAX_AGE", "us-ofac-sdn=100000")
    reset_settings_cache()
    assert max_age_days("us-ofac-sdn") == 100000 and max_age_days("eu-fsf") == 7
    doc = screen_one(index, query_subject("Quillmoor Lumetric Instruments"), {"name": "Quillmoor"})
    assert doc["outcome"] == "clear" and doc["warnings"] == []


def test_age_is_counted_from_the_publication_date() -> None:
    rows = list_freshness({"un-sc": {"version": 3, "published": "2026-02-27"},
                           "us-csl": {"version": 4, "published": "2026-02-20"}}, dt.date(2026, 3, 6))
    assert rows["un-sc"] == {"version": 3, "published": "2026-02-27", "age_days": 7, "max_age_days": 7,
                             "stale": False}
    assert rows["us-csl"]["age_days"] == 14 and rows["us-csl"]["stale"] is False
    assert list_freshness({"un-sc": {"version": 3, "published": "2026-02-27"}}, dt.date(2026, 3, 7))["un-sc"]["stale"]
