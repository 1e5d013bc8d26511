"""Foundation: the audit ledger (records and chain head).

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Every domain roots its own branch of migrations here (``down_revision = "0001"`` and a
``branch_labels`` of its name); the migration target is ``heads``.
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = ("foundation",)
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_records",
        sa.Column("seq", Seq, primary_key=True, autoincrement=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_ledger_records"),
        sa.UniqueConstraint("record_id", name="uq_ledger_records_record_id"),
        sa.UniqueConstraint("hash", name="uq_ledger_records_hash"),
    )
    op.create_index("ix_ledger_records_kind", "ledger_records", ["kind"])
    op.create_index("ix_ledger_records_created_at", "ledger_records", ["created_at"])
    op.create_index("ix_ledger_records_subject", "ledger_records", ["subject"])
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", Seq, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    op.drop_table("ledger_head")
    op.drop_index("ix_ledger_records_subject", "ledger_records")
    op.drop_index("ix_ledger_records_created_at", "ledger_records")
    op.drop_index("ix_ledger_records_kind", "ledger_records")
    op.drop_table("ledger_records")
