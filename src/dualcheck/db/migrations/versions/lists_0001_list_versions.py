"""Lists: list versions and the listed entities of each version.

Revision ID: lists_0001
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import JSONDoc, UTCDateTime

revision = "lists_0001"
down_revision = "0001"
branch_labels = ("lists",)
depends_on = None

EntityPk = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("published_from", sa.String(32), nullable=False),
        sa.Column("retrieved_at", UTCDateTime(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("source_files", JSONDoc, nullable=False),
        sa.Column("source_format", sa.String(64), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_list_versions"),
        sa.UniqueConstraint("list_name", "sha256", name="uq_list_versions_list_name"),
    )
    op.create_index("ix_list_versions_list_name", "list_versions", ["list_name"])
    op.create_index("ix_list_versions_sha256", "list_versions", ["sha256"])
    op.create_table(
        "list_entities",
        sa.Column("id", EntityPk, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("schema", sa.String(32), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("entity", JSONDoc, nullable=False),
        sa.Column("programmes", JSONDoc, nullable=False),
        sa.Column("weak_aliases", JSONDoc, nullable=False),
        sa.Column("listed_on", sa.String(10), nullable=True),
        sa.Column("origin", sa.String(200), nullable=True),
        sa.Column("source_record", JSONDoc, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_list_entities"),
        sa.ForeignKeyConstraint(["version_id"], ["list_versions.id"], name="fk_list_entities_version_id_list_versions",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("version_id", "entity_id", name="uq_list_entities_version_id"),
    )
    op.create_index("ix_list_entities_entity_id", "list_entities", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_list_entities_entity_id", "list_entities")
    op.drop_table("list_entities")
    op.drop_index("ix_list_versions_sha256", "list_versions")
    op.drop_index("ix_list_versions_list_name", "list_versions")
    op.drop_table("list_versions")
