"""Run Alembic migrations programmatically.

Each domain owns a branch of migrations rooted at the foundation revision, so domains can add
tables independently; ``heads`` is the target. The whole upgrade runs in one transaction, so
a migration that fails leaves the database as it was (PostgreSQL and SQLite both have
transactional DDL).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dualcheck.db.engine import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["database"] = db
    return cfg


def upgrade(db: Database, target: str = "heads") -> None:
    command.upgrade(alembic_config(db), target)


def downgrade(db: Database, target: str = "base") -> None:
    command.downgrade(alembic_config(db), target)


def current_revisions(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def head_revisions(db: Database) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(db)).get_heads())


def is_up_to_date(db: Database) -> bool:
    return current_revisions(db) == head_revisions(db)
