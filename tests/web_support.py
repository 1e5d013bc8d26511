"""The web application in tests: a database with a real list and the control lists, signed-in
browser clients of each role (session cookie and CSRF token), and a CSRF-aware form post."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from dualcheck.api.app import create_app
from dualcheck.auth.service import add_user
from dualcheck.config import Settings
from dualcheck.db.engine import Database

UN_LIST = Path("lists/un/UN_consolidated_2026-02-27.xml")
CONTROLS = [Path("controls/eu/annex_i_02021R0821-20251115_exports-watch.json"), Path("controls/us")]
LISTED_NAME = "CONGOMET TRADING HOUSE"  # an entity of the UN list
PASSWORD = "a long enough password"
FIXTURES = Path(__file__).parent / "fixtures"


def cli(home: Path, data_dir: Path, *args: str) -> None:
    env = {**os.environ, "DUALCHECK_HOME": str(home), "DUALCHECK_DATA_DIR": str(data_dir)}
    env.pop("DUALCHECK_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "dualcheck", *args], env=env, check=True, capture_output=True)


def build_loaded_home(home: Path, data_dir: Path) -> Path:
    """A DUALCHECK_HOME with the UN list and the EU/US control lists loaded; returns its database."""
    cli(home, data_dir, "db", "upgrade")
    cli(home, data_dir, "lists", "load", str(data_dir / UN_LIST))
    cli(home, data_dir, "controls", "load", *(str(data_dir / p) for p in CONTROLS))
    return home / "dualcheck.sqlite3"


def add_web_user(db: Database, role: str, name: str | None = None, tenant: str = "default") -> str:
    name = name or f"{role}-{uuid.uuid4().hex[:6]}"
    with db.write_session() as session:
        add_user(session, name, role=role, tenant=tenant, password=PASSWORD, actor="test-setup")
    return name


def browser(db: Database, role: str | None = None, *, name: str | None = None,
            settings: Settings | None = None) -> TestClient:
    """A client signed in through POST /login as a new user of ROLE (anonymous when role is None)."""
    client = TestClient(create_app(settings or Settings(database_url=db.url), db))
    if role is not None:
        user = add_web_user(db, role, name)
        answer = client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/", answer.text
    return client


def csrf_token(client: TestClient) -> str:
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200, me.text
    return str(me.json()["csrf_token"])


def post_form(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A form post as the browser sends it: with the session's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, follow_redirects=False,
                       **kwargs)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
