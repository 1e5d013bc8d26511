"""Helpers for the licences tests: the fixture files and a database with them stored."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from dualcheck.db.engine import Database
from dualcheck.licences.master import read_licence_file, store_licence
from dualcheck.licences.models import LicenceLine
from dualcheck.licences.usage import use_for_transaction

FIXTURES = Path(__file__).parent / "fixtures" / "licences"
AS_OF = dt.date(2026, 3, 1)


def store_fixtures(db: Database) -> None:
    with db.write_session() as s:
        for name in ("licences.yaml", "registrations.yaml"):
            for lic in read_licence_file(FIXTURES / name):
                store_licence(s, lic, actor="tester")


def transaction(**changes: Any) -> dict[str, Any]:
    tx: dict[str, Any] = json.loads((FIXTURES / "transaction.json").read_text())
    tx.update(changes)
    return tx


def one_item(code: str, quantity: float, unit: str = "pcs", value: float | None = None,
             **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": "1", "control_codes": [code], "quantity": quantity, "unit": unit}
    if value is not None:
        item.update(value=value, currency="EUR")
    return transaction(items=[item], **changes)


def balances(db: Database, reference: str) -> dict[int, tuple[int, int, int, int]]:
    from sqlalchemy import select

    from dualcheck.licences.models import Licence

    with db.session() as s:
        rows = s.execute(select(LicenceLine).join(Licence).where(Licence.reference == reference)).scalars()
        return {r.line_no: (r.quantity_used, r.quantity_reserved, r.value_used, r.value_reserved) for r in rows}


def use(db: Database, tx: dict[str, Any], mode: str = "consume") -> dict[str, Any]:
    with db.write_session() as s:
        return use_for_transaction(s, tx, as_of=AS_OF, actor="tester", mode=mode)
