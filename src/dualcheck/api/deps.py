"""Request dependencies: settings and database sessions from the app state."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from dualcheck.config import Settings
from dualcheck.db.engine import Database


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
    with get_db(request).write_session() as session:
        yield session


def actor(request: Request) -> str:
    """Who is acting: the X-Dualcheck-Actor header, else 'api'."""
    return request.headers.get("x-dualcheck-actor", "api")[:200] or "api"
