"""Request dependencies: settings, database sessions, and who is acting.

Every route under /api/v1 is authenticated by the router (``authenticated``) and declares the
roles that may act with ``allow(...)``; ``create_app`` refuses to start if one does not, so a
route added later is never open by accident.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session

from dualcheck.auth.identity import SESSION_COOKIE, Identity, resolve_identity
from dualcheck.config import Settings
from dualcheck.db.engine import Database

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "x-csrf-token"


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def db_session(request: Request) -> Iterator[Session]:
    with get_db(request).session() as session:
        yield session


def write_session(request: Request) -> Iterator[Session]:
    """A write transaction, used with scope="function" so it commits before the answer is sent: a
    client never holds an answer whose ledger record is not durable."""
    with get_db(request).write_session() as session:
        yield session


# the dependency the routes that write use: committed before the answer is sent
WRITE_SESSION = Depends(write_session, scope="function")


def resolve_request_identity(request: Request) -> Identity | None:
    """Resolve the request's credentials (the app's middleware does it once per request)."""
    identity = None
    if request.headers.get("authorization") or SESSION_COOKIE in request.cookies:
        with get_db(request).session() as session:
            identity = resolve_identity(session, request.headers, request.cookies)
    request.state.identity = identity
    return identity


def request_identity(request: Request) -> Identity | None:
    """The identity proven by the request's credentials, or None."""
    if not hasattr(request.state, "identity"):
        return resolve_request_identity(request)
    identity: Identity | None = request.state.identity
    return identity


def _route_domain(request: Request) -> str | None:
    route = request.scope.get("route")
    tags = getattr(route, "tags", None) or []
    return str(tags[0]) if tags else None


def authenticated(request: Request) -> Identity:
    """401 without valid credentials; 403 for a session's unsafe request without its CSRF token,
    or for a token used outside its scopes."""
    identity = request_identity(request)
    if identity is None:
        raise HTTPException(401, "authentication required: a session, or Authorization: Bearer TOKEN",
                            headers={"WWW-Authenticate": 'Bearer realm="dualcheck"'})
    if identity.via == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not identity.csrf_token or not hmac.compare_digest(sent, identity.csrf_token):
            raise HTTPException(403, "CSRF token missing or wrong (X-CSRF-Token header)")
    if not identity.in_scope(_route_domain(request), request.method):
        raise HTTPException(403, "the token's scopes do not cover this request")
    return identity


def allow(roles: frozenset[str]) -> list[Any]:
    """A route's ``dependencies=``: only these roles act (403 for the others)."""
    def allowed(request: Request) -> Identity:
        identity = authenticated(request)
        if identity.role not in roles:
            raise HTTPException(403, f"role {identity.role} may not do this")
        return identity

    allowed.allowed_roles = roles  # type: ignore[attr-defined]
    return [Depends(allowed)]


def allowed_roles(route: Any) -> frozenset[str] | None:
    """The roles a route declared with ``allow``, or None if it declared none."""
    for dep in getattr(route, "dependencies", []):
        roles = getattr(dep.dependency, "allowed_roles", None)
        if roles is not None:
            return frozenset(roles)
    return None


def route_policies(app: FastAPI, prefix: str) -> list[tuple[str, str, frozenset[str] | None]]:
    """(method, path, allowed roles or None) of every route of the app under ``prefix``."""
    found: list[tuple[str, str, frozenset[str] | None]] = []
    for context in iter_route_contexts(app.routes):
        if context.path and context.path.startswith(prefix):
            roles = allowed_roles(context.route) or allowed_roles(context.original_route)
            found.extend((method, context.path, roles) for method in sorted(context.methods or ()))
    return found


def current_identity(request: Request) -> Identity:
    return authenticated(request)


def actor(request: Request) -> str:
    """Who is acting: the authenticated user's name."""
    return authenticated(request).user


def tenant(request: Request) -> str:
    """The acting user's tenant: the owner of what the request reads or writes."""
    return authenticated(request).tenant
