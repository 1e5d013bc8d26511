"""Users, tenants, API tokens and browser sessions; every change is a ledger record.

Ledger kinds: ``auth.tenant``, ``auth.user``, ``auth.role``, ``auth.user.disable``, ``auth.token.create``,
``auth.token.revoke``, ``auth.signin``, ``auth.signin.failed``. Subject = the user's name. No
password, token or session id is ever written to the ledger or the log.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dualcheck.auth.identity import Identity, digest
from dualcheck.auth.models import DEFAULT_TENANT, ApiToken, BrowserSession, Tenant, User
from dualcheck.auth.roles import ADMIN, ROLES, SCOPES
from dualcheck.db.base import utcnow
from dualcheck.errors import BadInput, NotFound
from dualcheck.ledger import append

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")
TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 12
SESSION_HOURS = 8
TOKEN_PREFIX = "dc_"
INITIAL_ADMIN = "admin"
INITIAL_PASSWORD_FILE = "initial-admin-password"

_hasher = PasswordHasher()
# verified against when the user does not exist, so that both answers take the same time
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r} (roles: {', '.join(ROLES)})", location="role")
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"a password needs at least {MIN_PASSWORD} characters", location="password")
    return password


def ensure_tenant(session: Session, name: str, *, actor: str) -> Tenant:
    tenant = session.get(Tenant, name)
    if tenant is not None:
        return tenant
    if not TENANT_NAME.match(name):
        raise BadInput(f"tenant name {name!r}: lower-case letters, digits, '.', '_' or '-' (64 at most)",
                       location="tenant")
    tenant = Tenant(name=name)
    session.add(tenant)
    session.flush()
    append(session, "auth.tenant", {"tenant": name}, actor=actor, subject=f"tenant:{name}")
    return tenant


def get_user(session: Session, name: str, *, tenant: str | None = None) -> User:
    """A user by name; with ``tenant``, a user of another tenant is not found."""
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None or (tenant is not None and user.tenant != tenant):
        raise NotFound(f"user {name!r} not found")
    return user


def add_user(session: Session, name: str, *, role: str, tenant: str = DEFAULT_TENANT,
             password: str | None, actor: str) -> User:
    if not NAME.match(name):
        raise BadInput(f"user name {name!r}: letters, digits, '.', '_', '@' or '-' (200 at most)", location="name")
    _check_role(role)
    if session.execute(select(User.id).where(User.name == name)).first() is not None:
        raise BadInput(f"user {name!r} exists already", location="name")
    ensure_tenant(session, tenant, actor=actor)
    user = User(name=name, role=role, tenant=tenant, created_by=actor, disabled=False,
                password_hash=_hasher.hash(_check_password(password)) if password is not None else None)
    session.add(user)
    session.flush()
    append(session, "auth.user", {"user": name, "role": role, "tenant": tenant,
                                  "password": password is not None}, actor=actor, subject=name)
    return user


def user_document(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "tenant": user.tenant, "disabled": user.disabled,
            "created_at": user.created_at.isoformat(), "created_by": user.created_by}


def list_users(session: Session, *, tenant: str | None = None) -> list[User]:
    query = select(User).order_by(User.tenant, User.name)
    return list(session.execute(query.where(User.tenant == tenant) if tenant else query).scalars())


def _end_sessions(session: Session, user: User) -> None:
    session.execute(delete(BrowserSession).where(BrowserSession.user_id == user.id))


def set_role(session: Session, name: str, role: str, *, actor: str, tenant: str | None = None) -> User:
    """Give a user another role (only an admin may: the API and web check the caller first)."""
    user = get_user(session, name, tenant=tenant)
    _check_role(role)
    if user.role != role:
        before, user.role = user.role, role
        _end_sessions(session, user)
        session.flush()
        append(session, "auth.role", {"user": name, "tenant": user.tenant, "from": before, "to": role},
               actor=actor, subject=name)
    return user


def disable_user(session: Session, name: str, *, actor: str, tenant: str | None = None) -> User:
    """Disable a user: no more sign-in, its sessions end and its tokens stop working."""
    user = get_user(session, name, tenant=tenant)
    if not user.disabled:
        user.disabled = True
        _end_sessions(session, user)
        session.flush()
        append(session, "auth.user.disable", {"user": name, "tenant": user.tenant}, actor=actor, subject=name)
    return user


def create_token(session: Session, user_name: str, *, label: str | None = None, scopes: list[str] | None = None,
                 expires_on: dt.date | None = None, actor: str, tenant: str | None = None) -> tuple[str, ApiToken]:
    """A new API token acting as the user; the secret is returned once and stored only as a digest."""
    user = get_user(session, user_name, tenant=tenant)
    if user.disabled:
        raise BadInput(f"user {user_name!r} is disabled", location="user")
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise BadInput(f"unknown scope {unknown[0]!r} (scopes: {', '.join(SCOPES)})", location="scope")
    if expires_on is not None and expires_on <= dt.datetime.now(dt.UTC).date():
        raise BadInput(f"expiry {expires_on.isoformat()} is not in the future", location="expires")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_sha256=digest(secret), label=label, scopes=scopes, expires_on=expires_on,
                     created_by=actor)
    session.add(token)
    session.flush()
    append(session, "auth.token.create", {"user": user.name, "tenant": user.tenant, "token_id": token.id,
                                          "label": label, "scopes": scopes,
                                          "expires_on": expires_on.isoformat() if expires_on else None},
           actor=actor, subject=user.name)
    return secret, token


def revoke_token(session: Session, token_id: int, *, actor: str, tenant: str | None = None) -> ApiToken:
    row = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.id == token_id)).first()
    if row is None or (tenant is not None and row[1].tenant != tenant):
        raise NotFound(f"token {token_id} not found")
    token, user = row
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        append(session, "auth.token.revoke", {"user": user.name, "tenant": user.tenant, "token_id": token.id},
               actor=actor, subject=user.name)
    return token


def token_documents(session: Session, *, tenant: str | None = None) -> list[dict[str, Any]]:
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if tenant:
        query = query.where(User.tenant == tenant)
    return [{"id": t.id, "user": u.name, "label": t.label, "scopes": t.scopes,
             "expires_on": t.expires_on.isoformat() if t.expires_on else None,
             "revoked": t.revoked_at is not None, "created_at": t.created_at.isoformat()}
            for t, u in session.execute(query)]


def _identity(user: User, via: str, **extra: Any) -> Identity:
    return Identity(user=user.name, role=user.role, tenant=user.tenant, via=via, **extra)


def token_identity(session: Session, secret: str) -> Identity | None:
    """The identity of a valid (known, unrevoked, unexpired, enabled user's) token, else None."""
    row = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.token_sha256 == digest(secret))).first()
    if row is None:
        return None
    token, user = row
    today = dt.datetime.now(dt.UTC).date()
    if token.revoked_at is not None or user.disabled or (token.expires_on is not None and token.expires_on < today):
        return None
    return _identity(user, "token", scopes=tuple(token.scopes or ()), token_id=token.id)


def sign_in(session: Session, name: str, password: str, *, client: str | None) -> User | None:
    """Check a password; the sign-in and every failure are ledger records (without the password)."""
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none() if NAME.match(name) else None
    try:
        _hasher.verify(user.password_hash if user is not None and user.password_hash else _DUMMY_HASH, password)
        ok = user is not None and user.password_hash is not None
    except (VerificationError, InvalidHashError):
        ok = False
    reason = None if ok and user is not None and not user.disabled else (
        "unknown user" if user is None else "disabled" if user.disabled else "wrong password")
    subject = name[:200] if name else "(empty)"
    if reason is not None:
        append(session, "auth.signin.failed", {"user": subject, "reason": reason, "client": client},
               actor=subject, subject=subject)
        return None
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = _hasher.hash(password)
    append(session, "auth.signin", {"user": user.name, "tenant": user.tenant, "client": client},
           actor=user.name, subject=user.name)
    return user


def open_session(session: Session, user: User) -> str:
    """A new browser session for the user; returns the cookie value (stored only as a digest)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(BrowserSession).where(BrowserSession.expires_at < now))
    session.add(BrowserSession(id_sha256=digest(sid), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                               created_at=now, expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
    session.flush()
    return sid


def session_identity(session: Session, sid: str) -> Identity | None:
    row = session.execute(select(BrowserSession, User).join(User, User.id == BrowserSession.user_id)
                          .where(BrowserSession.id_sha256 == digest(sid))).first()
    if row is None:
        return None
    browser, user = row
    if user.disabled or browser.expires_at < utcnow():
        return None
    return _identity(user, "session", csrf_token=browser.csrf_token)


def close_session(session: Session, sid: str) -> None:
    session.execute(update(BrowserSession).where(BrowserSession.id_sha256 == digest(sid))
                    .values(expires_at=utcnow() - dt.timedelta(seconds=1)))


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600), created that way rather than narrowed afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def ensure_first_admin(session: Session, home: Path, *, actor: str) -> Path | None:
    """On a database without users: an ``admin`` with a random password written to a 0600 file in
    DUALCHECK_HOME. Returns the file's path, or None when users exist already."""
    if session.execute(select(func.count()).select_from(User)).scalar_one():
        return None
    password = secrets.token_urlsafe(18)
    add_user(session, INITIAL_ADMIN, role=ADMIN, tenant=DEFAULT_TENANT, password=password, actor=actor)
    path = home / INITIAL_PASSWORD_FILE
    write_private(path, password + "\n")
    return path
