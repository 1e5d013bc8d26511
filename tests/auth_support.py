"""Authenticated API clients for tests: a user of a role and tenant, and its bearer token."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from dualcheck.api.app import create_app
from dualcheck.auth.models import User
from dualcheck.auth.service import add_user, create_token
from dualcheck.config import Settings
from dualcheck.db.engine import Database


def auth_headers(db: Database, role: str, tenant: str = "default", user: str | None = None) -> dict[str, str]:
    """`Authorization: Bearer T` for a new token of USER (created with ROLE in TENANT if it does not exist)."""
    name = user or f"{role}-{tenant}-{uuid.uuid4().hex[:6]}"
    with db.write_session() as session:
        if session.execute(select(User.id).where(User.name == name)).first() is None:
            add_user(session, name, role=role, tenant=tenant, password=None, actor="test-setup")
        secret, _ = create_token(session, name, actor="test-setup")
    return {"Authorization": f"Bearer {secret}"}


def api_client(db: Database, role: str = "officer", tenant: str = "default", *, user: str | None = None,
               settings: Settings | None = None) -> TestClient:
    """A test client whose every request is authenticated as a user of ROLE in TENANT."""
    app = create_app(settings or Settings(database_url=db.url), db)
    return TestClient(app, headers=auth_headers(db, role, tenant, user))
