"""Helpers shared by the ledger and licences tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text

from dualcheck.db.engine import Database
from dualcheck.ledger import append
from dualcheck.ledger.keys import forget_keys
from dualcheck.ledger.settings import reset_ledger_settings_cache


@pytest.fixture
def ledger_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Fresh ledger settings and key cache; set DUALCHECK_LEDGER_* through the returned monkeypatch."""
    reset_ledger_settings_cache()
    forget_keys()
    yield monkeypatch
    reset_ledger_settings_cache()
    forget_keys()


def fill(db: Database, n: int, *, subject: str = "tx-{i}", kind: str = "test.event") -> None:
    for i in range(n):
        with db.write_session() as s:
            append(s, kind, {"i": i, "party": "Müller GmbH" if i % 3 == 0 else "Acme"}, actor="tester",
                   subject=subject.format(i=i % 4))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str, actor: str = "tester") -> tuple[int, str, str]:
    """Run the command line in this process (far faster than a subprocess): (exit code, stdout, stderr)."""
    import os

    from dualcheck.cli import main
    from dualcheck.config import reset_settings_cache

    os.environ["DUALCHECK_ACTOR"] = actor  # the autouse fixture gives every test a fresh environment copy
    reset_settings_cache()
    capsys.readouterr()
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def disable_append_only_guard(conn: Connection) -> None:
    """What an attacker who owns the database does first: switch off the append-only triggers."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER IF EXISTS ledger_records_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS ledger_records_no_early_delete"))
    else:
        conn.execute(text("ALTER TABLE ledger_records DISABLE TRIGGER USER"))
