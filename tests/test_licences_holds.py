"""Holds: roles, reasons, four-eyes for PROHIBITED overrides, and every step in the ledger."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.ledger import verify
from dualcheck.ledger.models import LedgerRecord
from dualcheck.licences import holds
from dualcheck.licences.errors import NotPermitted, Refused


def _setup(db: Database, outcome: str) -> str:
    with db.write_session() as s:
        holds.grant_role(s, officer="alice", role="compliance_manager", actor="admin")
        holds.grant_role(s, officer="bob", role="compliance_manager", actor="admin")
        hold = holds.place_hold(s, transaction_id="TX-9", check_id="chk-1", outcome=outcome,
                                reasons=[{"rule": "r", "citation": "c", "detail": "d"}], actor="check")
        return hold.id


def _ledger(db: Database, transaction_id: str = "TX-9") -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with db.session() as s:
        rows = s.execute(select(LedgerRecord).where(LedgerRecord.subject == transaction_id)
                         .order_by(LedgerRecord.seq)).scalars()
        return [(r.kind, json.loads(r.payload)) for r in rows]


def test_prohibited_override_needs_two_different_officers(any_db: Database) -> None:
    hold_id = _setup(any_db, "PROHIBITED")
    with any_db.write_session() as s:
        assert holds.is_held(s, "TX-9")
        # an authenticated officer screens and places holds but does not override a PROHIBITED outcome
        with pytest.raises(NotPermitted, match="may not release a PROHIBITED"):
            holds.release(s, hold_id, actor="carol", role="officer", reason="looks fine", roles=frozenset({"officer"}))
    with any_db.write_session() as s:
        with pytest.raises(NotPermitted, match="does not hold the role"):
            holds.release(s, hold_id, actor="carol", role="compliance_manager", reason="looks fine")
    with any_db.write_session() as s:
        assert holds.release(s, hold_id, actor="alice", role="compliance_manager",
                             reason="licence DE-1 covers it").status == "awaiting_second"
    with any_db.write_session() as s:
        with pytest.raises(NotPermitted, match="four-eyes"):
            holds.release(s, hold_id, actor="alice", role="compliance_manager", reason="again")
    with any_db.write_session() as s:
        hold = holds.release(s, hold_id, actor="bob", role="compliance_manager", reason="agree with alice")
        assert hold.status == "released" and not holds.is_held(s, "TX-9")
    kinds = [k for k, _ in _ledger(any_db)]
    assert kinds == ["hold.place", "hold.release", "hold.release"]
    second = _ledger(any_db)[2][1]
    assert second["first_approval_by"] == "alice" and second["four_eyes"] and second["override"]
    with any_db.session() as s:
        assert verify(s).ok


def test_four_eyes_off_is_recorded_never_silent(any_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCHECK_HOLDS_FOUR_EYES", "")
    hold_id = _setup(any_db, "PROHIBITED")
    with any_db.write_session() as s:
        assert holds.release(s, hold_id, actor="alice", role="compliance_manager", reason="urgent").status == "released"
    record = _ledger(any_db)[-1][1]
    assert record["four_eyes"] is False and record["override"] is True and record["reason"] == "urgent"
    assert record["settings"]["four_eyes"] == []


def test_reject_reasons_and_decided_holds(any_db: Database) -> None:
    hold_id = _setup(any_db, "NEEDS_INFORMATION")
    with any_db.write_session() as s, pytest.raises(BadInput, match="reason"):
        holds.reject(s, hold_id, actor="alice", role="compliance_manager", reason=" ")
    with any_db.write_session() as s:
        assert holds.reject(s, hold_id, actor="alice", role="compliance_manager",
                            reason="end use not credible").status == "rejected"
    with any_db.write_session() as s, pytest.raises(Refused, match="already rejected"):
        holds.release(s, hold_id, actor="bob", role="compliance_manager", reason="changed my mind")


def test_new_check_supersedes_open_hold_and_clearing_outcomes_are_not_held(any_db: Database) -> None:
    first = _setup(any_db, "NEEDS_INFORMATION")
    with any_db.write_session() as s:
        second = holds.place_hold(s, transaction_id="TX-9", check_id="chk-2", outcome="LICENCE_REQUIRED",
                                  reasons=[], actor="check")
        assert holds.get_hold(s, first).status == "superseded"
        assert [h.id for h in holds.list_holds(s)] == [second.id]
        with pytest.raises(BadInput, match="only PROHIBITED"):
            holds.place_hold(s, transaction_id="TX-9", check_id=None, outcome="NO_LICENCE_REQUIRED", reasons=[],
                             actor="check")
    with any_db.write_session() as s:
        # a compliance manager releases a LICENCE_REQUIRED hold alone (no four-eyes by default)
        assert holds.release(s, second.id, actor="alice", role="compliance_manager",
                             reason="licence TEST-IND-0001 charged").status == "released"


def test_hold_roles_are_the_servers_roles(any_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """By default only a compliance manager decides holds; the settings may widen release to officers
    (never PROHIBITED overrides, which keep their own role) and refuse role names the server lacks."""
    from dualcheck.errors import ConfigError
    from dualcheck.licences.settings import hold_settings

    assert hold_settings().as_record() == {"four_eyes": ["PROHIBITED"], "release_roles": ["compliance_manager"],
                                           "override_roles": ["compliance_manager"]}
    officer = {"actor": "olga", "role": "officer", "roles": frozenset({"officer"})}
    hold_id = _setup(any_db, "LICENCE_REQUIRED")
    with any_db.write_session() as s, pytest.raises(NotPermitted, match="role officer may not release"):
        holds.release(s, hold_id, reason="charged", **officer)
    with any_db.write_session() as s, pytest.raises(BadInput, match="'export_control_officer' does not decide"):
        holds.grant_role(s, officer="carol", role="export_control_officer", actor="admin")

    monkeypatch.setenv("DUALCHECK_HOLDS_RELEASE_ROLES", "officer,compliance_manager")
    with any_db.write_session() as s:
        assert holds.release(s, hold_id, reason="licence charged", **officer).status == "released"
        prohibited = holds.place_hold(s, transaction_id="TX-10", check_id=None, outcome="PROHIBITED", reasons=[],
                                      actor="check").id
    with any_db.write_session() as s, pytest.raises(NotPermitted, match="may not release a PROHIBITED"):
        holds.release(s, prohibited, reason="looks fine", **officer)

    monkeypatch.setenv("DUALCHECK_HOLDS_OVERRIDE_ROLES", "compliance_manger")
    with pytest.raises(ConfigError, match=r"DUALCHECK_HOLDS_OVERRIDE_ROLES: .*unknown role compliance_manger"):
        hold_settings()
