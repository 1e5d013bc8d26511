"""Who is acting in the browser, and what each role may do there.

The security layer (``dualcheck.auth``) proves who the request comes from; this module reads that
identity, refuses what the role may not do, and checks the session's CSRF token on every request
that changes something. Every page asks for one *permission*; the table below says which roles
hold it, so the server refuses whatever the browser sends.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Request

from dualcheck.api.deps import CSRF_HEADER, SAFE_METHODS, request_identity
from dualcheck.auth import roles
from dualcheck.auth.identity import Identity

PERMISSIONS: dict[str, frozenset[str]] = {
    "signed_in": roles.EVERYONE,            # the landing page sends each role where it works
    "read": roles.READERS,                  # dashboard, holds, checks, licences, counterparties, review
    "reference": roles.REFERENCE_READERS,   # list entries, the control lists, classification
    "screen": roles.OFFICERS,               # run a screening (recorded in the ledger)
    "decide": roles.OFFICERS,               # clear / confirm a hit, classify a product
    "check": roles.OFFICERS,                # run a transaction check
    "hold": roles.OFFICERS,                 # release / reject a hold (the holds domain checks the role further)
    "counterparties": roles.OFFICERS,       # import counterparties, run a batch
    "records": roles.RECORD_READERS,        # ledger verification, evidence packs
    "authority": roles.AUTHORITY_READERS,   # the authority's applications, denials, statistics
}


class WebUser:
    """The signed-in user as the pages see it."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.name, self.role, self.tenant = identity.user, identity.role, identity.tenant

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


class LoginRequired(Exception):
    """No signed-in user: the browser is sent to the sign-in page."""


class NotAllowed(Exception):
    """The signed-in user's role may not do this (or the CSRF token is missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def current_user(request: Request) -> WebUser | None:
    """The user the security layer proved for this request, or None."""
    identity = request_identity(request)
    if identity is None:
        return None
    request.state.csrf_token = identity.csrf_token
    return WebUser(identity)


async def _sent_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if (request.headers.get("content-type") or "").split(";")[0].strip() in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


def require(permission: str) -> Any:
    """A dependency: the signed-in user holding ``permission`` (else sign in, or a 403 page); an
    unsafe request under a browser session must carry the session's CSRF token."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def dependency(request: Request) -> WebUser:
        user = current_user(request)
        if user is None:
            raise LoginRequired()
        if not user.can(permission):
            raise NotAllowed(f"{user.name} ({user.role.replace('_', ' ')}) may not do this: "
                             f"it needs one of the roles {', '.join(sorted(PERMISSIONS[permission]))}")
        if request.method not in SAFE_METHODS and user.identity.via == "session":
            sent = await _sent_csrf(request)
            if not user.identity.csrf_token or not hmac.compare_digest(sent, user.identity.csrf_token):
                raise NotAllowed("the form's security token is missing or out of date: reload the page and try again")
        return user

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the route-policy test
    return dependency
