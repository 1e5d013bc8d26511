"""Ledger: the tenant a record belongs to, for reading only (outside the hashed content).

Records written before tenants keep NULL and belong to the default tenant: the append-only guard
refuses to update them, and that is as it should be.

Revision ID: ledger_0003
Revises: ledger_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "ledger_0003"
down_revision = "ledger_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ledger_records", sa.Column("tenant", sa.String(64), nullable=True))
    op.create_index("ix_ledger_records_tenant", "ledger_records", ["tenant"])


def downgrade() -> None:
    op.drop_index("ix_ledger_records_tenant", "ledger_records")
    # not a batch operation: rebuilding the table would lose the append-only triggers
    op.execute("ALTER TABLE ledger_records DROP COLUMN tenant")
