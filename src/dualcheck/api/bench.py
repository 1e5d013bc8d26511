"""`dualcheck bench api`: authenticated clients screening over HTTP on the loopback interface.

Without ``--url`` the server runs in this process on a free loopback port, over the configured
database; without ``--token`` a bench user (role officer, tenant ``bench``) gets a token. Every
answered screening must leave its ledger record: the figures count the records of the run and
report any that are missing.
"""

from __future__ import annotations

import ipaddress
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
        add_user(session, name, role="officer", tenant="bench", password=None, actor="operator:bench")
        token, _ = create_token(session, name, label="dualcheck bench api", actor="operator:bench")
    return name, token


def _client_loop(url: str, token: str, until: float, offset: int, out: list[tuple[float, bool]]) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        i = offset
        while time.monotonic() < until:
            start = time.perf_counter()
            try:
                ok = client.post("/api/v1/screen", json={"name": NAMES[i % len(NAMES)]}).status_code == 200
            except httpx.HTTPError:
                ok = False
            out.append(((time.perf_counter() - start) * 1000, ok))
            i += 1


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


def run_bench(db: Database, *, clients: int, seconds: float, url: str | None, token: str | None) -> dict[str, Any]:
    from dualcheck.ledger.models import LedgerRecord

    clients, seconds = max(1, min(clients, MAX_CLIENTS)), max(1.0, min(seconds, MAX_SECONDS))
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
        results: list[list[tuple[float, bool]]] = [[] for _ in range(clients)]
        until = time.monotonic() + seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=_client_loop, args=(base, token, until, i, results[i]))
                   for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    flat = [r for rs in results for r in rs]
    answered = sum(ok for _ms, ok in flat)
    figures: dict[str, Any] = {"clients": clients, "seconds": round(elapsed, 2), "requests": len(flat),
                               "requests_per_second": round(len(flat) / elapsed, 1) if elapsed else 0.0,
                               "latency_ms_p50": _percentile([ms for ms, _ in flat], 0.50),
                               "latency_ms_p95": _percentile([ms for ms, _ in flat], 0.95),
                               "errors": len(flat) - answered, "ledger_records_missing": None}
    if user is not None:  # our own user: its records of the run can be counted
        with db.session() as session:
            recorded = session.execute(select(func.count()).select_from(LedgerRecord).where(
                LedgerRecord.seq > first_seq, LedgerRecord.kind == "screening.screen",
                LedgerRecord.actor == user)).scalar_one()
        figures["ledger_records_missing"] = max(0, answered - recorded)
    return figures
