"""Tenants: every business record belongs to one organisation, and a request sees only its own.

Tables whose rows belong to a tenant inherit ``TenantOwned``. While ``acting_tenant`` is set (the
API sets it from the authenticated user for the whole request), every ORM query on those tables
is filtered to that tenant, new rows get it, and changing or deleting a row of another tenant is
refused as "not found". The filter is applied by the session, not by each query, so a query
written later is covered as well. Without an acting tenant (the command line, which is the
operator of its own database) nothing is filtered and new rows go to the default tenant.

A class may widen what its tenant reads (``visible_to``): the denials an authority shares are
readable by every tenant, yet still writable only by their owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import ColumnElement, String, event, true
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria

from dualcheck.errors import NotFound

DEFAULT_TENANT = "default"
_acting: ContextVar[str | None] = ContextVar("dualcheck_acting_tenant", default=None)


def acting_tenant() -> str | None:
    return _acting.get()


@contextmanager
def tenant_context(tenant: str | None) -> Iterator[None]:
    """Act as ``tenant`` (None: as the operator, unfiltered) inside the block."""
    token = _acting.set(tenant)
    try:
        yield
    finally:
        _acting.reset(token)


def set_acting_tenant(tenant: str | None) -> None:
    """For a request's whole context (the API middleware); prefer ``tenant_context`` elsewhere."""
    _acting.set(tenant)


def tenant_for_new_rows() -> str:
    return _acting.get() or DEFAULT_TENANT


class TenantOwned:
    """Mixin for tables whose rows belong to a tenant."""

    tenant: Mapped[str] = mapped_column(String(64), index=True, default=tenant_for_new_rows,
                                        server_default=DEFAULT_TENANT)

    @classmethod
    def visible_to(cls, tenant: str) -> ColumnElement[bool]:
        return cls.tenant == tenant


def owned_here(cls: type[TenantOwned]) -> ColumnElement[bool]:
    """Rows the acting tenant owns (all rows for the operator): for what a class lets others read
    but only its owner change, such as shared denials."""
    tenant = _acting.get()
    return true() if tenant is None else cls.tenant == tenant


def _owned_classes() -> list[type[TenantOwned]]:
    from dualcheck.db.base import Base

    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)]


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    tenant = _acting.get()
    if tenant is None or not (state.is_select or state.is_update or state.is_delete):
        return
    for cls in _owned_classes():
        state.statement = state.statement.options(with_loader_criteria(
            cls, lambda c: c.visible_to(tenant), include_aliases=True, track_closure_variables=True))


@event.listens_for(Session, "before_flush")
def _keep_writes_in_tenant(session: Session, _context: Any, _instances: Any) -> None:
    tenant = _acting.get()
    if tenant is None:
        return
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            if obj.tenant is None:
                obj.tenant = tenant
            elif obj.tenant != tenant:
                raise NotFound(f"tenant {obj.tenant!r} not found")
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, TenantOwned) and obj.tenant != tenant:
            raise NotFound(f"{type(obj).__name__.lower()} not found")
