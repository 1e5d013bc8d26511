"""Crash safety: a real process killed with SIGKILL in the middle of a list load, a counterparty
batch and a run of licence decrements. After the restart nothing is half-written, `dualcheck
ledger verify` passes, and the licence balances are exactly what the recorded uses say."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import func, select

from dualcheck.db.engine import Database
from dualcheck.ledger.models import LedgerRecord
from dualcheck.lists.loader import load_paths
from licences_support import FIXTURES as LICENCE_FIXTURES

SCREENING = Path(__file__).parent / "fixtures" / "screening"
WAIT_SECONDS = 120


def _env(db: Database, home: Path) -> dict[str, str]:
    return {**os.environ, "DUALCHECK_HOME": str(home), "DUALCHECK_DATABASE_URL": db.url,
            "DUALCHECK_ACTOR": "crash-test", "PYTHONUNBUFFERED": "1"}


def _cli(db: Database, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dualcheck", *args], env=_env(db, home), capture_output=True,
                          text=True, timeout=WAIT_SECONDS)


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool]) -> None:
    """SIGKILL the process once ``ready()`` says it is in the middle of its work; it must still be running."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        assert proc.poll() is None, f"finished before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "the work never started"
        time.sleep(0.02)
    assert proc.poll() is None, "finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def _wal_over(db: Database, size: int) -> Callable[[], bool]:
    """True once the SQLite write-ahead log holds that much uncommitted or uncheckpointed work."""
    wal = Path(str(db.url).removeprefix("sqlite:///") + "-wal")
    return lambda: wal.exists() and wal.stat().st_size > size


def _ledger_verifies(db: Database, home: Path) -> int:
    """`dualcheck ledger verify` in a fresh process (the restart); the number of records."""
    r = _cli(db, home, "ledger", "verify")
    assert r.returncode == 0, r.stdout + r.stderr
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(LedgerRecord)).scalar_one())


def _spawn(db: Database, home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], env=_env(db, home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_killed_list_load_leaves_no_partial_version(sqlite_db: Database, tmp_path: Path, data_dir: Path) -> None:
    from dualcheck.lists.models import ListEntityRow, ListVersion

    sdn = str(data_dir / "lists" / "ofac_sdn" / "sdn_2021-08-18.csv")
    load_paths(sqlite_db, [SCREENING / "parties_2025-01-01.ftm.json"], actor="test", workers=1)
    before = _ledger_verifies(sqlite_db, tmp_path)
    with sqlite_db.session() as s:
        versions_before = s.execute(select(func.count()).select_from(ListVersion)).scalar_one()
        rows_before = s.execute(select(func.count()).select_from(ListEntityRow)).scalar_one()

    proc = _spawn(sqlite_db, tmp_path, "-m", "dualcheck", "lists", "load", sdn)
    _kill_when(proc, _wal_over(sqlite_db, 500_000))

    assert _ledger_verifies(sqlite_db, tmp_path) == before
    with sqlite_db.session() as s:
        assert s.execute(select(func.count()).select_from(ListVersion)).scalar_one() == versions_before
        assert s.execute(select(func.count()).select_from(ListEntityRow)).scalar_one() == rows_before
    # and the same load, run again, completes: the crash left nothing in its way
    r = _cli(sqlite_db, tmp_path, "lists", "load", sdn)
    assert r.returncode == 0, r.stderr
    with sqlite_db.session() as s:
        loaded = s.execute(select(ListVersion).where(ListVersion.list_name == "us-ofac-sdn")).scalars().one()
        stored = s.execute(select(func.count()).select_from(ListEntityRow)
                           .where(ListEntityRow.version_id == loaded.id)).scalar_one()
        assert stored == loaded.entity_count > 1000
    assert _ledger_verifies(sqlite_db, tmp_path) > before


def test_killed_counterparty_batch_writes_nothing(sqlite_db: Database, tmp_path: Path) -> None:
    from dualcheck.screening.models import Counterparty

    load_paths(sqlite_db, [SCREENING / "parties_2025-01-01.ftm.json"], actor="test", workers=1)
    before = _ledger_verifies(sqlite_db, tmp_path)
    master = tmp_path / "master.csv"
    with master.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ref", "name", "country"])
        writer.writerows([f"C-{i:06d}", f"Customer Number {i} Trading Limited", "DE"] for i in range(60_000))

    proc = _spawn(sqlite_db, tmp_path, "-m", "dualcheck", "counterparties", "import", str(master))
    _kill_when(proc, _wal_over(sqlite_db, 1_000_000))

    assert _ledger_verifies(sqlite_db, tmp_path) == before
    with sqlite_db.session() as s:
        assert s.execute(select(func.count()).select_from(Counterparty)).scalar_one() == 0


# a child process charging one shipment after another to the same licence line, one transaction each
DECREMENTS = """
import json, sys
from dualcheck.config import get_settings
from dualcheck.db.engine import get_database
from dualcheck.licences.usage import use_for_transaction
import datetime as dt
db = get_database(get_settings())
tx = json.loads(sys.argv[1])
for i in range(100_000):
    tx["id"] = f"TX-CRASH-{i}"
    with db.write_session() as session:
        use_for_transaction(session, tx, as_of=dt.date(2026, 3, 1), actor="crash-test", mode="consume")
    print(i, flush=True)
"""


def test_killed_licence_decrements_keep_balances_and_ledger(any_db: Database, tmp_path: Path) -> None:
    from dualcheck.licences.master import parse_licence, store_licence
    from dualcheck.licences.reports import licence_document

    with any_db.write_session() as s:
        for doc in yaml.safe_load((LICENCE_FIXTURES / "licences.yaml").read_text())["licences"]:
            store_licence(s, parse_licence(doc), actor="test")
    tx = json.loads((LICENCE_FIXTURES / "transaction.json").read_text())
    tx["items"] = [{**tx["items"][1], "quantity": 10}]  # 10 g of fibre against the 50 kg line
    committed = 0

    proc = _spawn(any_db, tmp_path, "-c", DECREMENTS, json.dumps(tx))

    def enough() -> bool:
        nonlocal committed
        assert proc.stdout is not None
        committed += bool(proc.stdout.readline())
        return committed >= 30

    _kill_when(proc, enough)

    records = _ledger_verifies(any_db, tmp_path)
    with any_db.session() as s:
        uses = s.execute(select(LedgerRecord.subject).where(LedgerRecord.kind == "licence.use")).scalars().all()
        line = licence_document(s, "TEST-IND-0001")["lines"][1]
    assert records > 0 and len(uses) == len(set(uses)) >= committed
    # every recorded use charged exactly its 10 g, and nothing was charged without its record
    used = Decimal(str(line["quantity"]["used"]))
    assert used * (1000 if line["quantity"].get("unit", "kg") == "kg" else 1) == 10 * len(uses), line
