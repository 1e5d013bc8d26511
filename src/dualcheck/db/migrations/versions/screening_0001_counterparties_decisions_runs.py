"""Screening: counterparties, decisions on hits, re-screening runs and their hits.

Revision ID: screening_0001
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import JSONDoc, UTCDateTime

revision = "screening_0001"
down_revision = "0001"
branch_labels = ("screening",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_counterparties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("schema", sa.String(32), nullable=False),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("birth_date", sa.String(10), nullable=True),
        sa.Column("aliases", JSONDoc, nullable=False),
        sa.Column("attributes", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screening_counterparties"),
        sa.UniqueConstraint("ref", name="uq_screening_counterparties_ref"),
    )
    op.create_table(
        "screening_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_key", sa.String(64), nullable=False),
        sa.Column("party_name", sa.Text(), nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entity_fingerprint", sa.String(64), nullable=False),
        sa.Column("entity_snapshot", JSONDoc, nullable=False),
        sa.Column("list_version", sa.String(64), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("superseded_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_screening_decisions"),
    )
    op.create_index("ix_screening_decisions_party_key", "screening_decisions",
                    ["party_key", "list_name", "entity_id"])
    op.create_table(
        "screening_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("list_versions", JSONDoc, nullable=False),
        sa.Column("configuration", JSONDoc, nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("screened", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("new_hits", sa.Integer(), nullable=False),
        sa.Column("details", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screening_runs"),
    )
    op.create_table(
        "screening_run_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("counterparty_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("decision_status", sa.String(16), nullable=True),
        sa.Column("explanation", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screening_run_hits"),
        sa.ForeignKeyConstraint(["run_id"], ["screening_runs.id"], name="fk_screening_run_hits_run_id_screening_runs",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["counterparty_id"], ["screening_counterparties.id"],
                                name="fk_screening_run_hits_counterparty_id_screening_counterparties",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_screening_run_hits_run_id", "screening_run_hits", ["run_id"])
    op.create_index("ix_screening_run_hits_counterparty_id", "screening_run_hits", ["counterparty_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_run_hits_counterparty_id", "screening_run_hits")
    op.drop_index("ix_screening_run_hits_run_id", "screening_run_hits")
    op.drop_table("screening_run_hits")
    op.drop_table("screening_runs")
    op.drop_index("ix_screening_decisions_party_key", "screening_decisions")
    op.drop_table("screening_decisions")
    op.drop_table("screening_counterparties")
