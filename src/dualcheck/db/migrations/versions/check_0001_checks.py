"""Checks: one row per transaction check (input, answer, versions).

Revision ID: check_0001
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import JSONDoc, UTCDateTime

revision = "check_0001"
down_revision = "0001"
branch_labels = ("check",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("transaction_id", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("input_sha256", sa.String(64), nullable=False),
        sa.Column("rule_set_version", sa.String(100), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=True),
        sa.Column("request", JSONDoc, nullable=False),
        sa.Column("result", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checks"),
    )
    op.create_index("ix_checks_transaction_id", "checks", ["transaction_id"])
    op.create_index("ix_checks_outcome", "checks", ["outcome"])


def downgrade() -> None:
    op.drop_index("ix_checks_outcome", "checks")
    op.drop_index("ix_checks_transaction_id", "checks")
    op.drop_table("checks")
