"""Signed checkpoints and Merkle trees: a consistent rewrite of the chain is still caught."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from dualcheck.db.engine import Database
from dualcheck.ledger import verify
from dualcheck.ledger.chain import record_hash
from dualcheck.ledger.checkpoints import create_checkpoint
from dualcheck.ledger.keys import signing_key
from dualcheck.ledger.merkle import Frontier, MerkleTree
from dualcheck.ledger.models import LedgerCheckpoint, LedgerHead, LedgerRecord
from dualcheck.ledger.offline import leaf_hash, root_from_audit_path
from ledger_support import disable_append_only_guard, fill, ledger_env

__all__ = ["ledger_env"]


@given(st.integers(min_value=1, max_value=70))
def test_every_audit_path_leads_to_the_frontier_root(n: int) -> None:
    hashes = [f"{i:064x}" for i in range(n)]
    frontier = Frontier()
    for h in hashes:
        frontier.add(h)
    tree = MerkleTree(hashes)
    assert tree.root() == frontier.root()
    for i in range(n):
        assert root_from_audit_path(i, n, leaf_hash(hashes[i]), tree.audit_path(i)) == tree.root()
    # a proof for one leaf does not prove another
    if n > 1:
        assert root_from_audit_path(0, n, leaf_hash(hashes[1]), tree.audit_path(0)) != tree.root()


@given(st.integers(min_value=1, max_value=60), st.data())
def test_audit_paths_survive_a_purged_prefix(n: int, data: st.DataObject) -> None:
    hashes = [f"{i:064x}" for i in range(n)]
    cut = data.draw(st.integers(0, n - 1))
    prefix = Frontier()
    for h in hashes[:cut]:
        prefix.add(h)
    full, purged = MerkleTree(hashes), MerkleTree(hashes[cut:], prefix=prefix)
    assert purged.root() == full.root()
    for i in range(cut, n):
        assert purged.audit_path(i) == full.audit_path(i)


def test_frontier_of_a_prefix_extends_to_the_full_root() -> None:
    hashes = [f"{i:064x}" for i in range(37)]
    first = Frontier()
    for h in hashes[:20]:
        first.add(h)
    resumed = Frontier.from_hex(first.size, first.to_hex())
    for h in hashes[20:]:
        resumed.add(h)
    assert resumed.root() == MerkleTree(hashes).root()


def test_automatic_checkpoints_are_signed_and_verified(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    ledger_env.setenv("DUALCHECK_LEDGER_CHECKPOINT_EVERY", "4")
    fill(any_db, 10)
    with any_db.session() as s:
        seqs = list(s.execute(select(LedgerCheckpoint.seq).order_by(LedgerCheckpoint.seq)).scalars())
        result = verify(s)
    assert seqs == [4, 8]
    assert result.ok and result.records == 10 and result.checkpoints == 2, result.summary()
    key_file = Path(os.environ["DUALCHECK_HOME"]) / "keys" / "ledger-ed25519.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def _rewrite_chain_consistently(db: Database, new_payload_for_seq: dict[int, str]) -> None:
    """What an attacker with database access can do: change records and recompute every hash and the head."""
    with db.write_session() as s:
        disable_append_only_guard(s.connection())
        prev = "0" * 64
        for rec in s.execute(select(LedgerRecord).order_by(LedgerRecord.seq)).scalars():
            rec.payload = new_payload_for_seq.get(rec.seq, rec.payload)
            rec.prev_hash = prev
            rec.hash = record_hash(seq=rec.seq, record_id=rec.record_id, kind=rec.kind, actor=rec.actor,
                                   created_at=rec.created_at, subject=rec.subject, payload=rec.payload,
                                   prev_hash=prev)
            prev = rec.hash
        head = s.get(LedgerHead, 1)
        assert head is not None
        head.hash = prev


def test_consistent_rewrite_is_caught_by_the_checkpoint(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    fill(any_db, 6)
    with any_db.write_session() as s:
        create_checkpoint(s)
    _rewrite_chain_consistently(any_db, {3: '{"i":2,"party":"Someone Else"}'})
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_seq == 6, result.summary()
    assert "checkpoint 6" in (result.reason or "")


def test_rewrite_beyond_the_last_checkpoint_is_only_chain_protected(any_db: Database,
                                                                      ledger_env: pytest.MonkeyPatch) -> None:
    """Honest limit: records after the newest checkpoint are protected by the chain alone."""
    fill(any_db, 3)
    with any_db.write_session() as s:
        create_checkpoint(s)
    fill(any_db, 2)
    _rewrite_chain_consistently(any_db, {5: '{"changed":true}'})
    with any_db.session() as s:
        assert verify(s).ok


def test_altered_or_foreign_checkpoints_fail(any_db: Database, ledger_env: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    fill(any_db, 5)
    with any_db.write_session() as s:
        create_checkpoint(s)
    with any_db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_checkpoints SET created_at = created_at WHERE seq = 5"))
        sig = conn.execute(text("SELECT signature FROM ledger_checkpoints")).scalar_one()
        forged = ("A" if sig[0] != "A" else "B") + sig[1:]
        conn.execute(text("UPDATE ledger_checkpoints SET signature = :s"), {"s": forged})
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_seq == 5 and "signature" in (result.reason or "")
    # a checkpoint re-signed with another key is not trusted
    with any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_checkpoints"))
    other = signing_key(tmp_path / "other" / "key.pem")
    with any_db.write_session() as s:
        create_checkpoint(s, other)
    with any_db.session() as s:
        result = verify(s)
        assert not result.ok and "not a trusted key" in (result.reason or "")
        assert verify(s, trusted_keys={other.key_id: other.public_pem}).ok


def test_truncation_with_a_fixed_head_is_caught(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    fill(any_db, 6)
    with any_db.write_session() as s:
        create_checkpoint(s)
    with any_db.engine.begin() as conn:
        disable_append_only_guard(conn)
        h4 = conn.execute(text("SELECT hash FROM ledger_records WHERE seq = 4")).scalar_one()
        conn.execute(text("DELETE FROM ledger_records WHERE seq > 4"))
        conn.execute(text("UPDATE ledger_head SET seq = 4, hash = :h"), {"h": h4})
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_seq == 5 and "removed" in (result.reason or ""), result.summary()


def test_cli_verify_names_the_checkpoint_that_fails(sqlite_db: Database, ledger_env: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from ledger_support import run_cli

    ledger_env.setenv("DUALCHECK_DATABASE_URL", sqlite_db.url)
    fill(sqlite_db, 4)
    code, out, _ = run_cli(capsys, "ledger", "checkpoint")
    assert code == 0 and out.startswith("checkpoint 4 signed")
    assert run_cli(capsys, "ledger", "verify")[0] == 0
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_checkpoints SET merkle_root = :r"), {"r": "ab" * 32})
    code, out, err = run_cli(capsys, "ledger", "verify")
    assert code == 1 and err.strip().splitlines() == [
        "ledger broken at record 4: checkpoint 4 signature does not verify (checkpoint altered or forged)"]


def test_inserted_records_are_named(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    """A forged record appended behind the application's back, and one slipped into the middle."""
    fill(any_db, 5)
    with any_db.write_session() as s:
        create_checkpoint(s)
        last = s.get(LedgerRecord, 5)
        assert last is not None
        forged = LedgerRecord(seq=6, record_id="forged", kind="check", actor="mallory", created_at=last.created_at,
                              subject="tx-9", payload='{"outcome":"NO_LICENCE_REQUIRED"}', prev_hash=last.hash)
        forged.hash = record_hash(seq=6, record_id="forged", kind="check", actor="mallory",
                                  created_at=last.created_at, subject="tx-9", payload=forged.payload,
                                  prev_hash=last.hash)
        s.add(forged)  # the head is left alone, as a direct INSERT would leave it
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_seq == 6 and "inserted" in (result.reason or "")
    # slip a record in at position 3: renumber, rewrite every hash and the head consistently
    with any_db.engine.begin() as conn:
        disable_append_only_guard(conn)
        conn.execute(text("DELETE FROM ledger_records WHERE seq = 6"))
        for seq in (5, 4, 3):
            conn.execute(text("UPDATE ledger_records SET seq = :new WHERE seq = :old"), {"new": seq + 1, "old": seq})
        conn.execute(text("INSERT INTO ledger_records (seq, record_id, kind, actor, created_at, subject, payload, "
                          "prev_hash, hash) SELECT 3, 'slipped', kind, actor, created_at, subject, payload, "
                          "prev_hash, 'x' FROM ledger_records WHERE seq = 2"))
        conn.execute(text("UPDATE ledger_head SET seq = 6"))
    _rewrite_chain_consistently(any_db, {})
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_seq == 5 and "checkpoint 5" in (result.reason or "")
