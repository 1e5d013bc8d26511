"""Retention: at least five years after the end of the calendar year; never shorter; bench smoke run."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dualcheck.db.engine import Database
from dualcheck.errors import ConfigError
from dualcheck.ledger import verify
from dualcheck.ledger.models import LedgerRecord
from dualcheck.ledger.retention import may_delete, retained_until, retention_status
from dualcheck.ledger.settings import ledger_settings
from ledger_support import disable_append_only_guard, fill, ledger_env

__all__ = ["ledger_env"]


def test_five_years_after_the_end_of_the_calendar_year(ledger_env: pytest.MonkeyPatch) -> None:
    written = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert retained_until(written) == dt.date(2031, 12, 31)
    assert retained_until(dt.date(2026, 12, 31)) == dt.date(2031, 12, 31)
    assert not may_delete(written, dt.date(2031, 12, 31))
    assert may_delete(written, dt.date(2032, 1, 1))
    ledger_env.setenv("DUALCHECK_LEDGER_RETENTION_YEARS", "10")
    from dualcheck.ledger.settings import reset_ledger_settings_cache
    reset_ledger_settings_cache()
    assert retained_until(written) == dt.date(2036, 12, 31)


def test_shorter_than_five_years_is_refused(ledger_env: pytest.MonkeyPatch) -> None:
    ledger_env.setenv("DUALCHECK_LEDGER_RETENTION_YEARS", "4")
    with pytest.raises(ConfigError, match="DUALCHECK_LEDGER_RETENTION_YEARS"):
        ledger_settings()


def test_status_counts_records_past_retention(sqlite_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    fill(sqlite_db, 3)
    with sqlite_db.engine.begin() as conn:  # pretend record 1 was written in 2019
        disable_append_only_guard(conn)
        conn.execute(text("UPDATE ledger_records SET created_at = '2019-06-01 10:00:00.000000' WHERE seq = 1"))
    with sqlite_db.session() as s:
        status = retention_status(s, dt.date(2025, 1, 1))
        assert status["records_past_retention"] == 1 and status["oldest_record_kept_until"] == "2024-12-31"
        assert retention_status(s, dt.date(2024, 12, 31))["records_past_retention"] == 0


def test_database_refuses_updates_and_early_deletes(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    fill(any_db, 2)
    for statement in ("UPDATE ledger_records SET actor = 'someone' WHERE seq = 1",
                      "DELETE FROM ledger_records WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="ledger records"), any_db.engine.begin() as conn:
            conn.execute(text(statement))
    old = dt.datetime(dt.datetime.now(dt.UTC).year - 6, 12, 31, 23, tzinfo=dt.UTC)
    recent = old.replace(year=old.year + 1)
    with any_db.write_session() as s:
        for seq, written in ((100, old), (101, recent)):
            s.add(LedgerRecord(seq=seq, record_id=f"r{seq}", kind="old", actor="a", created_at=written, subject=None,
                               payload="{}", prev_hash="0" * 64, hash=f"{seq:064d}"))
    with any_db.engine.begin() as conn:  # past its retention: the database lets it go
        assert conn.execute(text("DELETE FROM ledger_records WHERE seq = 100")).rowcount == 1
    with pytest.raises(DBAPIError, match="five years"), any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_records WHERE seq = 101"))


def test_bench_ledger_smoke(ledger_env: pytest.MonkeyPatch) -> None:
    from dualcheck.ledger.bench import run_ledger_bench

    ledger_env.setenv("DUALCHECK_LEDGER_CHECKPOINT_EVERY", "25")
    doc = run_ledger_bench(60, 3, None, lambda n: None)
    assert doc["intact"] and doc["checkpoints_verified"] == 2 and doc["export_records"] == 1


def _write_in(monkeypatch: pytest.MonkeyPatch, when: dt.datetime | None) -> None:
    """Let time pass: records and checkpoints written now get ``when`` as their time (None = the real now)."""
    import dualcheck.ledger.chain as chain
    import dualcheck.ledger.checkpoints as checkpoints

    for module in (chain, checkpoints):
        monkeypatch.setattr(module, "utcnow", (lambda: when) if when else (lambda: dt.datetime.now(dt.UTC)))


def test_purge_after_retention_keeps_the_rest_verifiable(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    from dualcheck.ledger.checkpoints import create_checkpoint
    from dualcheck.ledger.export import Selection, export_slice
    from dualcheck.ledger.keys import signing_key
    from dualcheck.ledger.offline import verify_export
    from dualcheck.ledger.retention import purge

    old = dt.datetime(dt.datetime.now(dt.UTC).year - 7, 5, 1, tzinfo=dt.UTC)
    _write_in(ledger_env, old)
    fill(any_db, 5)
    with any_db.write_session() as s:
        create_checkpoint(s)  # signed seven years ago: anchors the purge
    _write_in(ledger_env, None)
    fill(any_db, 3, subject="tx-new")
    today = dt.datetime.now(dt.UTC).date()
    with any_db.write_session() as s:
        assert purge(s, today=today, actor="admin", dry_run=True)["purged"] == 5
    with any_db.write_session() as s:
        assert purge(s, today=today, actor="admin")["purged"] == 5
        assert purge(s, today=today, actor="admin")["purged"] == 0  # nothing older is left
    with any_db.session() as s:
        result = verify(s)
    assert result.ok and result.records == 4 and result.purged == 5, result.summary()
    with any_db.write_session() as s:
        doc = export_slice(s, Selection(subject="tx-new"))
    assert [r["seq"] for r in doc["records"]] == [6, 7, 8]
    assert verify_export(doc, signing_key().public_pem.encode()).ok


def test_deleting_recent_records_is_not_a_purge(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    from dualcheck.ledger.checkpoints import create_checkpoint
    from dualcheck.ledger.retention import purge

    fill(any_db, 4)
    with any_db.write_session() as s:
        create_checkpoint(s)
        assert purge(s, today=dt.datetime.now(dt.UTC).date(), actor="admin")["purged"] == 0
    fill(any_db, 2)
    with any_db.engine.begin() as conn:  # an attacker removes the first four and leaves the checkpoint as "anchor"
        disable_append_only_guard(conn)
        conn.execute(text("DELETE FROM ledger_records WHERE seq <= 4"))
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_seq == 1
    assert result.reason == "records 1..4 are missing: deleted within their retention period"
