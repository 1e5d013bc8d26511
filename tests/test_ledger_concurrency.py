"""Many writers at once, threads and processes, on SQLite and PostgreSQL: one chain, no lost record."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from sqlalchemy import func, select

from dualcheck.db.engine import Database
from dualcheck.ledger import append, verify
from dualcheck.ledger.models import LedgerCheckpoint, LedgerRecord
from ledger_support import ledger_env

__all__ = ["ledger_env"]

PER_WRITER = 15


def _write(url: str, writer: int) -> None:
    db = Database(url)
    try:
        for i in range(PER_WRITER):
            with db.write_session() as s:
                append(s, "test.concurrent", {"writer": writer, "i": i}, actor=f"w{writer}", subject=f"w{writer}")
    finally:
        db.dispose()


def _check(db: Database, writers: int) -> None:
    with db.session() as s:
        result = verify(s)
        per_writer = dict(s.execute(select(LedgerRecord.subject, func.count()).group_by(LedgerRecord.subject)).all())
        checkpoints = s.execute(select(func.count()).select_from(LedgerCheckpoint)).scalar_one()
    assert result.ok, result.summary()
    assert result.records == writers * PER_WRITER
    assert per_writer == {f"w{w}": PER_WRITER for w in range(writers)}
    assert checkpoints == writers * PER_WRITER // 10
    assert result.checkpoints == checkpoints


def test_threads(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    ledger_env.setenv("DUALCHECK_LEDGER_CHECKPOINT_EVERY", "10")
    threads = [threading.Thread(target=_write, args=(any_db.url, w)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _check(any_db, 6)


def test_processes(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    ledger_env.setenv("DUALCHECK_LEDGER_CHECKPOINT_EVERY", "10")
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no shared engine or key cache
    procs = [ctx.Process(target=_write, args=(any_db.url, w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    _check(any_db, 3)
