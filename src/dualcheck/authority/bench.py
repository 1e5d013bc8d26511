"""`dualcheck bench authority`: the essentially-identical warning measured two ways.

- ``--pairs FILE.jsonl``: labelled application/denial pairs, one JSON object per line with ``id``,
  ``kind``, ``expected_warning``, ``denial`` (an exchanged denial record, or a whole exchange file) and
  ``application`` (an application file). Each pair gets a fresh store (a copy of a freshly migrated
  SQLite file): the denial is imported as another Member State's, the application registered, and the
  warning compared with the label: precision and recall, overall and per kind. A pair that cannot be
  read is reported with its error and counted as giving no warning (a missed warning, never a skipped
  one).
- speed: generated denials (fixed seed) are imported into a temporary SQLite database and generated
  applications registered against them; the time of the check alone and of the whole registration
  (check, storage, ledger) per application.

Nothing touches the configured database.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dualcheck.authority import exchange, matching, service
from dualcheck.authority.parsing import MEMBER_STATES, parse_application
from dualcheck.db.engine import Database
from dualcheck.db.migrate import upgrade
from dualcheck.errors import BadInput, DualcheckError

POSITIVE_LABELS = frozenset(["true", "yes", "1", "consult", "warn", "warning"])
NEGATIVE_LABELS = frozenset(["false", "no", "0", "none", "no_warning", "clear", ""])


@contextmanager
def _template_database() -> Iterator[tuple[Path, Path]]:
    """A temporary folder holding a migrated SQLite file to copy from."""
    with tempfile.TemporaryDirectory(prefix="dualcheck-bench-") as tmp:
        template = Path(tmp) / "template.sqlite3"
        db = Database(f"sqlite:///{template}")
        try:
            upgrade(db)
        finally:
            db.dispose()
        yield Path(tmp), template


def _label(raw: Any, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw if raw is not None else "").strip().casefold()
    if text in POSITIVE_LABELS:
        return True
    if text in NEGATIVE_LABELS:
        return False
    raise BadInput(f"expected_warning: expected true or false, got {raw!r}", location=where)


def read_pairs(path: Path) -> list[dict[str, Any]]:
    """The pairs of a JSON Lines file; a line that is not a JSON object with a label is an error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadInput(f"cannot read ({exc.strerror})", source=str(path)) from None
    pairs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"not valid JSON ({exc.msg})", source=str(path), location=where) from None
        if not isinstance(doc, dict):
            raise BadInput("expected a JSON object", source=str(path), location=where)
        try:
            expected = _label(doc.get("expected_warning"), where)
        except BadInput as exc:
            raise BadInput(exc.message, source=str(path)) from None
        pairs.append({"line": number, "id": str(doc.get("id") or number), "kind": str(doc.get("kind") or "unknown"),
                      "expected": expected, "denial": doc.get("denial"), "application": doc.get("application")})
    if not pairs:
        raise BadInput("no pairs", source=str(path))
    return pairs


def _denial_records(denial: Any) -> list[Any]:
    if isinstance(denial, dict) and isinstance(denial.get("denials"), list):
        return list(denial["denials"])
    return [denial]


def _another_state(application: Any, records: list[Any]) -> list[Any]:
    """Each record issued by a state other than the application's authority (the check's premise)."""
    state = application.get("authority_state") if isinstance(application, dict) else None
    others = sorted(MEMBER_STATES - {str(state).upper()})
    out = []
    for record in records:
        if isinstance(record, dict) and str(record.get("issuing_state") or "").upper() in (str(state).upper(), ""):
            record = {**record, "issuing_state": others[0]}
        out.append(record)
    return out


def _run_pair(folder: Path, template: Path, pair: dict[str, Any], config: matching.MatchingConfig) -> dict[str, Any]:
    target = folder / "pair.sqlite3"
    shutil.copyfile(template, target)
    db = Database(f"sqlite:///{target}")
    try:
        records = _another_state(pair["application"], _denial_records(pair["denial"]))
        doc = {"format": exchange.FORMAT, "version": exchange.VERSION, "denials": records}
        denials = exchange.parse_document(doc, source=f"pair {pair['id']} denial")
        application = parse_application(pair["application"], source=f"pair {pair['id']} application")
        with db.write_session() as session:
            exchange.import_denials(session, denials, actor="bench", source="pairs.jsonl")
            check = service.register(session, application, actor="bench", config=config)["check"]
        excluded = {k: v for k, v in check["excluded"].items() if v}
        best = check["comparisons"][0] if check["comparisons"] else None
        return {"warned": bool(check["warnings"]), "excluded": excluded,
                "score": best["score"] if best else 0.0,
                "parties": best["criteria"]["parties"]["score"] if best else 0.0,
                "items": best["criteria"]["items"]["score"] if best else None}
    except DualcheckError as exc:
        return {"warned": False, "error": str(exc)}
    finally:
        db.dispose()
        target.unlink(missing_ok=True)


def _rates(rows: list[tuple[bool, bool]]) -> dict[str, Any]:
    tp = sum(1 for e, w in rows if e and w)
    fp = sum(1 for e, w in rows if not e and w)
    fn = sum(1 for e, w in rows if e and not w)
    return {"n": len(rows), "expected_warnings": tp + fn, "warnings": tp + fp, "true_positives": tp,
            "false_positives": fp, "false_negatives": fn,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None}


def run_pairs(path: Path, *, config: matching.MatchingConfig | None = None,
              advance: Callable[[int], None] | None = None, details: bool = False) -> dict[str, Any]:
    config = config or matching.default_config()
    pairs = read_pairs(path)
    outcomes = []
    started = time.perf_counter()
    with _template_database() as (folder, template):
        for pair in pairs:
            outcomes.append({**_run_pair(folder, template, pair, config), "id": pair["id"], "kind": pair["kind"],
                             "expected": pair["expected"]})
            if advance:
                advance(1)
    seconds = time.perf_counter() - started
    by_kind: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for o in outcomes:
        by_kind[o["kind"]].append((o["expected"], o["warned"]))
    result: dict[str, Any] = {
        "pairs": str(path.name), "configuration": config.summary(),
        **_rates([(o["expected"], o["warned"]) for o in outcomes]),
        "by_kind": {k: _rates(v) for k, v in sorted(by_kind.items())},
        "unreadable": [{"id": o["id"], "error": o["error"]} for o in outcomes if "error" in o],
        "outside_window_or_own_state": [o["id"] for o in outcomes if o.get("excluded")],
        "seconds": round(seconds, 2)}
    mistakes = [o for o in outcomes if o["expected"] != o["warned"]]
    result["mistakes"] = [{k: o.get(k) for k in ("id", "kind", "expected", "warned", "score", "parties", "items")}
                          for o in mistakes]
    if details:
        result["outcomes"] = outcomes
    return result


# --- speed on generated data ------------------------------------------------------------------------

_SYLLABLES = ("al", "nour", "ka", "zan", "ter", "vo", "mir", "sha", "rok", "len", "da", "vi", "gor", "tan", "bel",
              "ra", "sun", "hor", "iz", "on", "mar", "tek", "lan", "ori", "pek", "sa", "vel", "dun", "ya", "kor")
_FORMS = ("Trading Co", "LLC", "FZE", "Ltd", "JSC", "Industries", "Electronics", "Systems", "Group", "Technologies")
_CODES = ("5A002", "5A002.a", "3A001.a.1", "6A003.b", "1C010", "9A004", "2B001", "5D002", "4A003", "7A003",
          "3A001.b.2", "6A005", "2B201", "1A004", "9A012")
_DESTINATIONS = ("AE", "CN", "RU", "IR", "PK", "TR", "IN", "KZ", "OM", "SG", "MY", "TH", "EG", "BY", "AM")
_USES = ("satellite ground station communication", "thermal imaging for border surveillance",
         "machine tools for aerospace parts", "secure network for a telecom operator",
         "navigation for civil aircraft", "research reactor instrumentation")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _name(rng: random.Random) -> str:
    return f"{_word(rng)} {_word(rng)} {rng.choice(_FORMS)}"


def _denial(rng: random.Random, i: int, as_of: dt.date) -> dict[str, Any]:
    return {"issuing_state": rng.choice(sorted(MEMBER_STATES - {"NL"})), "reference": f"D-{i:07d}",
            "date": (as_of - dt.timedelta(days=rng.randrange(0, 4 * 365))).isoformat(),
            "destination": rng.choice(_DESTINATIONS),
            "consignee": {"name": _name(rng) if rng.random() < 0.5 else None},
            "end_user": {"name": _name(rng), "country": None},
            "end_use": rng.choice(_USES), "items": [{"control_code": rng.choice(_CODES), "description": "item"}],
            "reasons": [{"criterion": "end_use_diversion", "detail": "generated"}], "revoked": False}


def _timed(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"mean": round(statistics.fmean(values), 2), "p50": round(ordered[len(ordered) // 2], 2),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)}


def run_bench(*, denials: int, applications: int, near_share: float, seed: int = 7,
              config: matching.MatchingConfig | None = None,
              advance: Callable[[int], None] | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    as_of = dt.date(2026, 6, 1)
    records = [_denial(rng, i, as_of) for i in range(denials)]
    doc = {"format": exchange.FORMAT, "version": exchange.VERSION, "denials": records}
    check_ms, register_ms = [], []
    with _template_database() as (_, template):
        db = Database(f"sqlite:///{template}")
        try:
            started = time.perf_counter()
            parsed = exchange.parse_document(doc, source="generated")
            with db.write_session() as session:
                exchange.import_denials(session, parsed, actor="bench", source="generated.json")
            import_seconds = time.perf_counter() - started
            started = time.perf_counter()
            with db.session() as session:  # the first check builds the index of the denials held
                service.denial_index(session)
            index_seconds = time.perf_counter() - started
            warnings = copies = copies_in_window = 0
            window_start = matching.lookback_start(as_of).isoformat()
            for i in range(applications):
                if records and rng.random() < near_share:
                    base = rng.choice(records)
                    copies += 1
                    copies_in_window += base["date"] >= window_start
                    party, code, use = base["end_user"]["name"], base["items"][0]["control_code"], base["end_use"]
                    dest = base["destination"] if rng.random() < 0.5 else rng.choice(_DESTINATIONS)  # re-routed
                else:
                    party, dest, code, use = _name(rng), rng.choice(_DESTINATIONS), rng.choice(_CODES), \
                        rng.choice(_USES)
                app = parse_application({
                    "reference": f"A-{i:07d}", "authority_state": "NL", "applicant": "Bench B.V.",
                    "received": as_of.isoformat(), "destination": dest,
                    "consignee": {"name": _name(rng)}, "end_user": {"name": party},
                    "end_use": use, "items": [{"control_code": code, "description": "item", "value": 1000}]})
                with db.write_session() as session:
                    started = time.perf_counter()
                    service.check_identical(session, service.app_view(app), app.authority_state, app.received_on,
                                            config)
                    check_ms.append(1000 * (time.perf_counter() - started))
                    started = time.perf_counter()
                    warnings += bool(service.register(session, app, actor="bench", config=config)["check"]["warnings"])
                    register_ms.append(1000 * (time.perf_counter() - started))
                if advance:
                    advance(1)
        finally:
            db.dispose()
    return {"database": "sqlite (temporary)", "denials": denials, "applications": applications,
            "near_share": near_share, "import_seconds": round(import_seconds, 3),
            "denials_imported_per_second": round(denials / import_seconds, 1) if import_seconds else None,
            "index_build_seconds": round(index_seconds, 3),
            "check_ms": _timed(check_ms), "register_ms": _timed(register_ms),
            "ms_per_application": round(statistics.fmean(register_ms), 2),
            "near_copies": copies, "near_copies_of_denials_in_the_window": copies_in_window,
            "applications_with_warnings": warnings}
