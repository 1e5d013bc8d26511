"""`dualcheck bench authority`: denial import and application registration speed on generated data.

Runs in a throw-away SQLite database (migrated from scratch in a temporary folder), so the configured
database is never touched. Names, codes and destinations are generated from a fixed seed; a share of
the applications are near copies of a denial (so the check finds warnings, as in real use).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dualcheck.authority import exchange, service
from dualcheck.authority.parsing import MEMBER_STATES, parse_application
from dualcheck.db.engine import Database
from dualcheck.db.migrate import upgrade

_WORDS = ("Al", "Nour", "Gulf", "Star", "Horizon", "Baltic", "Precision", "Optics", "Harbin", "Eastern", "Pacific",
          "Delta", "Orion", "Sigma", "Tech", "Kazan", "Novosibirsk", "Crescent", "Falcon", "Summit", "Apex",
          "Meridian", "Zenith", "Atlas", "Vertex", "Nova", "Polar", "Silk", "Road", "Dragon", "Phoenix")
_FORMS = ("Trading Co", "LLC", "FZE", "Ltd", "JSC", "Industries", "Electronics", "Systems")
_CODES = ("5A002", "5A002.a", "3A001.a.1", "6A003.b", "1C010", "9A004", "2B001", "5D002", "4A003", "7A003")
_DESTINATIONS = ("AE", "CN", "RU", "IR", "PK", "TR", "IN", "KZ", "OM", "SG")
_USES = ("satellite ground station communication", "thermal imaging for border surveillance",
         "machine tools for aerospace parts", "secure network for a telecom operator",
         "navigation for civil aircraft", "research reactor instrumentation")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_FORMS)}"


def _denial(rng: random.Random, i: int, as_of: dt.date) -> dict[str, Any]:
    return {"issuing_state": rng.choice(sorted(MEMBER_STATES - {"NL"})), "reference": f"D-{i:07d}",
            "date": (as_of - dt.timedelta(days=rng.randrange(0, 4 * 365))).isoformat(),
            "destination": rng.choice(_DESTINATIONS), "end_user": {"name": _name(rng), "country": None},
            "end_use": rng.choice(_USES), "items": [{"control_code": rng.choice(_CODES), "description": "item"}],
            "reasons": "generated", "revoked": False}


def run_bench(*, denials: int, applications: int, near_share: float, seed: int = 7,
              advance: Callable[[int], None] | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    as_of = dt.date(2026, 6, 1)
    records = [_denial(rng, i, as_of) for i in range(denials)]
    doc = {"format": exchange.FORMAT, "version": exchange.VERSION, "denials": records}
    with tempfile.TemporaryDirectory(prefix="dualcheck-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            upgrade(db)
            started = time.perf_counter()
            parsed = exchange.parse_document(doc, source="generated")
            with db.write_session() as session:
                exchange.import_denials(session, parsed, actor="bench", source="generated.json")
            import_seconds = time.perf_counter() - started
            warnings = 0
            started = time.perf_counter()
            for i in range(applications):
                if records and rng.random() < near_share:
                    base = rng.choice(records)
                    party, dest, code, use = base["end_user"]["name"], base["destination"], \
                        base["items"][0]["control_code"], base["end_use"]
                else:
                    party, dest, code, use = _name(rng), rng.choice(_DESTINATIONS), rng.choice(_CODES), \
                        rng.choice(_USES)
                app = parse_application({
                    "reference": f"A-{i:07d}", "authority_state": "NL", "applicant": "Bench B.V.",
                    "received": as_of.isoformat(), "destination": dest, "end_user": {"name": party},
                    "end_use": use, "items": [{"control_code": code, "description": "item", "value": 1000}]})
                with db.write_session() as session:
                    warnings += bool(service.register(session, app, actor="bench")["check"]["warnings"])
                if advance:
                    advance(1)
            apply_seconds = time.perf_counter() - started
        finally:
            db.dispose()
    return {"database": "sqlite (temporary)", "denials": denials, "applications": applications,
            "near_share": near_share, "import_seconds": round(import_seconds, 3),
            "denials_imported_per_second": round(denials / import_seconds, 1) if import_seconds else None,
            "apply_seconds": round(apply_seconds, 3),
            "applications_per_second": round(applications / apply_seconds, 2) if apply_seconds else None,
            "ms_per_application": round(1000 * apply_seconds / applications, 2) if applications else None,
            "applications_with_warnings": warnings}
