"""Who is acting: the one place that turns credentials into an identity.

Credentials are resolved in order by the functions in ``RESOLVERS`` (API token in the
Authorization header, then the browser session cookie). Another sign-in method (OIDC, say)
is one more resolver that maps its proof to an existing user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from dualcheck.auth.roles import READ_SCOPE

SESSION_COOKIE = "dualcheck_session"
TOKEN_SCHEMES = ("bearer", "apikey")


@dataclass(frozen=True)
class Identity:
    user: str
    role: str
    tenant: str
    via: str  # token | session | operator
    scopes: tuple[str, ...] = ()
    csrf_token: str | None = None  # sessions only: unsafe requests must echo it
    token_id: int | None = None
    roles: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset({self.role}))

    def in_scope(self, domain: str | None, method: str) -> bool:
        """A token narrowed by scopes acts only in those API domains, and only reads with ``read``."""
        if not self.scopes:
            return True
        domains = set(self.scopes) - {READ_SCOPE}
        if domains and domain not in domains:
            return False
        return not (READ_SCOPE in self.scopes and method not in ("GET", "HEAD", "OPTIONS"))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of ``Authorization: Bearer T`` or ``Authorization: ApiKey T``, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() or None if scheme.lower() in TOKEN_SCHEMES else None


# A resolver answers None when the request carries none of its credentials, else the identity
# they prove (None inside: presented but invalid). The first resolver whose credentials are
# present decides: a bad token is refused even if a session cookie comes with it.
Resolver = Callable[[Session, Mapping[str, str], Mapping[str, str]], "tuple[Identity | None] | None"]


def _from_token(session: Session, headers: Mapping[str, str],
                _cookies: Mapping[str, str]) -> tuple[Identity | None] | None:
    from dualcheck.auth.service import token_identity

    if not headers.get("authorization"):
        return None
    token = bearer_token(headers.get("authorization"))
    return (token_identity(session, token) if token else None,)


def _from_session_cookie(session: Session, _headers: Mapping[str, str],
                         cookies: Mapping[str, str]) -> tuple[Identity | None] | None:
    from dualcheck.auth.service import session_identity

    sid = cookies.get(SESSION_COOKIE)
    return (session_identity(session, sid),) if sid else None


RESOLVERS: list[Resolver] = [_from_token, _from_session_cookie]


def resolve_identity(session: Session, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity | None:
    """The identity the request's credentials prove, or None (no or invalid credentials)."""
    for resolver in RESOLVERS:
        answer = resolver(session, headers, cookies)
        if answer is not None:
            return answer[0]
    return None
