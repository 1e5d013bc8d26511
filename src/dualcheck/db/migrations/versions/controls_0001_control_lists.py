"""Controls: control-list versions, provisions, product register.

Revision ID: controls_0001
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import JSONDoc, UTCDateTime

revision = "controls_0001"
down_revision = "0001"
branch_labels = ("controls",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "controls_versions",
        sa.Column("id", sa.String(120), nullable=False),
        sa.Column("list_name", sa.String(40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
        sa.Column("provisions", sa.Integer(), nullable=False),
        sa.Column("meta", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_controls_versions"),
        sa.UniqueConstraint("list_name", "sha256", name="uq_controls_versions_list_name"),
    )
    op.create_index("ix_controls_versions_list_name", "controls_versions", ["list_name"])
    op.create_table(
        "controls_provisions",
        sa.Column("version_id", sa.String(120), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("entry", sa.String(40), nullable=False),
        sa.Column("parent", sa.String(80), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", JSONDoc, nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["controls_versions.id"], ondelete="CASCADE",
                                name="fk_controls_provisions_version_id_controls_versions"),
        sa.PrimaryKeyConstraint("version_id", "seq", name="pk_controls_provisions"),
    )
    op.create_index("ix_controls_provisions_version_code", "controls_provisions", ["version_id", "code"])
    op.create_table(
        "controls_items",
        sa.Column("sku", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parameters", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sku", name="pk_controls_items"),
    )
    op.create_table(
        "controls_classifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(120), nullable=False),
        sa.Column("codes", JSONDoc, nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("version_id", sa.String(120), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("review_reason", JSONDoc, nullable=True),
        sa.ForeignKeyConstraint(["sku"], ["controls_items.sku"], ondelete="CASCADE",
                                name="fk_controls_classifications_sku_controls_items"),
        sa.PrimaryKeyConstraint("id", name="pk_controls_classifications"),
    )
    op.create_index("ix_controls_classifications_sku", "controls_classifications", ["sku"])


def downgrade() -> None:
    op.drop_index("ix_controls_classifications_sku", "controls_classifications")
    op.drop_table("controls_classifications")
    op.drop_table("controls_items")
    op.drop_index("ix_controls_provisions_version_code", "controls_provisions")
    op.drop_table("controls_provisions")
    op.drop_index("ix_controls_versions_list_name", "controls_versions")
    op.drop_table("controls_versions")
