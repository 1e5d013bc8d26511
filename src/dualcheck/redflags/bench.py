"""`dualcheck bench redflags`: transaction checks per second and shipment rows scanned per second."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import time
from pathlib import Path
from typing import Any

from dualcheck.db.engine import Database
from dualcheck.redflags.catalogue import load_chpl
from dualcheck.redflags.scan import ScanParams, read_shipments, scan_rows
from dualcheck.redflags.service import run_check
from dualcheck.redflags.transaction import check_transaction

_DESTS = ["JP", "US", "AE", "TR", "KZ", "CN", "IN", "BR", "CH", "NO", "SG", "CL"]
_PLAIN_HS = ["847130", "850760", "870899", "392690", "732690", "940390"]


def _transaction(rng: random.Random, n: int, chpl: list[str]) -> dict[str, Any]:
    dest = rng.choice(_DESTS)
    other = rng.choice(_DESTS)
    items = [{"id": str(i + 1), "control_codes": [], "quantity": rng.randint(1, 500), "value": rng.randint(100, 90000),
              "hs_code": rng.choice(chpl if rng.random() < 0.3 else _PLAIN_HS)} for i in range(10)]
    return {
        "id": f"BENCH-{n}", "type": "export", "exporter": {"name": "Bench GmbH", "country": "DE"},
        "destination": dest, "transit_countries": [other] if rng.random() < 0.3 else [],
        "parties": [{"role": "purchaser", "name": f"Buyer {n}", "country": rng.choice([dest, other])},
                    {"role": "consignee", "name": f"Consignee {n} Logistics" if rng.random() < 0.1 else f"C {n}",
                     "country": dest, "address": "P.O. Box 1" if rng.random() < 0.1 else "Main street 1"},
                    {"role": "end_user", "name": f"User {n}", "country": rng.choice([dest, dest, other])}],
        "items": items,
        "payment": {"payer_name": f"Buyer {n}", "payer_country": rng.choice([dest, other]),
                    "method": rng.choice(["wire", "wire", "letter_of_credit", "cash"]), "third_party": False},
        "route": ["DEHAM", dest], "incoterms": rng.choice(["EXW", "DAP", "CIP"]),
        "no_russia_clause": rng.random() < 0.7, "first_order": rng.random() < 0.2,
        "rush_delivery": rng.random() < 0.2, "price_premium_pct": rng.choice([0, 0, 5, 20]),
    }


def _shipments_csv(rng: random.Random, rows: int, customers: int, chpl: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["shipment_id", "date", "customer", "destination", "hs_code", "quantity", "value", "currency"])
    start = dt.date(2022, 1, 1)
    profile = {c: (rng.choice(_DESTS), rng.choice(chpl + _PLAIN_HS), rng.uniform(1000, 50000))
               for c in range(customers)}
    for n in range(rows):
        c = rng.randrange(customers)
        dest, hs, typical = profile[c]
        if rng.random() < 0.05:
            dest = rng.choice(_DESTS)
        writer.writerow([f"S{n}", (start + dt.timedelta(days=rng.randrange(1095))).isoformat(), f"Customer {c}", dest,
                         hs, rng.randint(1, 100), round(typical * rng.lognormvariate(0, 0.4), 2), "EUR"])
    return buf.getvalue()


def run_bench(db: Database, data_dir: Path, *, n: int, rows: int, customers: int, store: bool,
              actor: str) -> dict[str, Any]:
    rng = random.Random(20261123)
    chpl = sorted(load_chpl(data_dir))
    docs = [_transaction(rng, i, chpl) for i in range(n)]
    check_transaction(docs[0], data_dir)  # warm the caches (catalogue, CHPL)
    t0 = time.perf_counter()
    flags = 0
    for doc in docs:
        result = run_check(db, doc, data_dir, actor=actor) if store else check_transaction(doc, data_dir)
        flags += len(result["flags"])
    check_s = time.perf_counter() - t0
    text = _shipments_csv(rng, rows, customers, chpl)
    t0 = time.perf_counter()
    _header, parsed = read_shipments(text, source="generated")
    scan_rows(parsed, data_dir, ScanParams())
    scan_s = time.perf_counter() - t0
    return {
        "checks": n, "items_per_transaction": 10, "stored_in_ledger": store, "database": db.kind,
        "check_seconds": round(check_s, 3), "checks_per_second": round(n / check_s, 1),
        "mean_flags_per_check": round(flags / n, 2),
        "scan_rows": rows, "scan_customers": customers, "scan_seconds": round(scan_s, 3),
        "scan_rows_per_second": round(rows / scan_s, 1),
        "scan_flagged_rows": sum(1 for r in parsed if r.flags),
    }
