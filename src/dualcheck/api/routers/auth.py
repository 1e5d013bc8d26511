"""API routes for identities: who am I, and (admins) the users, roles and tokens of their tenant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dualcheck.api.deps import WRITE_SESSION, allow, current_identity, db_session
from dualcheck.auth import roles, service
from dualcheck.auth.identity import Identity

router = APIRouter(tags=["auth"])


class Me(BaseModel):
    user: str
    role: str
    tenant: str
    via: str
    scopes: list[str]
    csrf_token: str | None = Field(default=None, description="Sessions only: send it as X-CSRF-Token on "
                                                             "requests that change something.")


class UserOut(BaseModel):
    name: str
    role: str
    tenant: str
    disabled: bool
    created_at: str
    created_by: str


class UsersOut(BaseModel):
    users: list[UserOut]


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: str
    password: str | None = Field(default=None, min_length=service.MIN_PASSWORD, max_length=1000)


class RoleChange(BaseModel):
    role: str


class NewToken(BaseModel):
    user: str = Field(min_length=1, max_length=200)
    label: str | None = Field(default=None, max_length=200)
    scopes: list[str] = Field(default_factory=list, max_length=20)
    expires: dt.date | None = None


class TokenOut(BaseModel):
    id: int
    user: str
    label: str | None
    scopes: list[str]
    expires_on: str | None
    revoked: bool
    created_at: str


class CreatedToken(BaseModel):
    id: int
    token: str


class TokensOut(BaseModel):
    tokens: list[TokenOut]


@router.get("/auth/me", dependencies=allow(roles.EVERYONE), response_model=Me)
def me(identity: Identity = Depends(current_identity)) -> dict[str, Any]:
    """The authenticated user, role and tenant."""
    return {"user": identity.user, "role": identity.role, "tenant": identity.tenant, "via": identity.via,
            "scopes": list(identity.scopes), "csrf_token": identity.csrf_token}


@router.get("/users", dependencies=allow(roles.ADMINS), response_model=UsersOut)
def list_users(identity: Identity = Depends(current_identity),
               session: Session = Depends(db_session)) -> dict[str, Any]:
    return {"users": [service.user_document(u) for u in service.list_users(session, tenant=identity.tenant)]}


@router.post("/users", dependencies=allow(roles.ADMINS), response_model=UserOut, status_code=201)
def add_user(body: NewUser, identity: Identity = Depends(current_identity),
             session: Session = WRITE_SESSION) -> dict[str, Any]:
    """A new user of the admin's tenant (without a password it signs in with tokens only)."""
    return service.user_document(service.add_user(session, body.name, role=body.role, tenant=identity.tenant,
                                                  password=body.password, actor=identity.user))


@router.put("/users/{name}/role", dependencies=allow(roles.ADMINS), response_model=UserOut)
def set_role(name: str, body: RoleChange, identity: Identity = Depends(current_identity),
             session: Session = WRITE_SESSION) -> dict[str, Any]:
    """Only an admin grants roles, and only to users of its own tenant."""
    return service.user_document(service.set_role(session, name, body.role, actor=identity.user,
                                                  tenant=identity.tenant))


@router.post("/users/{name}/disable", dependencies=allow(roles.ADMINS), response_model=UserOut)
def disable_user(name: str, identity: Identity = Depends(current_identity),
                 session: Session = WRITE_SESSION) -> dict[str, Any]:
    return service.user_document(service.disable_user(session, name, actor=identity.user, tenant=identity.tenant))


@router.get("/tokens", dependencies=allow(roles.ADMINS), response_model=TokensOut)
def list_tokens(identity: Identity = Depends(current_identity),
                session: Session = Depends(db_session)) -> dict[str, Any]:
    return {"tokens": service.token_documents(session, tenant=identity.tenant)}


@router.post("/tokens", dependencies=allow(roles.ADMINS), response_model=CreatedToken, status_code=201)
def create_token(body: NewToken, identity: Identity = Depends(current_identity),
                 session: Session = WRITE_SESSION) -> dict[str, Any]:
    """A token acting as a user of the admin's tenant; the secret is shown this once."""
    secret, token = service.create_token(session, body.user, label=body.label, scopes=body.scopes,
                                         expires_on=body.expires, actor=identity.user, tenant=identity.tenant)
    return {"id": token.id, "token": secret}


@router.delete("/tokens/{token_id}", dependencies=allow(roles.ADMINS), status_code=204)
def revoke_token(token_id: int, identity: Identity = Depends(current_identity),
                 session: Session = WRITE_SESSION) -> None:
    service.revoke_token(session, token_id, actor=identity.user, tenant=identity.tenant)
