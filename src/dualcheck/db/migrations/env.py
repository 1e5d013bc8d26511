"""Alembic environment: uses the Database handed over in config.attributes."""

from __future__ import annotations

from alembic import context

from dualcheck.db.engine import Database
from dualcheck.db.models import metadata

config = context.config
database: Database = config.attributes["database"]

with database.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=database.kind == "sqlite",
        transaction_per_migration=False,
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
