"""Migrations: up and down on SQLite and PostgreSQL, in step with the ORM, atomic on failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import dualcheck.db.migrate as migrate
from dualcheck.db.engine import Database
from dualcheck.db.models import metadata


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_every_table_and_matches_the_models(any_db: Database) -> None:
    assert migrate.is_up_to_date(any_db)
    assert _tables(any_db) == set(metadata.tables)
    with any_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_up_again(any_db: Database) -> None:
    migrate.downgrade(any_db, "base")
    assert _tables(any_db) == set()
    assert migrate.current_revisions(any_db) == set()
    migrate.upgrade(any_db)
    assert _tables(any_db) == set(metadata.tables)
    migrate.upgrade(any_db)  # a second run is a no-op
    assert migrate.is_up_to_date(any_db)


FAILING = '''
import sqlalchemy as sa
from alembic import op
revision = "zz_fail"
down_revision = {down!r}
branch_labels = None
depends_on = None
def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM table_that_does_not_exist")
def downgrade():
    pass
'''


def test_failing_migration_leaves_database_as_it_was(any_db: Database, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    migrate.downgrade(any_db, "base")
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts)
    heads = sorted(migrate.head_revisions(any_db))
    (scripts / "versions" / "zz_fail.py").write_text(FAILING.format(down=tuple(heads) if len(heads) > 1
                                                                     else heads[0]))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    with pytest.raises(Exception, match="table_that_does_not_exist"):
        migrate.upgrade(any_db)
    assert _tables(any_db) == set(), "a failed upgrade must not leave tables behind"
    assert migrate.current_revisions(any_db) == set()
