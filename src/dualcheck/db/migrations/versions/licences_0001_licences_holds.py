"""Licences: licences, lines with balances, reservations, movements, holds, officer roles.

Revision ID: licences_0001
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from dualcheck.db.base import JSONDoc, UTCDateTime

revision = "licences_0001"
down_revision = "0001"
branch_labels = ("licences",)
depends_on = None

Amount = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "licences",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("authorisation", sa.String(16), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("destinations", JSONDoc, nullable=False),
        sa.Column("end_users", JSONDoc, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("conditions", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_licences"),
        sa.UniqueConstraint("reference", name="uq_licences_reference"),
    )
    op.create_index("ix_licences_authorisation", "licences", ["authorisation"])
    op.create_index("ix_licences_kind", "licences", ["kind"])
    op.create_table(
        "licence_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("licence_id", sa.String(36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("control_codes", JSONDoc, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(16), nullable=True),
        sa.Column("quantity_authorised", Amount, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("value_authorised", Amount, nullable=True),
        sa.Column("tolerance_permille", sa.Integer(), nullable=False),
        sa.Column("quantity_used", Amount, nullable=False),
        sa.Column("quantity_reserved", Amount, nullable=False),
        sa.Column("value_used", Amount, nullable=False),
        sa.Column("value_reserved", Amount, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_licence_lines"),
        sa.UniqueConstraint("licence_id", "line_no", name="uq_licence_lines_licence_id"),
        sa.ForeignKeyConstraint(["licence_id"], ["licences.id"], name="fk_licence_lines_licence_id_licences"),
    )
    op.create_index("ix_licence_lines_licence_id", "licence_lines", ["licence_id"])
    op.create_table(
        "licence_reservations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("reservation_group", sa.String(36), nullable=False),
        sa.Column("transaction_id", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", Amount, nullable=False),
        sa.Column("value", Amount, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_licence_reservations"),
        sa.ForeignKeyConstraint(["line_id"], ["licence_lines.id"],
                                name="fk_licence_reservations_line_id_licence_lines"),
    )
    op.create_index("ix_licence_reservations_transaction_id", "licence_reservations", ["transaction_id"])
    op.create_index("ix_licence_reservations_reservation_group", "licence_reservations", ["reservation_group"])
    op.create_index("ix_licence_reservations_line_id", "licence_reservations", ["line_id"])
    op.create_table(
        "licence_movements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("licence_id", sa.String(36), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("transaction_id", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=True),
        sa.Column("reservation_id", sa.String(36), nullable=True),
        sa.Column("quantity", Amount, nullable=False),
        sa.Column("value", Amount, nullable=False),
        sa.Column("detail", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("ledger_seq", Amount, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_licence_movements"),
        sa.ForeignKeyConstraint(["licence_id"], ["licences.id"], name="fk_licence_movements_licence_id_licences"),
        sa.ForeignKeyConstraint(["line_id"], ["licence_lines.id"], name="fk_licence_movements_line_id_licence_lines"),
    )
    op.create_index("ix_licence_movements_licence_id", "licence_movements", ["licence_id"])
    op.create_index("ix_licence_movements_created_at", "licence_movements", ["created_at"])
    op.create_index("ix_licence_movements_transaction_id", "licence_movements", ["transaction_id"])
    op.create_table(
        "holds",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("transaction_id", sa.String(200), nullable=False),
        sa.Column("check_id", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reasons", JSONDoc, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("four_eyes", sa.Boolean(), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=False),
        sa.Column("placed_by", sa.String(200), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
    )
    op.create_index("ix_holds_status", "holds", ["status"])
    op.create_index("ix_holds_transaction_id", "holds", ["transaction_id"])
    op.create_table(
        "hold_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hold_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ledger_seq", Amount, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_hold_decisions"),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name="fk_hold_decisions_hold_id_holds"),
    )
    op.create_index("ix_hold_decisions_hold_id", "hold_decisions", ["hold_id"])
    op.create_table(
        "officer_roles",
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("actor", "role", name="pk_officer_roles"),
    )


def downgrade() -> None:
    op.drop_table("officer_roles")
    op.drop_index("ix_hold_decisions_hold_id", "hold_decisions")
    op.drop_table("hold_decisions")
    op.drop_index("ix_holds_transaction_id", "holds")
    op.drop_index("ix_holds_status", "holds")
    op.drop_table("holds")
    for ix in ("ix_licence_movements_transaction_id", "ix_licence_movements_created_at",
               "ix_licence_movements_licence_id"):
        op.drop_index(ix, "licence_movements")
    op.drop_table("licence_movements")
    for ix in ("ix_licence_reservations_line_id", "ix_licence_reservations_reservation_group",
               "ix_licence_reservations_transaction_id"):
        op.drop_index(ix, "licence_reservations")
    op.drop_table("licence_reservations")
    op.drop_index("ix_licence_lines_licence_id", "licence_lines")
    op.drop_table("licence_lines")
    op.drop_index("ix_licences_kind", "licences")
    op.drop_index("ix_licences_authorisation", "licences")
    op.drop_table("licences")
