"""`dualcheck db backup` and `db restore` on SQLite and PostgreSQL: the ledger verifies afterwards."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cli_support import run_cli
from dualcheck.db.engine import Database
from dualcheck.ledger import append, verify
from dualcheck.ledger.models import LedgerRecord
from dualcheck.screening.counterparties import upsert_counterparty
from dualcheck.screening.models import Counterparty


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return (s.execute(select(func.count()).select_from(LedgerRecord)).scalar_one(),
                s.execute(select(func.count()).select_from(Counterparty)).scalar_one())


def test_backup_and_restore_keep_a_verifiable_ledger(any_db: Database, settings_for: Any, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(any_db)
    with any_db.write_session() as s:
        upsert_counterparty(s, {"ref": "C-1", "name": "Acme Trading"}, actor="test")
        for i in range(5):
            append(s, "test.event", {"i": i}, actor="test", subject=f"tx-{i}")
    before = _counts(any_db)
    out = tmp_path / "backups" / "dualcheck.backup"
    code, _, err = run_cli(capsys, "db", "backup", str(out))
    assert code == 0, err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    code, _, err = run_cli(capsys, "db", "backup", str(out))
    assert code == 2 and "exists already" in err
    with any_db.write_session() as s:  # work done after the backup is undone by the restore
        upsert_counterparty(s, {"ref": "C-2", "name": "Later Ltd"}, actor="test")
        append(s, "test.event", {"i": 99}, actor="test")
    assert _counts(any_db) == (before[0] + 2, 2)
    code, _, err = run_cli(capsys, "db", "restore", str(out))
    assert code == 0, err
    assert _counts(any_db) == before
    code, verified, err = run_cli(capsys, "ledger", "verify")
    assert code == 0 and str(before[0]) in verified, err
    with any_db.write_session() as s:  # the restored chain goes on
        append(s, "test.event", {"i": 100}, actor="test")
    with any_db.session() as s:
        assert verify(s).ok
    bogus = tmp_path / "not-a-backup"
    bogus.write_text("hello")
    code, _, err = run_cli(capsys, "db", "restore", str(bogus))
    assert code == 2 and "not-a-backup" in err and err.count("\n") == 1
    assert _counts(any_db) == (before[0] + 1, 1)
