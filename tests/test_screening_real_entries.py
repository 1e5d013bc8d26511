"""Names a new user types, screened against the real OFAC SDN and EU lists: transliteration
variants (x / ks), words glued or split, sector words (Air / Airlines), an acronym in brackets;
and queries as clients write them (dates in any unambiguous form, no schema)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.lists.loader import load_paths
from dualcheck.screening.dates import BadDate, clean_date
from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.service import build_index
from dualcheck.screening.subjects import query_subject

pytestmark = pytest.mark.xdist_group("screening-real-entries")

SDN = ("lists", "ofac_sdn", "sdn_2024-05-03.csv")
EU = ("lists", "eu", "eu_fsf_names_derived_2025-05.csv")


@pytest.fixture(scope="module")
def index(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> ScreeningIndex:
    path = tmp_path_factory.mktemp("real-entries") / "db.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    load_paths(db, [data_dir.joinpath(*SDN), data_dir.joinpath(*EU)], actor="test", workers=1)
    with db.session() as session:
        built = build_index(session)
    db.dispose()
    return built


def _best(index: ScreeningIndex, name: str, list_name: str, caption: str, **query: str) -> float:
    hits = index.search(query_subject(name, **query), 0.0, limit=50)
    scores = [h.score for h in hits if h.entity.list_name == list_name and h.entity.caption == caption]
    return max(scores, default=0.0)


@pytest.mark.parametrize(("query", "list_name", "caption"), [
    ("Rosoboronexport", "us-ofac-sdn", "ROSOBORONEKSPORT OAO"),         # x / ks
    ("Rosoboroneksport", "eu-fsf", "JSC ROSOBORONEXPORT"),             # ks / x
    ("JSC Rosoboron Export", "eu-fsf", "JSC ROSOBORONEXPORT"),         # split word
    ("Rosoboron Export", "us-ofac-sdn", "ROSOBORONEKSPORT OAO"),       # split word and x / ks
    ("Rosoboronexport OJSC (ROE)", "us-ofac-sdn", "ROSOBORONEKSPORT OAO"),  # acronym in brackets
    ("Mahan Airlines", "us-ofac-sdn", "MAHAN AIR"),                    # sector word
    ("Mahan Airways", "eu-fsf", "ماهان ایر"),
])
def test_real_entries_are_found_at_the_default_threshold(index: ScreeningIndex, query: str, list_name: str,
                                                         caption: str) -> None:
    threshold = index.scorer.config.threshold
    for schema in (None, "Organization", "Company"):
        kwargs = {"schema": schema} if schema else {}
        assert _best(index, query, list_name, caption, **kwargs) >= threshold, (query, schema)


def test_other_companies_sharing_a_sector_word_stay_apart(index: ScreeningIndex) -> None:
    # the sector word counts as one word: "Mahan Airlines" is not every airline on the list
    hits = index.search(query_subject("Mahan Airlines"), index.scorer.config.threshold, limit=50)
    assert hits and all("MAHAN" in h.entity.caption.upper() or "ماهان" in h.entity.caption for h in hits)
    assert _best(index, "Iran Air Tour", "us-ofac-sdn", "MAHAN AIR") < 0.5


def test_a_person_is_found_without_a_schema(index: ScreeningIndex) -> None:
    listed = next(e for e in index if e.list_name == "us-ofac-sdn" and e.schema == "Person"
                  and e.birth_dates and len(e.caption.split()) >= 2)
    plain = _best(index, listed.caption, "us-ofac-sdn", listed.caption)
    assert plain >= 0.99
    assert _best(index, listed.caption, "us-ofac-sdn", listed.caption, schema="Person") >= 0.99


@pytest.mark.parametrize(("written", "iso"), [
    ("1969-7-16", "1969-07-16"), ("16.07.1969", "1969-07-16"), ("1969/07/16", "1969-07-16"),
    ("July 1969", "1969-07"), ("16 July 1969", "1969-07-16"), ("Jul 16, 1969", "1969-07-16"),
    ("07/16/1969", "1969-07-16"), ("16/07/1969", "1969-07-16"), ("05/05/1969", "1969-05-05"),
    ("19690716", "1969-07-16"), ("1969", "1969"), ("00/00/1969", "1969"), ("16. Juli 1969", "1969-07-16"),
])
def test_unambiguous_dates_become_iso(written: str, iso: str) -> None:
    assert clean_date(written) == iso
    assert query_subject("Ivan Petrov", birth_date=written).birth_dates == (iso,)


@pytest.mark.parametrize(("written", "why"), [
    ("05/06/1969", "reads as 1969-06-05 or 1969-05-06"), ("1969-02-30", "no day 1969-02-30"),
    ("31.04.1970", "no day 1970-04-31"), ("next year", "not a date"),
])
def test_ambiguous_or_impossible_dates_are_refused_with_the_field(written: str, why: str) -> None:
    with pytest.raises(BadDate, match=why):
        query_subject("Ivan Petrov", birth_date=written)
    with pytest.raises(BadInput, match="birth_date"):
        query_subject("Ivan Petrov", birth_date=written)


def test_a_bench_file_skips_and_counts_rows_with_unreadable_dates(tmp_path: Path) -> None:
    from dualcheck.screening.evaluate import read_queries

    path = tmp_path / "queries.csv"
    path.write_text("full_name,date_of_birth\nIvan Petrov,1969-7-16\nOleg Sidorov,05/06/1969\n"
                    "Anna Smirnova,16.07.1969\nPetr Volkov,1969-02-30\n", encoding="utf-8")
    read = read_queries(path)
    assert [q.birth_dates for q, _ in read.rows] == [("1969-07-16",), ("1969-07-16",)]
    assert len(read.skipped) == 2
    assert "row 3, field date_of_birth" in read.skipped[0] and "reads as" in read.skipped[0]
    assert "row 5, field date_of_birth" in read.skipped[1] and "no day 1969-02-30" in read.skipped[1]


def test_a_counterparty_file_skips_rows_with_unreadable_dates(sqlite_db: Database, tmp_path: Path) -> None:
    from dualcheck.screening.counterparties import import_file, parse_mapping

    path = tmp_path / "parties.csv"
    path.write_text("ref,name,birth_date\nC-1,Ivan Petrov,16.07.1969\nC-2,Oleg Sidorov,05/06/1969\n"
                    "C-3,Anna Smirnova,July 1969\n", encoding="utf-8")
    summary = import_file(sqlite_db, path, mapping=parse_mapping(None), actor="officer")
    assert (summary["rows"], summary["created"], summary["skipped"]) == (2, 2, 1)
    assert summary["skipped_rows"][0].startswith("parties.csv: row 3, field birth_date: '05/06/1969' reads as")
