"""Engine and session handling.

SQLite runs in WAL mode with foreign keys on and a busy timeout; write transactions can ask
for ``BEGIN IMMEDIATE`` so that read-then-write sequences (the ledger's chain head) never hit
a lock upgrade failure. PostgreSQL is used as is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dualcheck.config import Settings, get_settings
from dualcheck.errors import ConfigError


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _create_private_file(path: str | None) -> None:
    """A new SQLite database file is created readable by its owner only (0600); SQLite gives its
    -wal and -shm files the same permissions."""
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class Database:
    """One database: an engine, a session factory and helpers. Cheap to share between threads."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.kind = "sqlite" if url.startswith("sqlite") else "postgresql"
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.kind == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
        self.engine = create_engine(url, **kwargs)
        if self.kind == "sqlite":
            _create_private_file(self.engine.url.database)
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.kind == "sqlite" \
            else self.engine
        self._write_sessions = sessionmaker(write_engine, expire_on_commit=False)

    @cached_property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def check_connection(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise ConfigError(f"database {self.safe_url}: cannot connect ({reason})") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read (or deferred-write) session; commits on success, rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session that takes the write lock up front (SQLite) and is committed atomically."""
        with self._write_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_lock = threading.Lock()
_databases: dict[str, Database] = {}


def get_database(settings: Settings | None = None) -> Database:
    """The process-wide Database for the given (or current) settings."""
    settings = settings or get_settings()
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.ensure_home()
    with _lock:
        db = _databases.get(url)
        if db is None:
            db = _databases[url] = Database(url)
        return db


def forget_databases() -> None:
    with _lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()
