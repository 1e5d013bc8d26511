"""Licence masters, coverage, consumption, reservations and balances under concurrent use."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.ledger import verify
from dualcheck.ledger.models import LedgerRecord
from dualcheck.licences.amounts import convert
from dualcheck.licences.coverage import code_covers, demands_from_transaction, find_usable_licences
from dualcheck.licences.errors import Refused
from dualcheck.licences.master import GENERAL_AUTHORISATIONS, read_licence_file, store_licence
from dualcheck.licences.usage import consume_reservation, release_reservation
from licences_support import AS_OF, FIXTURES, balances, one_item, store_fixtures, transaction, use


def test_general_authorisation_ids_match_annex_ii(data_dir: Path) -> None:
    doc = json.loads((data_dir / "controls" / "eu" / "annex_ii_eugea_EU001-EU008_structured.json").read_text())
    assert tuple(sorted(g["id"] for g in doc["eugeas"])) == GENERAL_AUTHORISATIONS


def test_codes_and_units() -> None:
    assert code_covers("5A002", "5A002.a.1") and code_covers("5A002.a", "5A002.a")
    assert not code_covers("5A002.a", "5A002") and not code_covers("5A002.a", "5A002.b")
    assert not code_covers("5A00", "5A002")
    assert convert(Decimal(2500), "g", "kg") == Decimal("2.5")
    assert convert(Decimal(1), "lb", "kg") == Decimal("0.45359237")
    assert convert(Decimal(1), "pcs", "kg") is None


def test_store_is_idempotent_and_refuses_a_changed_duplicate(sqlite_db: Database, tmp_path: Path) -> None:
    store_fixtures(sqlite_db)
    store_fixtures(sqlite_db)  # same documents again: no-op
    with sqlite_db.session() as s:
        kinds = [r.kind for r in s.execute(select(LedgerRecord)).scalars()]
    assert kinds.count("licence.register") == 4
    changed = (FIXTURES / "licences.yaml").read_text().replace("quantity: 100", "quantity: 900")
    (tmp_path / "changed.yaml").write_text(changed)
    with pytest.raises(BadInput, match="TEST-IND-0001"), sqlite_db.write_session() as s:
        for lic in read_licence_file(tmp_path / "changed.yaml"):
            store_licence(s, lic, actor="tester")


@pytest.mark.parametrize(("text", "where"), [
    ("reference: X\nkind: individual\nauthority: A\nvalid_from: 2026-01-01\ndestinations: [CN]\nend_users: [E]\n"
     "lines:\n  - control_codes: [5A002]\n    quantity: 5\n", "lines.0"),
    ("reference: X\nkind: global\nauthority: A\nvalid_from: 2026-01-01\ndestinations: [China]\n"
     "lines:\n  - control_codes: [5A002]\n", "destinations"),
    ("reference: X\nkind: eu_general\nauthorisation: EU009\nauthority: A\nregistered_on: 2026-01-01\n", "licence"),
    ("reference: X\nkind: individual\nauthority: A\nvalid_from: 2026-01-01\ndestinations: [CN]\nend_users: [E]\n"
     "lines:\n  - control_codes: [5A002]\n    quantity: -5\n    unit: pcs\n", "lines.0.quantity"),
    ("reference: [unclosed", "YAML"),
])
def test_bad_licence_files_name_the_field(tmp_path: Path, text: str, where: str, sqlite_db: Database) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(BadInput) as err, sqlite_db.write_session() as s:
        for lic in read_licence_file(path):
            store_licence(s, lic, actor="tester")
    assert str(path) in str(err.value) and where in str(err.value)


def test_find_usable_explains_what_does_not_fit(sqlite_db: Database) -> None:
    store_fixtures(sqlite_db)
    tx = transaction()
    destination, end_users, demands = demands_from_transaction(tx)
    with sqlite_db.session() as s:
        coverage = find_usable_licences(s, destination=destination, end_users=end_users, items=demands, as_of=AS_OF)
        assert [o.licence_reference for o in coverage[0].options] == ["TEST-GLOB-0002", "TEST-IND-0001"]
        assert coverage[1].options[0].remaining_quantity == Decimal(50000)  # 50 kg in grams
        later = find_usable_licences(s, destination=destination, end_users=end_users, items=demands[:1],
                                     as_of=AS_OF.replace(month=7))
        assert {r["licence"]: r["reason"] for r in later[0].not_usable} == {"TEST-GLOB-0002": "expired on 2026-06-30"}
        stranger = find_usable_licences(s, destination="CN", end_users=["Someone Else"], items=demands[:1],
                                        as_of=AS_OF)
        assert any("end user 'Someone Else' not covered" in r["reason"] for r in stranger[0].not_usable)
        russia = find_usable_licences(s, destination="RU", end_users=end_users, items=demands[:1], as_of=AS_OF)
        assert not russia[0].options and all("destination RU" in r["reason"] for r in russia[0].not_usable)


def test_consumption_in_sequence_with_unit_conversion(any_db: Database) -> None:
    store_fixtures(any_db)
    result = use(any_db, transaction())
    charged = [(c["licence"], c["line"], c["line_quantity"]) for c in result["charges"]]
    assert charged == [("TEST-GLOB-0002", 1, 20000), ("TEST-IND-0001", 1, 10000), ("TEST-IND-0001", 2, 2500)]
    assert balances(any_db, "TEST-IND-0001") == {1: (10000, 0, 1200000, 0), 2: (2500, 0, 0, 0)}
    assert balances(any_db, "TEST-GLOB-0002")[1][0] == 20000
    with any_db.session() as s:
        assert verify(s).ok
        rec = s.execute(select(LedgerRecord).where(LedgerRecord.kind == "licence.use")).scalar_one()
        assert rec.subject == "TX-TEST-1"


def test_tolerance_and_refusal_leave_balances_unchanged(any_db: Database) -> None:
    store_fixtures(any_db)
    use(any_db, one_item("5A002.a", 20, id="TX-0"))  # the global licence expires first, so it is used up first
    assert balances(any_db, "TEST-GLOB-0002")[1][0] == 20000
    use(any_db, one_item("5A002.a", 105, value=1000, id="TX-1"))  # 100 authorised + 10 % tolerance
    before = balances(any_db, "TEST-IND-0001")
    assert before[1][0] == 105000
    with pytest.raises(Refused, match="no usable licence balance"):
        use(any_db, one_item("5A002.a", 6, value=10, id="TX-2"))  # 5 left within tolerance
    assert balances(any_db, "TEST-IND-0001") == before
    use(any_db, one_item("5A002.a", 5, value=10, id="TX-3"))
    assert balances(any_db, "TEST-IND-0001")[1][0] == 110000
    with pytest.raises(Refused, match="value in USD"):
        tx = one_item("1C010", 1, unit="kg", id="TX-3")
        tx["items"][0].update(value=10, currency="USD")
        tx["items"][0]["control_codes"] = ["5A002.a"]
        tx["items"][0]["unit"] = "pcs"
        use(any_db, tx)


def test_reserve_ship_and_release(any_db: Database) -> None:
    store_fixtures(any_db)
    order = one_item("1C010", 40, unit="kg", id="ORDER-1")
    reserved = use(any_db, order, mode="reserve")
    assert balances(any_db, "TEST-IND-0001")[2] == (0, 40000, 0, 0)
    with pytest.raises(Refused):
        use(any_db, one_item("1C010", 15, unit="kg", id="ORDER-2"))  # only 10 kg left beside the reservation
    with any_db.write_session() as s:
        consume_reservation(s, reserved["reservation_id"], as_of=AS_OF, destination="CN",
                            end_users=["Example End User Ltd."], actor="tester")
    assert balances(any_db, "TEST-IND-0001")[2] == (40000, 0, 0, 0)
    with pytest.raises(Refused, match="already consumed"), any_db.write_session() as s:
        release_reservation(s, reserved["reservation_id"], reason="too late", actor="tester")
    second = use(any_db, one_item("1C010", 5, unit="kg", id="ORDER-3"), mode="reserve")
    with any_db.write_session() as s:
        release_reservation(s, second["reservation_id"], reason="order cancelled", actor="tester")
    assert balances(any_db, "TEST-IND-0001")[2] == (40000, 0, 0, 0)


def test_concurrent_consumption_never_overdraws(any_db: Database) -> None:
    """Twelve shipments of 5 kg race for a 50 kg line: exactly ten go through."""
    store_fixtures(any_db)
    outcomes: list[str] = []
    lock = threading.Lock()

    def ship(n: int) -> None:
        try:
            use(any_db, one_item("1C010", 5, unit="kg", id=f"RACE-{n}"))
            result = "ok"
        except Refused:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=ship, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] * 10 + ["refused"] * 2
    assert balances(any_db, "TEST-IND-0001")[2] == (50000, 0, 0, 0)
    with any_db.session() as s:
        assert verify(s).ok
