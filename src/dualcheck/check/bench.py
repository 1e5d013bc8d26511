"""`dualcheck bench check`: checks per second on generated (or given) transactions."""

from __future__ import annotations

import multiprocessing as mp
import queue
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from dualcheck.check.service import run_check
from dualcheck.db.engine import Database
from dualcheck.rules import RuleSet

# A mix of real Annex I codes, not-listed items and destinations inside and outside the general
# authorisations, so every rule family runs.
CODES = [["5A002.a.2"], ["3A001.a.3"], ["1C350.1"], ["2B008"], ["5A001.b.2"], ["9A011"], ["4E001.c"], [],
         ["6A003.a"], ["1A001"]]
DESTINATIONS = ["US", "CN", "TR", "BR", "IN", "JP", "AE", "RU", "ZA", "SG"]
# Party names are built per transaction, so a pool of N transactions has about N distinct parties.
FIRST = ["Shenzhen", "Acme", "Nordic", "Sao Paulo", "Bharat", "Tokyo", "Gulf", "Cape", "Atlas", "Orion", "Baltic",
         "Sierra", "Delta", "Aurora", "Pacific", "Andes"]
SECOND = ["Harbour", "Industrial", "Precision", "Metais", "Components", "Optics", "Instruments", "Machinery",
          "Photonics", "Systems", "Electronics", "Trading", "Engineering", "Materials", "Networks", "Devices"]
FORMS = ["Co Ltd", "GmbH", "AB", "Ltda", "Pvt Ltd", "KK", "LLC", "Pty Ltd", "SA", "Inc"]


def generated(seed: int, items: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    destination = rnd.choice(DESTINATIONS)
    return {
        "id": f"bench-{seed}",
        "type": "export",
        "exporter": {"name": "Bench Exporter GmbH", "country": "DE", "icp": True},
        "destination": destination,
        "date": "2025-12-01",
        "parties": [{"role": role, "name": f"{rnd.choice(FIRST)} {rnd.choice(SECOND)} {rnd.choice(FORMS)}",
                     "country": destination} for role in ("consignee", "end_user")],
        "items": [{"id": str(i + 1), "description": "bench item", "control_codes": rnd.choice(CODES),
                   "quantity": rnd.randint(1, 50), "unit": "pcs", "value": rnd.randint(100, 90000),
                   "currency": "EUR"} for i in range(items)],
        "end_use": {"description": "civil telecom network", "civil": True},
        "registrations": ["EU008"],
    }


def _worker(url: str, rules: RuleSet, data_dir: Path, pool: list[Any], indexes: list[int], store: bool, actor: str,
            barrier: Any, out: Any) -> None:
    """One process: warm its caches, wait for the others, run its share, report latencies.

    A failure is reported on the queue and breaks the barrier, so the parent never waits for it."""
    try:
        _work(url, rules, data_dir, pool, indexes, store, actor, barrier, out)
    except BaseException as exc:
        out.put(("failed", f"{type(exc).__name__}: {exc}"))
        barrier.abort()
        raise


def _work(url: str, rules: RuleSet, data_dir: Path, pool: list[Any], indexes: list[int], store: bool, actor: str,
          barrier: Any, out: Any) -> None:
    db = Database(url)
    run_check(db, pool[0], rules, data_dir, actor=actor, store=False)  # build the index, load the catalog
    barrier.wait()
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    screened = False
    cpu = time.process_time()
    for i in indexes:
        t0 = time.perf_counter()
        result = run_check(db, pool[i % len(pool)], rules, data_dir, actor=actor, store=store)
        latencies.append(time.perf_counter() - t0)
        outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
        screened = bool(result["screening"].get("performed"))
    out.put((latencies, outcomes, screened, time.process_time() - cpu))
    db.dispose()


def _result(out: Any, procs: list[Any]) -> Any:
    """The next worker's report; a worker that failed or died is an error, not an endless wait."""
    while True:
        try:
            part = out.get(timeout=1.0)
        except queue.Empty:
            dead = [p for p in procs if not p.is_alive() and p.exitcode]
            if dead:
                raise RuntimeError(f"bench worker exited with code {dead[0].exitcode}") from None
            continue
        if part[0] == "failed":
            raise RuntimeError(f"bench worker failed: {part[1]}")
        return part


def run_bench(db: Database, rules: RuleSet, data_dir: Path, *, docs: list[Any], n: int, items: int, store: bool,
              actor: str, workers: int = 2, pool_size: int = 200) -> dict[str, Any]:
    """Run `n` checks spread over `workers` processes (one per core); wall-clock checks per second.

    The checks cycle through a pool of transactions, so parties recur as customers do; with
    pool_size >= n every transaction (and its parties) is new and screened from scratch.
    """
    pool = docs or [generated(seed, items) for seed in range(min(n, pool_size))]
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(workers + 1), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db.url, rules, data_dir, pool, list(range(w, n, workers)), store,
                                               actor, barrier, out)) for w in range(workers)]
    db.dispose()  # connections must not cross the fork
    for proc in procs:
        proc.start()
    try:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:  # a worker failed while warming up: its report says why
            _result(out, procs)
            raise
        start = time.perf_counter()
        parts = [_result(out, procs) for _ in procs]
        elapsed = time.perf_counter() - start
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
    latencies = sorted(x for part in parts for x in part[0])
    outcomes: dict[str, int] = {}
    for part in parts:
        for key, count in part[1].items():
            outcomes[key] = outcomes.get(key, 0) + count
    return {
        "n": n, "workers": workers, "distinct_transactions": len(pool),
        "items_per_transaction": len(pool[0]["items"]), "stored": store,
        "database": db.kind, "screening": all(part[2] for part in parts),
        "checks_per_second": round(n / elapsed, 1),
        # CPU time of the checking processes (not the wall clock): what one check costs a core
        "cpu_ms_per_check": round(sum(part[3] for part in parts) / n * 1000, 3),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 3),
        "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 3),
        "outcomes": dict(sorted(outcomes.items())),
    }
