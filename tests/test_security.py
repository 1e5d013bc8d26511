"""Authentication and roles on every API route; tokens, sessions with CSRF, sign-in limits, headers."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auth_support import api_client, auth_headers
from dualcheck.api.app import API_PREFIX, create_app
from dualcheck.api.deps import route_policies
from dualcheck.auth import service
from dualcheck.auth.roles import ROLES
from dualcheck.config import Settings
from dualcheck.db.engine import Database
from dualcheck.ledger import verify
from dualcheck.ledger.models import LedgerRecord


def _api_routes() -> list[tuple[str, str, frozenset[str]]]:
    """(method, path, allowed roles) of every /api/v1 route of the app as built."""
    app = create_app(Settings(database_url="sqlite://"), Database("sqlite://"))
    found = route_policies(app, API_PREFIX + "/")
    assert all(roles is not None for _m, _p, roles in found)  # create_app refuses otherwise
    return [(m, p, roles) for m, p, roles in found if roles is not None]


ROUTES = _api_routes()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)  # ids that name nothing: no route changes the tokens


@pytest.fixture(scope="module")
def role_tokens(sqlite_template: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, dict[str, Any]]:
    import shutil

    path = tmp_path_factory.mktemp("roles") / "roles.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    return db, {role: auth_headers(db, role, "tenant-a") for role in ROLES}


def test_the_routes_cover_every_domain() -> None:
    domains = {path.split("/")[3] for _m, path, _r in ROUTES}
    assert {"lists", "screen", "counterparties", "controls", "checks", "ledger", "licences", "holds", "redflags",
            "risk", "authority", "users", "tokens"} <= domains
    assert len(ROUTES) > 70


@pytest.mark.parametrize(("method", "path", "roles"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_route_needs_credentials_and_a_permitted_role(method: str, path: str, roles: frozenset[str],
                                                            role_tokens: tuple[Database, dict[str, Any]]) -> None:
    db, headers = role_tokens
    client = TestClient(create_app(Settings(database_url=db.url), db))
    url = _concrete(path)
    anonymous = client.request(method, url)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    bogus = client.request(method, url, headers={"Authorization": "Bearer dc_not-a-token"})
    assert bogus.status_code == 401
    for role in sorted(set(ROLES) - roles):
        refused = client.request(method, url, headers=headers[role])
        assert refused.status_code == 403, (role, refused.text)
    for role in sorted(roles):  # a permitted role gets past the door (whatever the request's own answer)
        assert client.request(method, url, headers=headers[role]).status_code not in (401, 403), role


def test_health_and_sign_in_page_are_public(sqlite_db: Database) -> None:
    client = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_tokens_bearer_apikey_scopes_expiry_revocation_and_disabled_users(sqlite_db: Database) -> None:
    client = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))
    with sqlite_db.write_session() as s:
        service.add_user(s, "olga", role="officer", tenant="acme", password=None, actor="test")
        full, full_row = service.create_token(s, "olga", label="erp", actor="test")
        read_only, _ = service.create_token(s, "olga", scopes=["read"], actor="test")
        lists_only, _ = service.create_token(s, "olga", scopes=["lists"], actor="test")
        soon, soon_row = service.create_token(s, "olga", expires_on=dt.date.today() + dt.timedelta(days=1),
                                              actor="test")
        soon_row.expires_on = dt.date.today() - dt.timedelta(days=1)  # as if time had passed
    for scheme in ("Bearer", "ApiKey", "bearer"):
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"{scheme} {full}"})
        assert me.status_code == 200 and me.json()["user"] == "olga" and me.json()["tenant"] == "acme"
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Basic {full}"}).status_code == 401
    cp = {"ref": "C-1", "name": "Acme Trading"}
    assert client.post("/api/v1/counterparties", json=cp,
                       headers={"Authorization": f"Bearer {read_only}"}).status_code == 403
    assert client.get("/api/v1/counterparties", headers={"Authorization": f"Bearer {read_only}"}).status_code == 200
    assert client.get("/api/v1/counterparties", headers={"Authorization": f"Bearer {lists_only}"}).status_code == 403
    assert client.get("/api/v1/lists", headers={"Authorization": f"Bearer {lists_only}"}).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {soon}"}).status_code == 401
    with sqlite_db.write_session() as s:
        service.revoke_token(s, full_row.id, actor="test")
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {full}"}).status_code == 401
    with sqlite_db.write_session() as s:
        service.disable_user(s, "olga", actor="test")
    assert client.get("/api/v1/lists", headers={"Authorization": f"Bearer {lists_only}"}).status_code == 401
    with sqlite_db.session() as s:
        stored = json.dumps([r.payload for r in s.execute(select(LedgerRecord)).scalars()])
        kinds = [r.kind for r in s.execute(select(LedgerRecord).order_by(LedgerRecord.seq)).scalars()]
        assert verify(s).ok
    for secret in (full, read_only, lists_only, soon):
        assert secret not in stored
    assert kinds.count("auth.token.create") == 4 and "auth.token.revoke" in kinds and "auth.user.disable" in kinds


def test_bad_token_requests_are_refused_with_one_line(sqlite_db: Database) -> None:
    with sqlite_db.write_session() as s:
        service.add_user(s, "pat", role="viewer", password=None, actor="test")
        with pytest.raises(Exception, match="unknown scope 'everything'"):
            service.create_token(s, "pat", scopes=["everything"], actor="test")
        with pytest.raises(Exception, match="not in the future"):
            service.create_token(s, "pat", expires_on=dt.date(2020, 1, 1), actor="test")
        with pytest.raises(Exception, match="unknown role 'superuser'"):
            service.add_user(s, "quinn", role="superuser", password=None, actor="test")
        with pytest.raises(Exception, match="at least 12 characters"):
            service.add_user(s, "quinn", role="viewer", password="short", actor="test")


def _sign_in(client: TestClient, name: str, password: str) -> Any:
    return client.post("/login", data={"username": name, "password": password}, follow_redirects=False)


def test_browser_session_with_csrf_and_logout(sqlite_db: Database) -> None:
    password = "correct horse battery staple"
    with sqlite_db.write_session() as s:
        service.add_user(s, "mia", role="officer", tenant="acme", password=password, actor="test")
    client = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))
    assert client.get("/ui/", follow_redirects=False).headers["location"] == "/login"
    form = client.get("/login")
    assert 'name="username"' in form.text and 'name="password"' in form.text and "<script" not in form.text
    wrong = _sign_in(client, "mia", "wrong password!!")
    assert wrong.status_code == 401 and "dualcheck_session" not in wrong.cookies
    ok = _sign_in(client, "mia", password)
    assert ok.status_code == 303 and ok.headers["location"] == "/ui/"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    page = client.get("/ui/")
    assert page.status_code == 200 and "mia" in page.text and "officer" in page.text
    me = client.get("/api/v1/auth/me").json()
    assert me["via"] == "session" and me["csrf_token"]
    cp = {"ref": "C-1", "name": "Acme Trading"}
    assert client.post("/api/v1/counterparties", json=cp).status_code == 403  # no CSRF token
    assert client.post("/api/v1/counterparties", json=cp, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/v1/counterparties", json=cp,
                       headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 201
    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.set("dualcheck_session", cookie.split(";")[0].split("=", 1)[1])  # replaying the old cookie
    assert client.get("/api/v1/auth/me").status_code == 401
    with sqlite_db.session() as s:
        kinds = [r.kind for r in s.execute(select(LedgerRecord).order_by(LedgerRecord.seq)).scalars()]
        payloads = " ".join(r.payload for r in s.execute(select(LedgerRecord)).scalars())
    assert kinds.count("auth.signin") == 1 and kinds.count("auth.signin.failed") == 1
    assert password not in payloads and "wrong password!!" not in payloads


def test_sign_in_is_rate_limited(sqlite_db: Database) -> None:
    with sqlite_db.write_session() as s:
        service.add_user(s, "nora", role="viewer", password="a long enough password", actor="test")
    client = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db))
    answers = [_sign_in(client, "nora", f"guess number {i}").status_code for i in range(7)]
    assert answers == [401] * 5 + [429] * 2
    limited = _sign_in(client, "nora", "a long enough password")  # even the right password waits
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_security_headers_and_request_size_limit(sqlite_db: Database) -> None:
    settings = Settings(database_url=sqlite_db.url, max_request_bytes=4096)
    client = api_client(sqlite_db, "officer", settings=settings)
    for response in (client.get("/health"), client.get("/login"), client.get("/api/v1/auth/me")):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in \
            csp.split("script-src")[1].split(";")[0]
        assert response.headers["x-content-type-options"] == "nosniff"
    big = client.post("/api/v1/screen", content=b'{"name": "' + b"x" * 5000 + b'"}',
                      headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "4096" in big.json()["detail"]


def test_only_an_admin_manages_users_roles_and_tokens_of_its_own_tenant(sqlite_db: Database) -> None:
    admin = api_client(sqlite_db, "admin", "acme", user="root-acme")
    manager = auth_headers(sqlite_db, "compliance_manager", "acme", user="cm-acme")
    other_admin = auth_headers(sqlite_db, "admin", "globex", user="root-globex")
    created = admin.post("/api/v1/users", json={"name": "ivy", "role": "viewer"})
    assert created.status_code == 201 and created.json()["tenant"] == "acme"
    assert admin.put("/api/v1/users/ivy/role", json={"role": "compliance_manager"},
                     headers=manager).status_code == 403
    assert admin.put("/api/v1/users/ivy/role", json={"role": "compliance_manager"},
                     headers=other_admin).status_code == 404
    assert admin.put("/api/v1/users/ivy/role", json={"role": "compliance_manager"}).json()["role"] == \
        "compliance_manager"
    token = admin.post("/api/v1/tokens", json={"user": "ivy", "label": "erp"}).json()
    ivy = {"Authorization": f"Bearer {token['token']}"}
    assert admin.get("/api/v1/auth/me", headers=ivy).json()["role"] == "compliance_manager"
    assert admin.post("/api/v1/tokens", json={"user": "ivy"}, headers=other_admin).status_code == 404
    assert [u["name"] for u in admin.get("/api/v1/users", headers=other_admin).json()["users"]] == ["root-globex"]
    assert admin.delete(f"/api/v1/tokens/{token['id']}", headers=other_admin).status_code == 404
    assert admin.delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    assert admin.get("/api/v1/auth/me", headers=ivy).status_code == 401
    with sqlite_db.session() as s:
        roles = [json.loads(r.payload) for r in s.execute(select(LedgerRecord).where(
            LedgerRecord.kind == "auth.role")).scalars()]
    assert roles == [{"user": "ivy", "tenant": "acme", "from": "viewer", "to": "compliance_manager"}]


def test_database_and_key_files_are_private(tmp_path: Any) -> None:
    import os
    import stat

    from dualcheck.ledger.keys import forget_keys, signing_key
    from dualcheck.ledger.settings import ledger_settings, reset_ledger_settings_cache

    db = Database(f"sqlite:///{tmp_path / 'new' / 'fresh.sqlite3'}")
    db.check_connection()
    db.dispose()
    reset_ledger_settings_cache()
    forget_keys()
    signing_key()  # created on first use
    for path in (tmp_path / "new" / "fresh.sqlite3", ledger_settings().effective_key_file):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    forget_keys()


def test_xml_inside_xlsx_with_a_doctype_is_refused() -> None:
    import io
    import zipfile

    from dualcheck.errors import BadInput
    from dualcheck.lists.sources.xlsx import sheet_rows

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<workbook/>')
    with pytest.raises(BadInput, match=r"list\.xlsx.*DOCTYPE|xl/workbook\.xml: line 2: XML with a DOCTYPE"):
        list(sheet_rows(buffer.getvalue(), "list.xlsx"))
