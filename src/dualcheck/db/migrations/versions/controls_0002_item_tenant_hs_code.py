"""Controls: the product register belongs to a tenant, and an item carries its HS code.

Revision ID: controls_0002
Revises: controls_0001, auth_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "controls_0002"
down_revision = ("controls_0001", "auth_0002")
branch_labels = None
depends_on = None

TABLES = ("controls_items", "controls_classifications")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("tenant", sa.String(64), nullable=False, server_default="default"))
            if table == "controls_items":
                batch.add_column(sa.Column("hs_code", sa.String(16), nullable=True))
        op.create_index(f"ix_{table}_tenant", table, ["tenant"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_tenant", table)
        with op.batch_alter_table(table) as batch:
            if table == "controls_items":
                batch.drop_column("hs_code")
            batch.drop_column("tenant")
