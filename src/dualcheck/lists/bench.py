"""`dualcheck bench load`: how fast the lists load, measured on this machine.

1. Every file under <data_dir>/lists loaded from scratch into a fresh database (the target
   is 60 s on two cores), through the same code as `lists load`.
2. A new SDN snapshot loaded on top of the previous one and diffed against it (target 10 s):
   the latest two snapshots in the SDN folder.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dualcheck.db.engine import Database
from dualcheck.db.migrate import upgrade
from dualcheck.errors import ConfigError
from dualcheck.lists.diff import diff_versions
from dualcheck.lists.loader import collect_units, load_units


def _fresh_database(folder: Path, url: str | None) -> Database:
    db = Database(url or f"sqlite:///{folder / 'bench.sqlite3'}")
    upgrade(db)
    return db


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the parsing workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)  # kilobytes on Linux


def bench_load(lists_dir: Path, *, database_url: str | None = None,
               advance: Callable[[int], None] | None = None) -> dict[str, Any]:
    if not lists_dir.is_dir():
        raise ConfigError(f"{lists_dir}: folder not found")
    sdn_snapshots = sorted((lists_dir / "ofac_sdn").glob("sdn_*.csv"))
    with tempfile.TemporaryDirectory(prefix="dualcheck-bench-") as tmp:
        folder = Path(tmp)
        (folder / "full").mkdir()
        db = _fresh_database(folder / "full", database_url)
        load_before = os.getloadavg()[0]
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        units = collect_units([lists_dir])
        results = load_units(db, units, actor="bench", advance=advance)
        full_seconds, full_cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
        db.dispose()
        entities = sum(r.entities for r in results)
        delta: dict[str, Any] = {}
        if len(sdn_snapshots) >= 2 and database_url is None:
            (folder / "delta").mkdir()
            small = _fresh_database(folder / "delta", None)
            load_units(small, collect_units([sdn_snapshots[-2]]), actor="bench", workers=1)
            start = time.perf_counter()
            load_units(small, collect_units([sdn_snapshots[-1]]), actor="bench", workers=1)
            with small.session() as session:
                doc = diff_versions(session, "us-ofac-sdn")
            delta = {"from": doc["from"], "to": doc["to"], "added": doc["added"], "removed": doc["removed"],
                     "modified": doc["modified"], "seconds": round(time.perf_counter() - start, 2)}
            small.dispose()
    return {
        "database": "postgresql" if database_url else "sqlite",
        "files": sum(len(r.files) for r in results), "versions": len(results), "entities": entities,
        "seconds": round(full_seconds, 2), "entities_per_second": round(entities / full_seconds),
        # wall time depends on what else runs: CPU seconds and the load average put it in context
        "cpu_seconds": round(full_cpu, 2), "load_average_before": round(load_before, 2), "cpus": os.cpu_count(),
        "target_seconds": 60, "new_sdn_snapshot_and_diff": delta, "peak_rss_mb": _peak_rss_mb(),
    }
