"""Several appends in one transaction (a check's record, then its hold's) reuse the locked chain head:
the chain, the head row, the head object in the session and the checkpoints must all still agree."""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import select

from dualcheck.db.engine import Database
from dualcheck.ledger import append, verify
from dualcheck.ledger.models import LedgerCheckpoint, LedgerHead, LedgerRecord
from dualcheck.licences.settings import hold_settings, reset_hold_settings_cache
from ledger_support import ledger_env

__all__ = ["ledger_env"]


def test_appends_in_one_transaction_chain_and_checkpoint(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    ledger_env.setenv("DUALCHECK_LEDGER_CHECKPOINT_EVERY", "3")
    with any_db.write_session() as s:
        first = append(s, "test.one", {"i": 1}, actor="tester", subject="tx-1")
    with any_db.write_session() as s:
        records = [append(s, "test.many", {"i": i}, actor="tester", subject="tx-2") for i in range(5)]
        head = s.get(LedgerHead, 1)
        assert head is not None and (head.seq, head.hash) == (records[-1].seq, records[-1].hash)
        # The checkpoint signed inside the transaction saw the head as it was after record 3.
        checkpoint = s.get(LedgerCheckpoint, 3)
        assert checkpoint is not None and checkpoint.head_hash == records[1].hash
    assert [r.seq for r in records] == [2, 3, 4, 5, 6]
    assert records[0].prev_hash == first.hash
    assert all(b.prev_hash == a.hash for a, b in pairwise(records))
    with any_db.session() as s:
        head = s.get(LedgerHead, 1)
        assert head is not None and (head.seq, head.hash) == (6, records[-1].hash)
        stored = s.execute(select(LedgerRecord.seq, LedgerRecord.hash).order_by(LedgerRecord.seq)).all()
        assert [tuple(r) for r in stored] == [(first.seq, first.hash), *((r.seq, r.hash) for r in records)]
        result = verify(s)
        assert result.ok and result.records == 6 and result.checkpoints == 2


def test_rolled_back_appends_leave_no_trace(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    with any_db.write_session() as s:
        append(s, "test.one", {"i": 1}, actor="tester")
    with pytest.raises(RuntimeError), any_db.write_session() as s:
        append(s, "test.lost", {"i": 2}, actor="tester")
        append(s, "test.lost", {"i": 3}, actor="tester")
        raise RuntimeError("the decision failed")
    with any_db.write_session() as s:
        again = append(s, "test.two", {"i": 2}, actor="tester")
    assert again.seq == 2
    with any_db.session() as s:
        assert verify(s).ok and verify(s).records == 2


def test_hold_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_hold_settings_cache()
    monkeypatch.delenv("DUALCHECK_HOLDS_FOUR_EYES", raising=False)
    default = hold_settings()
    assert hold_settings() is default and default.four_eyes_outcomes == {"PROHIBITED"}
    monkeypatch.setenv("DUALCHECK_HOLDS_FOUR_EYES", "PROHIBITED,NEEDS_INFORMATION")
    changed = hold_settings()
    assert changed.four_eyes_outcomes == {"PROHIBITED", "NEEDS_INFORMATION"}
    monkeypatch.setenv("DUALCHECK_HOLDS_OVERRIDE_ROLES", "officer")
    assert hold_settings().roles_for("PROHIBITED") == {"officer"}
    monkeypatch.delenv("DUALCHECK_HOLDS_FOUR_EYES")
    monkeypatch.delenv("DUALCHECK_HOLDS_OVERRIDE_ROLES")
    assert hold_settings().four_eyes_outcomes == {"PROHIBITED"}
    assert hold_settings().roles_for("PROHIBITED") == {"compliance_manager"}


def test_a_placed_hold_is_complete_at_once(any_db: Database) -> None:
    """Holds placed in the same transaction as other appends: usable before the commit, chain intact."""
    from dualcheck.licences.holds import hold_document, is_held, place_hold

    with any_db.write_session() as s:
        append(s, "check", {"check_id": "c-1"}, actor="tester", subject="TX-B")
        first = place_hold(s, transaction_id="TX-B", check_id="c-1", outcome="NEEDS_INFORMATION",
                           reasons=[{"detail": "end user unknown"}], actor="tester")
        doc = hold_document(first)
        assert doc["placed_at"] and doc["status"] == "held" and doc["decisions"] == []
        second = place_hold(s, transaction_id="TX-B", check_id="c-2", outcome="LICENCE_REQUIRED", reasons=[],
                            actor="tester")
        assert first.status == "superseded" and second.status == "held" and is_held(s, "TX-B")
    with any_db.session() as s:
        result = verify(s)
        assert result.ok and result.records == 3
