"""Authority: applications, decisions on them, denial notifications (own and imported).

Revision ID: authority_0001
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import JSONDoc, UTCDateTime

revision = "authority_0001"
down_revision = "0001"
branch_labels = ("authority",)
depends_on = None


def _transaction_columns() -> list[sa.Column]:
    """What an application and a denial both describe (authority.models._Transaction)."""
    return [
        sa.Column("destination", sa.String(2), nullable=False),
        sa.Column("consignee_name", sa.Text(), nullable=True),
        sa.Column("consignee_country", sa.String(2), nullable=True),
        sa.Column("end_user_name", sa.Text(), nullable=True),
        sa.Column("end_user_country", sa.String(2), nullable=True),
        sa.Column("end_use", sa.Text(), nullable=False),
        sa.Column("items", JSONDoc, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "authority_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("authority_state", sa.String(2), nullable=False),
        sa.Column("applicant", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("transaction_type", sa.String(32), nullable=False),
        *_transaction_columns(),
        sa.Column("total_value", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("consultations", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_authority_applications"),
        sa.UniqueConstraint("reference", name="uq_authority_applications_reference"),
    )
    op.create_table(
        "authority_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_authority_decisions"),
        sa.UniqueConstraint("application_id", name="uq_authority_decisions_application_id"),
        sa.ForeignKeyConstraint(["application_id"], ["authority_applications.id"],
                                name="fk_authority_decisions_application_id_authority_applications",
                                ondelete="CASCADE"),
    )
    op.create_table(
        "authority_denials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuing_state", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("denied_on", sa.Date(), nullable=False),
        *_transaction_columns(),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_authority_denials"),
        sa.UniqueConstraint("issuing_state", "reference", name="uq_authority_denials_issuing_state"),
    )


def downgrade() -> None:
    op.drop_table("authority_denials")
    op.drop_table("authority_decisions")
    op.drop_table("authority_applications")
