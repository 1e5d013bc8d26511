"""The server: /health, landing page, OpenAPI, request IDs, in-process and as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from auth_support import auth_headers
from dualcheck import __version__
from dualcheck.api.app import create_app
from dualcheck.config import Settings
from dualcheck.db.engine import Database


def _client(db: Database) -> TestClient:
    return TestClient(create_app(Settings(database_url=db.url), db))


def test_health_in_process(any_db: Database) -> None:
    with _client(any_db) as client:
        r = client.get("/health")
    assert r.status_code == 200
    doc = r.json()
    assert doc["status"] == "ok" and doc["version"] == __version__
    assert doc["database"] == {"kind": any_db.kind, "migrated": True}
    assert "lists" in doc["data_versions"] and "controls" in doc["data_versions"]
    assert r.headers["x-request-id"]


def test_request_id_is_echoed(sqlite_db: Database) -> None:
    with _client(sqlite_db) as client:
        r = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


def test_unmigrated_database_is_reported_degraded(tmp_path: Path) -> None:
    from dualcheck.db.migrate import upgrade

    db = Database(f"sqlite:///{tmp_path / 'partly.sqlite3'}")
    upgrade(db, "0001")  # the foundation only: every domain branch is missing
    with _client(db) as client:
        r = client.get("/health")
    assert r.status_code == 503
    assert r.json()["status"] == "degraded" and r.json()["database"]["migrated"] is False


def test_landing_page_and_openapi(sqlite_db: Database) -> None:
    with _client(sqlite_db) as client:
        page = client.get("/")
        anonymous = client.get("/api/v1/openapi.json")
        spec = client.get("/api/v1/openapi.json", headers=auth_headers(sqlite_db, "viewer"))
    assert page.status_code == 200 and "dualcheck" in page.text and "/login" in page.text
    assert anonymous.status_code == 401
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "dualcheck"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_as_a_real_process(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DUALCHECK_HOME": str(tmp_path / "home"), "DUALCHECK_LOG_FORMAT": "json"}
    env.pop("DUALCHECK_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "dualcheck", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {proc.stderr.read() if proc.stderr else ''}")
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["database"]["kind"] == "sqlite"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, -15), err  # uvicorn re-raises SIGTERM after a graceful shutdown
    assert "Application shutdown complete" in err
    assert '"path": "/health"' in err  # structured JSON access log
