"""The yente-compatible API, driven by OpenSanctions' own yente-client against a server on a
loopback port: match (recorded in the ledger), search, fetch, catalog, algorithms and the probes."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from yente_client import Client, Organization, Person
from yente_client.exceptions import APIError, NotFoundError

from auth_support import auth_headers
from dualcheck.api.app import create_app
from dualcheck.config import Settings
from dualcheck.db.engine import Database
from dualcheck.ledger.models import LedgerRecord
from dualcheck.lists.loader import load_paths
from dualcheck.screening.service import forget_indexes

FIX = Path(__file__).parent / "fixtures" / "screening"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(sqlite_db: Database) -> Iterator[str]:
    forget_indexes()
    load_paths(sqlite_db, [FIX / "parties_2025-01-01.ftm.json"], actor="test", workers=1)
    forget_indexes()
    port = _free_port()
    app = create_app(Settings(database_url=sqlite_db.url), sqlite_db)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    forget_indexes()


def _key(db: Database, role: str = "officer") -> str:
    return auth_headers(db, role)["Authorization"].split(" ", 1)[1]


def _yente_records(db: Database) -> list[dict]:  # type: ignore[type-arg]
    with db.session() as session:
        rows = session.execute(select(LedgerRecord).where(LedgerRecord.kind == "screening.screen")).scalars()
        payloads = [json.loads(r.payload) for r in rows]
    return [p for p in payloads if p.get("via") == "yente-match"]


def test_yente_client_matches_searches_and_fetches(server: str, sqlite_db: Database) -> None:
    with Client(api_key=_key(sqlite_db), base_url=server) as client:
        assert client.healthz().status == "ok"
        assert client.readyz().status == "ok"
        catalog = client.datasets()
        assert {"ftm-testlist", "default"} <= {d.name for d in catalog.datasets}
        assert next(d for d in catalog.datasets if d.name == "ftm-testlist").entity_count == 4
        algorithms = client.algorithms()
        assert algorithms.best == algorithms.default == "dualcheck"

        found = client.match(Person(name="Ivan Petrov", nationality="ru", birthDate="1965-03-02"))
        assert found.top is not None and found.top.id == "tl-p1" and found.top.match
        assert found.top.datasets == ["ftm-testlist"] and "name_match" in found.top.explanations
        assert found.top.score >= 0.8
        other = client.match(Organization(name="Golden Crescent Trading"), datasets=["ftm-testlist"], limit=3)
        assert [r.id for r in other.matches] == ["tl-p2"]
        nobody = client.match(Person(name="Wilhelmina Octavia Brandtner"))
        assert nobody.matches == []
        # each match query is a screening in the ledger, with its hits
        records = _yente_records(sqlite_db)
        assert len(records) == 3
        assert records[0]["hits"][0]["entity_id"] == "tl-p1" and records[2]["hits"] == []

        results = client.search("Ocean Pearl")
        assert [e.id for e in results.results] == ["tl-v1"] and results.total.value == 1
        entity = client.fetch("tl-p3")
        assert entity.caption == "Maria Fernanda Lopez" and entity.schema_ == "Person"
        assert entity.properties["birthDate"] == ["1980"]
        with pytest.raises(NotFoundError):
            client.fetch("no-such-entity")
        with pytest.raises(NotFoundError):
            client.match(Person(name="Ivan Petrov"), datasets=["no-such-list"])


def test_yente_routes_authenticate_like_the_api(server: str, sqlite_db: Database) -> None:
    with Client(base_url=server) as anonymous:
        assert anonymous.healthz().status == "ok"  # the probes are public
        with pytest.raises(APIError):
            anonymous.match(Person(name="Ivan Petrov"))
        with pytest.raises(APIError):
            anonymous.fetch("tl-p1")
    with Client(api_key=_key(sqlite_db, "viewer"), base_url=server) as viewer:
        assert viewer.fetch("tl-p1").id == "tl-p1"  # a reader reads ...
        with pytest.raises(APIError):
            viewer.match(Person(name="Ivan Petrov"))  # ... but a screening is an officer's
    bearer = httpx.post(f"{server}/match/default", headers=auth_headers(sqlite_db, "officer"),
                        json={"queries": {"a": {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}}}})
    assert bearer.status_code == 200 and bearer.json()["responses"]["a"]["results"][0]["id"] == "tl-p1"
    bad = httpx.post(f"{server}/match/default", headers=auth_headers(sqlite_db, "officer"),
                     json={"queries": {"a": {"schema": "Person", "properties": {"birthDate": ["1965"]}}}})
    assert bad.status_code == 422 and "queries.a" in bad.json()["detail"]
    assert len(_yente_records(sqlite_db)) == 1
