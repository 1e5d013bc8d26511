"""Backup and restore of the whole database.

SQLite: the online backup API (a consistent copy while the server runs), written to a file only
its owner can read. PostgreSQL: ``pg_dump`` in its custom format and ``pg_restore`` in one
transaction (``scripts/system-deps.sh`` installs the client tools where they are missing).
A restore replaces everything in the target database with the backup's content; afterwards
``dualcheck ledger verify`` checks the restored chain.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput, ConfigError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


def _sqlite_path(db: Database) -> str:
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise ConfigError("an in-memory database cannot be backed up")
    return path


def _libpq_url(db: Database) -> str:
    """The database URL as libpq's tools take it (without the SQLAlchemy driver name)."""
    url = make_url(db.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConfigError(f"{name} not found: install the PostgreSQL client tools (scripts/system-deps.sh)")
    return found


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise ConfigError(f"{what} failed: {lines[-1] if lines else f'exit code {done.returncode}'}")


def _sqlite_copy(source: str, target: str) -> None:
    """SQLite's online backup: a consistent copy of every page, even while others write."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def backup(db: Database, out: Path) -> None:
    """Write a backup of the whole database to ``out`` (0600; an existing file is refused)."""
    if out.exists():
        raise BadInput("exists already; choose a new file", source=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if db.kind == "sqlite":
            _sqlite_copy(_sqlite_path(db), str(out))
        else:
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={out}",
                  f"--dbname={_libpq_url(db)}"], "pg_dump")
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def restore(db: Database, source: Path) -> None:
    """Replace the database's content with the backup in ``source``."""
    try:
        head = source.read_bytes()[:16] if source.is_file() else b""
    except OSError as exc:
        raise BadInput(f"cannot read ({exc.strerror})", source=str(source)) from None
    db.dispose()
    if db.kind == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BadInput("not a SQLite backup", source=str(source))
        _sqlite_copy(str(source), _sqlite_path(db))
    else:
        if not head.startswith(PG_DUMP_MAGIC):
            raise BadInput("not a pg_dump custom-format backup", source=str(source))
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={_libpq_url(db)}", str(source)], "pg_restore")
    db.dispose()
