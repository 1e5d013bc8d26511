"""`dualcheck bench api`: authenticated clients over HTTP on the loopback interface, mixing
screenings, transaction checks and hold releases.

Without ``--url`` the server runs in this process on a free loopback port, over the configured
database; without ``--token`` a bench user (role compliance_manager, tenant ``bench``) gets a
token. Each client cycles through the mix: a screening, a check of a new transaction (which the
rules hold: a listed encryption item to China needs a licence), and the release of a hold one of
its own checks placed. Every answered request must leave its ledger record (``screening.screen``,
``check``, ``hold.release``): the figures count the records of the run and report any missing.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput

NAMES = ("Ivan Petrov", "Kim Jong Un", "Acme Trading LLC", "Golden Crescent Trading", "Maria Gonzalez",
         "Rosoboronexport", "Ocean Pearl Shipping", "Li Wei", "Mahan Air", "Quillmoor Instruments")
MAX_CLIENTS, MAX_SECONDS = 64, 600
MIX = ("screen", "check", "release")
# the ledger record each kind of answered request leaves
RECORD_KINDS = {"screen": "screening.screen", "check": "check", "release": "hold.release"}


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise BadInput(f"{url}: the API benchmark runs against the loopback interface only", location="--url")
    return url.rstrip("/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_server(db: Database) -> Iterator[str]:
    """This process serves the API on a free loopback port for the block."""
    import uvicorn

    from dualcheck.api.app import create_app
    from dualcheck.config import get_settings

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(get_settings(), db), host="127.0.0.1", port=port,
                                           log_config=None, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the benchmark server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def given_server(url: str) -> Iterator[str]:
    yield loopback_only(url)


def bench_token(db: Database) -> tuple[str, str]:
    """(user, token) of a new bench user."""
    from dualcheck.auth.service import add_user, create_token

    name = f"bench-{uuid.uuid4().hex[:8]}"
    with db.write_session() as session:
        add_user(session, name, role="compliance_manager", tenant="bench", password=None, actor="operator:bench")
        token, _ = create_token(session, name, label="dualcheck bench api", actor="operator:bench")
    return name, token


def _transaction(reference: str) -> dict[str, Any]:
    return {"id": reference, "type": "export", "exporter": {"name": "Bench Exporter GmbH", "country": "DE"},
            "destination": "CN", "parties": [{"role": "end_user", "name": "Bench End User Co", "country": "CN"}],
            "items": [{"id": "1", "description": "encryption module", "control_codes": ["5A002.a.2"],
                       "quantity": 2}],
            "end_use": {"description": "office network", "civil": True}}


Sample = tuple[str, float, bool]  # kind, latency in ms, answered as expected


def _client_loop(url: str, token: str, until: float, offset: int, out: list[Sample], mix: tuple[str, ...]) -> None:
    run = uuid.uuid4().hex[:8]
    held: list[str] = []  # holds this client's checks placed, released in turn
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        i = offset
        while time.monotonic() < until:
            kind = mix[i % len(mix)]
            if kind == "release" and not held:
                kind = "check" if "check" in mix else "screen"
            start = time.perf_counter()
            try:
                if kind == "screen":
                    ok = client.post("/api/v1/screen", json={"name": NAMES[i % len(NAMES)]}).status_code == 200
                elif kind == "check":
                    r = client.post("/api/v1/checks", json=_transaction(f"bench-{run}-{i}"))
                    ok = r.status_code == 200
                    if ok and (r.json().get("hold") or {}).get("id"):
                        held.append(r.json()["hold"]["id"])
                else:
                    r = client.post(f"/api/v1/holds/{held.pop(0)}/release", json={"reason": "bench: licence on file"})
                    ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            out.append((kind, (time.perf_counter() - start) * 1000, ok))
            i += 1


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


def run_bench(db: Database, *, clients: int, seconds: float, url: str | None, token: str | None,
              mix: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The figures of one run. Without ``mix``: every kind for the bench's own user, screening only for a
    given token (whose roles are unknown)."""
    from dualcheck.ledger.models import LedgerRecord

    if mix is None:
        mix = ("screen",) if token else MIX

    clients, seconds = max(1, min(clients, MAX_CLIENTS)), max(1.0, min(seconds, MAX_SECONDS))
    unknown = sorted(set(mix) - set(MIX))
    if unknown or not mix:  # an empty --mix ("," alone)
        raise BadInput(f"unknown request kind {', '.join(unknown) or '(none)'} (kinds: {', '.join(MIX)})",
                       location="--mix")
    if url:
        loopback_only(url)  # before anything is written
    user, token = (None, token) if token else bench_token(db)
    with (given_server(url) if url else local_server(db)) as base:
        warm = httpx.post(f"{base}/api/v1/screen", json={"name": NAMES[0]}, timeout=600,
                          headers={"Authorization": f"Bearer {token}"})  # builds the screening index
        if warm.status_code != 200:
            raise BadInput(f"the server refused the warm-up request ({warm.status_code}: {warm.text[:200]})",
                           location="--token")
        with db.session() as session:
            first_seq = session.execute(select(func.max(LedgerRecord.seq))).scalar_one() or 0
        results: list[list[Sample]] = [[] for _ in range(clients)]
        until = time.monotonic() + seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=_client_loop, args=(base, token, until, i, results[i], mix))
                   for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        load = os.getloadavg()[0]  # the last minute's, taken before the server stops
    flat = [r for rs in results for r in rs]
    answered = {kind: sum(ok for k, _ms, ok in flat if k == kind) for kind in MIX}
    figures: dict[str, Any] = {"clients": clients, "seconds": round(elapsed, 2), "requests": len(flat),
                               "requests_per_second": round(len(flat) / elapsed, 1) if elapsed else 0.0,
                               "latency_ms_p50": _percentile([ms for _k, ms, _ in flat], 0.50),
                               "latency_ms_p95": _percentile([ms for _k, ms, _ in flat], 0.95),
                               "errors": len(flat) - sum(answered.values()), "ledger_records_missing": None,
                               "load_average_1min": round(load, 2),
                               "by_kind": {kind: {"requests": sum(k == kind for k, _ms, _ in flat),
                                                  "errors": sum(k == kind and not ok for k, _ms, ok in flat),
                                                  "latency_ms_p50": _percentile([ms for k, ms, _ in flat
                                                                                 if k == kind], 0.50),
                                                  "latency_ms_p95": _percentile([ms for k, ms, _ in flat
                                                                                 if k == kind], 0.95)}
                                           for kind in MIX}}
    if user is not None:  # our own user: its records of the run can be counted
        with db.session() as session:
            recorded = dict(session.execute(
                select(LedgerRecord.kind, func.count()).where(
                    LedgerRecord.seq > first_seq, LedgerRecord.actor == user,
                    LedgerRecord.kind.in_(RECORD_KINDS.values())).group_by(LedgerRecord.kind)).all())
        figures["ledger_records_missing"] = sum(max(0, answered[kind] - recorded.get(record_kind, 0))
                                                for kind, record_kind in RECORD_KINDS.items())
    return figures
