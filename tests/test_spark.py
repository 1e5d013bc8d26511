"""The Spark engine on local[2] gives the built-in batch's hits, row by row, on real OFAC SDN data:
a batch of generated counterparties, the same master as a file (with malformed rows, reported and
skipped), and delta re-screening after a new list version."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cli_support import run_cli
from dualcheck import ledger
from dualcheck.db.engine import Database
from dualcheck.ledger.models import LedgerRecord
from dualcheck.lists.loader import load_paths
from dualcheck.lists.store import changed_entities
from dualcheck.screening.runs import latest_change, run_hits
from dualcheck.screening.service import forget_indexes, get_index
from dualcheck.spark.bench import generate_rows
from dualcheck.spark.session import spark_session

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

ROWS = 3000
SPARK = ("--engine", "spark", "--master", "local[2]")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local[2] session for the whole test session: every command below reuses it."""
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def _fresh_indexes() -> Iterator[None]:
    forget_indexes()
    yield
    forget_indexes()


def _write_master(path: Path, rows: list[tuple[str, ...]], extra: list[list[str]] | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "schema", "country", "birth_date"])
        writer.writerows(rows)
        writer.writerows(extra or [])


def _hits(db: Database, run_id: int) -> list[tuple[Any, ...]]:
    with db.session() as session:
        return sorted((h["counterparty_ref"], h["list"], h["entity_id"], h["score"], h["matched_name"],
                       json.dumps(h["explanation"], sort_keys=True)) for h in run_hits(session, run_id))


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, Any], str]:
    code, out, err = run_cli(capsys, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out), err


def _load(db: Database, path: Path) -> None:
    load_paths(db, [path], actor="test", workers=1)
    forget_indexes()


def test_spark_gives_the_built_in_batch_hits_for_stored_counterparties_and_files(  # type: ignore[no-untyped-def]
        spark, sqlite_db: Database, settings_for, capsys, data_dir: Path, tmp_path: Path) -> None:
    settings_for(sqlite_db)
    _load(sqlite_db, data_dir / "lists" / "ofac_sdn" / "sdn_2024-05-01.csv")
    rows = list(generate_rows(ROWS, get_index(sqlite_db), seed=11))
    master = tmp_path / "master.csv"
    _write_master(master, rows)
    code, _, err = run_cli(capsys, "counterparties", "import", str(master), "--map", "ref=id")
    assert code == 0, err

    builtin, _ = _cli_json(capsys, "counterparties", "screen", "--workers", "1")
    on_spark, _ = _cli_json(capsys, "counterparties", "screen", *SPARK)
    expected = _hits(sqlite_db, builtin["id"])
    assert len(expected) > 50  # the generated master has listed names among the invented ones
    assert _hits(sqlite_db, on_spark["id"]) == expected  # same hits, scores, matched names and explanations
    assert on_spark["details"]["engine"] == "spark" and on_spark["details"]["master"] == "local[2]"
    assert (on_spark["screened"], on_spark["hits"], on_spark["new_hits"]) == (ROWS, len(expected), 0)

    # the same master as a file, with malformed rows among the good ones: reported, skipped, the run goes on
    bad = [["B-1", "", "Person", "", ""], ["B-2", "Ivan Petrov", "Person", "", "31/02/1970"],
           ["B-3", "Acme Export", "Starship", "", ""]]
    with_bad = tmp_path / "master_with_bad_rows.csv"
    _write_master(with_bad, rows[:1000], [*bad, *[list(r) for r in rows[1000:]]])
    out = tmp_path / "hits.parquet"
    filed, err = _cli_json(capsys, "spark", "screen", str(with_bad), str(out), "--master", "local[2]")
    assert "master_with_bad_rows.csv: row 1002, field name" in err
    assert "row 1003, field birth_date" in err and "row 1004, field schema" in err
    given = filed["details"]["input"]
    assert (given["rows"], given["rejected"], filed["screened"]) == (ROWS + 3, 3, ROWS)
    assert [r["id"] for r in given["rejected_rows"]] == ["B-1", "B-2", "B-3"]

    written = spark.read.parquet(str(out))
    assert {"id", "score", "list", "entity_id", "explanation", "configuration_version", "list_versions"} <= set(
        written.columns)
    from_file = sorted((r.id, r.list, r.entity_id, r.score, r.matched_name,
                        json.dumps(json.loads(r.explanation), sort_keys=True)) for r in written.collect())
    assert from_file == expected
    assert filed["details"]["output"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert filed["details"]["input"]["sha256"] == hashlib.sha256(with_bad.read_bytes()).hexdigest()
    # one stored run: its hits are in the review queue as the batch's are (already seen: none new)
    assert _hits(sqlite_db, filed["id"]) == expected and filed["new_hits"] == 0
    with sqlite_db.session() as session:
        records = [r for r in session.execute(select(LedgerRecord).where(LedgerRecord.kind == "screening.run"))
                   .scalars()]
        assert ledger.verify(session).ok
    recorded = json.loads(records[-1].payload)
    assert recorded["details"]["output"]["sha256"] == filed["details"]["output"]["sha256"]
    assert recorded["list_versions"] == builtin["list_versions"] and recorded["screened"] == ROWS

    # a file without the columns the contract names is refused with one line naming it
    headless = tmp_path / "no_name.csv"
    headless.write_text("id,company\n1,Acme\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "spark", "screen", str(headless), str(tmp_path / "x.parquet"),
                           "--master", "local[2]")
    assert code == 2 and "no_name.csv: header: missing column 'name'" in err
    assert not (tmp_path / "x.parquet").exists()


def test_delta_rescreening_on_spark_gives_the_new_hits_of_rescreen_delta(  # type: ignore[no-untyped-def]
        spark, sqlite_db: Database, settings_for, capsys, data_dir: Path, tmp_path: Path) -> None:
    settings_for(sqlite_db)
    sdn = data_dir / "lists" / "ofac_sdn"
    _load(sqlite_db, sdn / "sdn_2023-12-28.csv")
    _load(sqlite_db, sdn / "sdn_2024-05-01.csv")
    old, new = latest_change(sqlite_db, "us-ofac-sdn")
    with sqlite_db.session() as session:
        added, _, modified = changed_entities(session, "us-ofac-sdn", old, new)
    rng = random.Random(5)
    changed = rng.sample([e.caption for e in (*added, *modified) if len(e.caption.split()) > 1], 40)
    rows = list(generate_rows(1500, get_index(sqlite_db), seed=3))
    rows += [(f"D-{i}", name.upper() if i % 2 else name, "", "", "") for i, name in enumerate(changed)]
    master = tmp_path / "master.csv"
    _write_master(master, rows)
    code, _, err = run_cli(capsys, "counterparties", "import", str(master), "--map", "ref=id")
    assert code == 0, err

    builtin, _ = _cli_json(capsys, "rescreen", "delta", "us-ofac-sdn", "--workers", "1")
    on_spark, _ = _cli_json(capsys, "rescreen", "delta", "us-ofac-sdn", *SPARK)
    expected = _hits(sqlite_db, builtin["id"])
    assert sum(ref.startswith("D-") for ref, *_ in expected) >= 35  # the changed entries are found
    assert _hits(sqlite_db, on_spark["id"]) == expected
    assert on_spark["kind"] == "delta" and on_spark["details"]["added"] == builtin["details"]["added"] == 1249

    out = tmp_path / "delta.parquet"
    filed, _ = _cli_json(capsys, "spark", "rescreen", "us-ofac-sdn", str(master), str(out), "--master", "local[2]")
    assert filed["kind"] == "delta" and filed["list_versions"] == {"us-ofac-sdn": new}
    assert sorted((r.id, r.entity_id, r.score) for r in spark.read.parquet(str(out)).collect()) == sorted(
        (ref, entity, score) for ref, _, entity, score, _, _ in expected)


PICKLE_ROUND_TRIP = """
import json, pickle, sys
from dualcheck import _compiled
from dualcheck.screening.subjects import query_subject
with open(sys.argv[1], "rb") as fh:
    index = pickle.load(fh)
hits = [[h.entity.entity_id, round(h.score, 4)] for name in sys.argv[3:] for h in index.search(query_subject(name))]
with open(sys.argv[2], "wb") as fh:
    pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
print(json.dumps({"hits": hits, "implementation": _compiled.implementation()}))
"""


def test_a_pickled_index_loads_in_the_compiled_and_the_pure_python_modules(sqlite_db: Database,
                                                                            tmp_path: Path) -> None:
    """Executors may run the compiled modules or their source: the broadcast index loads in both."""
    import os
    import pickle
    import subprocess
    import sys

    from dualcheck import _compiled
    from dualcheck.screening.subjects import query_subject

    _load(sqlite_db, Path(__file__).parent / "fixtures" / "screening" / "parties_2025-01-01.ftm.json")
    index = get_index(sqlite_db)
    names = ["Ivan Petrov", "Golden Crescent Trading LLC", "Blue Harbour Logistics GmbH"]
    mine = [[h.entity.entity_id, round(h.score, 4)] for n in names for h in index.search(query_subject(n))]
    assert mine
    shipped, back = tmp_path / "index.pickle", tmp_path / "back.pickle"
    shipped.write_bytes(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    other = "" if os.environ.get(_compiled.PURE_ENV) else "1"  # the other implementation than this process's
    done = subprocess.run([sys.executable, "-c", PICKLE_ROUND_TRIP, str(shipped), str(back), *names],
                          env={**os.environ, _compiled.PURE_ENV: other}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["hits"] == mine
    assert result["implementation"] == ("python" if other else "compiled")
    returned = pickle.loads(back.read_bytes())
    assert [[h.entity.entity_id, round(h.score, 4)] for n in names for h in returned.search(query_subject(n))] == mine
