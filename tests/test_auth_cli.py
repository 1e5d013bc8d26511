"""`dualcheck users` and `dualcheck tokens`, and the first administrator of a fresh server."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cli_support import run_cli
from dualcheck.api.app import create_app
from dualcheck.cli.serve import ensure_first_admin
from dualcheck.config import Settings
from dualcheck.db.engine import Database
from dualcheck.ledger.models import LedgerRecord


def _cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return run_cli(capsys, *args)


def test_users_and_tokens_from_the_command_line(sqlite_db: Database, settings_for: Any,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(sqlite_db)
    monkeypatch.setenv("DUALCHECK_ACTOR", "ops")
    code, out, err = _cli(capsys, monkeypatch, "users", "add", "lena", "--role", "compliance_manager",
                          "--tenant", "acme", "--password-stdin", stdin="a long enough password\n")
    assert code == 0, err
    code, _, err = _cli(capsys, monkeypatch, "users", "add", "max", "--role", "wizard")
    assert code == 2 and "unknown role 'wizard'" in err and err.count("\n") == 1
    code, _, err = _cli(capsys, monkeypatch, "users", "add", "max", "--role", "viewer", "--password-stdin")
    assert code == 2 and "--password-stdin" in err
    code, out, _ = _cli(capsys, monkeypatch, "users", "list", "--format", "json")
    assert [(u["name"], u["role"], u["tenant"]) for u in json.loads(out)["users"]] == \
        [("lena", "compliance_manager", "acme")]
    code, out, err = _cli(capsys, monkeypatch, "tokens", "create", "lena", "--label", "erp", "--scope", "read",
                          "--expires", "2999-12-31")
    token = out.strip()
    assert code == 0 and out == token + "\n" and token.startswith("dc_") and len(token) > 40
    code, _, err = _cli(capsys, monkeypatch, "tokens", "create", "lena", "--expires", "31/12/2999")
    assert code == 2 and "--expires" in err
    client = TestClient(create_app(settings, sqlite_db))
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"ApiKey {token}"}).json()
    assert me == {"user": "lena", "role": "compliance_manager", "tenant": "acme", "via": "token",
                  "scopes": ["read"], "csrf_token": None}
    signed = client.post("/login", data={"username": "lena", "password": "a long enough password"},
                         follow_redirects=False)
    assert signed.status_code == 303
    code, out, _ = _cli(capsys, monkeypatch, "tokens", "list", "--format", "json")
    (listed,) = json.loads(out)["tokens"]
    assert token not in out and listed["expires_on"] == "2999-12-31"
    assert _cli(capsys, monkeypatch, "tokens", "revoke", str(listed["id"]))[0] == 0
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _cli(capsys, monkeypatch, "users", "disable", "lena")[0] == 0
    assert client.post("/login", data={"username": "lena", "password": "a long enough password"},
                       follow_redirects=False).status_code == 401
    with sqlite_db.session() as s:
        records = list(s.execute(select(LedgerRecord).where(LedgerRecord.kind.startswith("auth."))
                                 .order_by(LedgerRecord.seq)).scalars())
    operator = [(r.kind, r.actor) for r in records if r.actor.startswith("operator:")]
    assert operator == [("auth.tenant", "operator:ops"), ("auth.user", "operator:ops"),
                        ("auth.token.create", "operator:ops"), ("auth.token.revoke", "operator:ops"),
                        ("auth.user.disable", "operator:ops")]
    assert [r.kind for r in records if not r.actor.startswith("operator:")] == ["auth.signin", "auth.signin.failed"]


def test_first_admin_gets_a_private_password_file(sqlite_db: Database, tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_db.url, home=tmp_path / "home")
    ensure_first_admin(sqlite_db, settings)
    path = tmp_path / "home" / "initial-admin-password"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    password = path.read_text().strip()
    assert len(password) >= 20
    ensure_first_admin(sqlite_db, settings)  # users exist: nothing is replaced
    assert path.read_text().strip() == password
    client = TestClient(create_app(settings, sqlite_db))
    signed = client.post("/login", data={"username": "admin", "password": password}, follow_redirects=False)
    assert signed.status_code == 303
    assert client.get("/api/v1/auth/me").json()["role"] == "admin"
