"""`dualcheck bench ledger`: append, verify and export speed on a scratch database.

Appends are one transaction each (as decisions are), with automatic checkpoints; several
writer threads contend for the chain head. The scratch database is a new SQLite file in a
temporary folder unless a database URL is given; that database must have no tables at all (so a
real ledger is never touched): it is migrated, used, and emptied again afterwards.
"""

from __future__ import annotations

import datetime as dt
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from dualcheck.db.engine import Database
from dualcheck.db.migrate import downgrade, upgrade
from dualcheck.errors import BadInput
from dualcheck.ledger.chain import append, verify
from dualcheck.ledger.export import Selection, export_slice
from dualcheck.ledger.settings import ledger_settings


def _payload(i: int) -> dict[str, Any]:
    return {"transaction_id": f"BENCH-{i % 500}", "outcome": "LICENCE_REQUIRED", "items": [
        {"id": "1", "control_codes": ["5A002.a"], "quantity": i % 97, "value": 1200.5}],
        "data_versions": {"lists": {"us-ofac-sdn": "2024-05-03"}, "rule_set": "bench"}}


def _append_many(db: Database, count: int, writers: int, advance: Callable[[int], None]) -> float:
    per_writer = [count // writers + (1 if w < count % writers else 0) for w in range(writers)]

    def work(writer: int) -> None:
        for i in range(per_writer[writer]):
            with db.write_session() as s:
                n = writer * count + i
                append(s, "bench.decision", _payload(n), actor=f"bench-{writer}", subject=f"BENCH-{n % 500}")
            advance(1)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def run_ledger_bench(records: int, writers: int, database_url: str | None,
                     advance: Callable[[int], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dualcheck-bench-") as tmp:
        db = Database(database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        if inspect(db.engine).get_table_names():
            db.dispose()
            raise BadInput("the benchmark needs an empty scratch database; this one has tables",
                           location="--database-url")
        try:
            upgrade(db)
            append_seconds = _append_many(db, records, writers, advance)
            start = time.perf_counter()
            with db.session() as s:
                result = verify(s)
            verify_seconds = time.perf_counter() - start
            start = time.perf_counter()
            with db.write_session() as s:
                export = export_slice(s, Selection(subject="BENCH-7"))
            export_seconds = time.perf_counter() - start
        finally:
            downgrade(db, "base")
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.dispose()
    return {
        "database": db.kind, "records": records, "writers": writers,
        "checkpoint_every": ledger_settings().checkpoint_every, "intact": result.ok,
        "checkpoints_verified": result.checkpoints,
        "appends_per_second": round(records / append_seconds, 1),
        "verify_records_per_second": round(records / verify_seconds, 1),
        "export_records": len(export["records"]), "export_seconds": round(export_seconds, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
