"""Authority: parties with addresses and identifiers, denial reasons by criterion, notification and
revocation dates, the consultations and notice of a decision, and an index on the latest change of a
denial (the in-memory index of denials checks it before every comparison).

Revision ID: authority_0002
Revises: authority_0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import JSONDoc

revision = "authority_0002"
down_revision = "authority_0001"
branch_labels = None
depends_on = None

_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("authority_applications") as batch:
        batch.add_column(sa.Column("parties", JSONDoc, nullable=False, server_default=_EMPTY_LIST))
    with op.batch_alter_table("authority_denials") as batch:
        batch.add_column(sa.Column("parties", JSONDoc, nullable=False, server_default=_EMPTY_LIST))
        batch.add_column(sa.Column("reasons_by_criterion", JSONDoc, nullable=False, server_default=_EMPTY_LIST))
        batch.add_column(sa.Column("notified_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("revoked_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("revocation_reason", sa.Text(), nullable=True))
    op.create_index("ix_authority_denials_updated_at", "authority_denials", ["updated_at"])
    with op.batch_alter_table("authority_decisions") as batch:
        batch.add_column(sa.Column("consulted", JSONDoc, nullable=False, server_default=_EMPTY_LIST))
        batch.add_column(sa.Column("notice", JSONDoc, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authority_decisions") as batch:
        batch.drop_column("notice")
        batch.drop_column("consulted")
    op.drop_index("ix_authority_denials_updated_at", "authority_denials")
    with op.batch_alter_table("authority_denials") as batch:
        for column in ("revocation_reason", "revoked_on", "notified_on", "reasons_by_criterion", "parties"):
            batch.drop_column(column)
    with op.batch_alter_table("authority_applications") as batch:
        batch.drop_column("parties")
