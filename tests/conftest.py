"""Test fixtures: isolated settings, and fresh migrated databases on SQLite and PostgreSQL.

PostgreSQL: the server named by DUALCHECK_TEST_DATABASE_URL (an admin URL; `make test` sets
it, starting a throw-away server when none answers), else the local one on 127.0.0.1:5432.
If no server answers, the PostgreSQL tests fail; they are never skipped silently.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dualcheck.config import Settings, reset_settings_cache
from dualcheck.db.engine import Database, forget_databases
from dualcheck.db.migrate import upgrade

# Property tests: no per-example deadline (two xdist workers on two cores make timings noisy);
# in CI the examples are derived from the test itself, so a red run can be reproduced exactly.
hypothesis_settings.register_profile("default", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "default")

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATA_DIR = Path(os.environ.get("DUALCHECK_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"dualcheck data dir: {DATA_DIR}", f"postgres admin url: {pg_admin_url()}"]


def pg_admin_url() -> str:
    return os.environ.get("DUALCHECK_TEST_DATABASE_URL") or DEFAULT_PG_ADMIN_URL


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")


def _pg_url_for(name: str) -> str:
    return make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        pytest.fail(f"reference data not found at {DATA_DIR}: put ../shared beside the checkout "
                    "or set DUALCHECK_DATA_DIR")
    return DATA_DIR


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own DUALCHECK_HOME and no inherited database URL."""
    home = tmp_path / "home"
    monkeypatch.setenv("DUALCHECK_HOME", str(home))
    monkeypatch.delenv("DUALCHECK_DATABASE_URL", raising=False)
    monkeypatch.setenv("DUALCHECK_DATA_DIR", str(DATA_DIR))
    reset_settings_cache()
    yield
    forget_databases()
    reset_settings_cache()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL template database for this test session (worker)."""
    try:
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL test server at {pg_admin_url()} does not answer ({type(exc).__name__}); "
                    "run the suite with `make test`, which starts one where none runs")
    name = f"dc_tmpl_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(_pg_url_for(name))
    upgrade(db)
    db.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_pg(template: str) -> Iterator[Database]:
    admin = _pg_admin_engine()
    name = f"dc_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    db = Database(_pg_url_for(name))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fresh_sqlite(template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(template, path)
    db = Database(f"sqlite:///{path}")
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite database."""
    yield from _fresh_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def copy_sqlite(tmp_path: Path) -> Iterator[Callable[[Path], Database]]:
    """Open a fresh copy of a prepared SQLite file (e.g. one with real data loaded) for this test."""
    opened: list[Database] = []

    def _copy(template: Path) -> Database:
        path = tmp_path / f"copy-{len(opened)}.sqlite3"
        shutil.copyfile(template, path)
        opened.append(Database(f"sqlite:///{path}"))
        return opened[-1]

    yield _copy
    for db in opened:
        db.dispose()


@pytest.fixture
def pg_db(pg_template: str) -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database (created from the session's template)."""
    yield from _fresh_pg(pg_template)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """A fresh, migrated database of each kind: storage tests run on both."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def settings_for(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Point the process settings at a given database; returns the Settings."""
    def _point(db: Database) -> Settings:
        monkeypatch.setenv("DUALCHECK_DATABASE_URL", db.url)
        reset_settings_cache()
        return Settings()
    return _point
