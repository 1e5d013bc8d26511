"""Who is acting in the browser, and what each role may do there.

The security layer authenticates the browser session and puts the signed-in user on the request
(``request.state.user``); this module only reads it. Every page asks for one *permission*; the
table below says which roles hold it, so the server refuses what a role may not do whatever the
browser sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

ROLES = ("viewer", "officer", "compliance_manager", "auditor", "admin", "authority_officer")

_READERS = frozenset({"viewer", "officer", "compliance_manager", "auditor", "admin"})
_DECIDERS = frozenset({"officer", "compliance_manager"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "read": _READERS,                      # dashboard, holds, checks, licences, classification, lists
    "screen": _DECIDERS | {"admin"},       # run a screening (recorded in the ledger)
    "decide": _DECIDERS,                   # clear / confirm a hit, classify a product
    "check": _DECIDERS,                    # run a transaction check
    "hold": _DECIDERS,                     # release / reject a hold
    "counterparties": _DECIDERS,           # import counterparties, run a batch
    "records": frozenset({"officer", "compliance_manager", "auditor", "admin"}),  # ledger, evidence packs
    "authority": frozenset({"authority_officer"}),
}

# the role a user acts in when deciding a hold (the holds domain's release and override roles)
HOLD_ROLES = {"officer": "export_control_officer", "compliance_manager": "compliance_manager"}


@dataclass(frozen=True)
class WebUser:
    name: str
    role: str
    tenant: str | None = None

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    @property
    def hold_role(self) -> str | None:
        return HOLD_ROLES.get(self.role)


class LoginRequired(Exception):
    """No signed-in user: the browser is sent to the sign-in page."""


class NotAllowed(Exception):
    """The signed-in user's role may not do this."""

    def __init__(self, user: WebUser, permission: str) -> None:
        super().__init__(f"{user.name} ({user.role}) may not {permission.replace('_', ' ')} here")
        self.user, self.permission = user, permission


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value:
            return value
    return None


def current_user(request: Request) -> WebUser | None:
    """The user the security layer signed in for this request, or None."""
    user = getattr(request.state, "user", None)
    if user is None:
        return None
    if isinstance(user, WebUser):
        return user
    role = _attr(user, "role")
    if role is None:
        roles = _attr(user, "roles") or ()
        role = next((r for r in ROLES if r in roles), None)
    name = _attr(user, "name", "username")
    if not name or role not in ROLES:
        return None
    return WebUser(name=str(name), role=str(role), tenant=_attr(user, "tenant"))


def require(permission: str) -> Any:
    """A dependency: the signed-in user holding ``permission`` (else sign in, or a 403 page)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def dependency(request: Request) -> WebUser:
        user = current_user(request)
        if user is None:
            raise LoginRequired()
        if not user.can(permission):
            raise NotAllowed(user, permission)
        return user

    return dependency
