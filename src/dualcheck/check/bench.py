"""`dualcheck bench check`: checks per second on generated (or given) transactions."""

from __future__ import annotations

import random
import statistics
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
NAMES = ["Shenzhen Harbour Trading Co", "Acme Industrial Supplies", "Nordic Precision AB", "Sao Paulo Metais Ltda",
         "Bharat Components Pvt", "Tokyo Optics KK", "Gulf Instruments LLC", "Cape Machinery Pty"]


def generated(seed: int, items: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    destination = rnd.choice(DESTINATIONS)
    return {
        "id": f"bench-{seed}",
        "type": "export",
        "exporter": {"name": "Bench Exporter GmbH", "country": "DE", "icp": True},
        "destination": destination,
        "date": "2025-12-01",
        "parties": [{"role": "consignee", "name": rnd.choice(NAMES), "country": destination},
                    {"role": "end_user", "name": rnd.choice(NAMES), "country": destination}],
        "items": [{"id": str(i + 1), "description": "bench item", "control_codes": rnd.choice(CODES),
                   "quantity": rnd.randint(1, 50), "unit": "pcs", "value": rnd.randint(100, 90000),
                   "currency": "EUR"} for i in range(items)],
        "end_use": {"description": "civil telecom network", "civil": True},
        "registrations": ["EU008"],
    }


def run_bench(db: Database, rules: RuleSet, data_dir: Path, *, docs: list[Any], n: int, items: int, store: bool,
              actor: str) -> dict[str, Any]:
    pool = docs or [generated(seed, items) for seed in range(min(n, 200))]
    run_check(db, pool[0], rules, data_dir, actor=actor, store=False)  # warm caches (catalog, index)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        result = run_check(db, pool[i % len(pool)], rules, data_dir, actor=actor, store=store)
        latencies.append(time.perf_counter() - t0)
        outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "n": n, "items_per_transaction": len(pool[0]["items"]), "stored": store, "database": db.kind,
        "screening": result["screening"].get("performed", False),
        "checks_per_second": round(n / elapsed, 1),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 3),
        "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 3),
        "outcomes": dict(sorted(outcomes.items())),
    }
