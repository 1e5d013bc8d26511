"""The hash chain at the heart of the ledger: append, verify, and catch tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from dualcheck.db.engine import Database
from dualcheck.ledger import append, verify
from dualcheck.ledger.canonical import canonical_json
from ledger_support import disable_append_only_guard


def _fill(db: Database, n: int = 5) -> None:
    for i in range(n):
        with db.write_session() as s:
            append(s, "test.event", {"i": i, "name": "Müller", "amount": 1.5}, actor="tester",
                   subject=f"tx-{i % 2}")


def test_canonical_json_is_stable() -> None:
    assert canonical_json({"b": 1, "a": [1.0, "é"], "c": None}) == '{"a":[1.0,"é"],"b":1,"c":null}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_append_and_verify(any_db: Database) -> None:
    _fill(any_db)
    with any_db.session() as s:
        result = verify(s)
    assert result.ok and result.records == 5, result.summary()


@pytest.mark.parametrize(("tamper", "bad_seq"), [
    ("UPDATE ledger_records SET payload = replace(payload, 'Müller', 'Miller') WHERE seq = 3", 3),
    ("UPDATE ledger_records SET actor = 'someone-else' WHERE seq = 2", 2),
    ("DELETE FROM ledger_records WHERE seq = 4", 4),
    ("UPDATE ledger_records SET seq = seq + 100 WHERE seq = 2", 2),
    ("DELETE FROM ledger_records WHERE seq = 5", 5),
])
def test_tampering_is_detected(any_db: Database, tamper: str, bad_seq: int) -> None:
    _fill(any_db)
    with any_db.engine.begin() as conn:
        disable_append_only_guard(conn)
        conn.execute(text(tamper))
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok
    assert result.first_bad_seq == bad_seq, result.summary()


def test_swapped_records_are_detected(any_db: Database) -> None:
    _fill(any_db)
    with any_db.engine.begin() as conn:
        disable_append_only_guard(conn)
        conn.execute(text("UPDATE ledger_records SET seq = 1000 WHERE seq = 2"))
        conn.execute(text("UPDATE ledger_records SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE ledger_records SET seq = 3 WHERE seq = 1000"))
    with any_db.session() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_seq == 2
