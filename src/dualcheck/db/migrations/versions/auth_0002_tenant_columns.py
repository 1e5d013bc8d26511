"""Tenants own their records: a tenant column on every business table (existing rows: the default
tenant), references unique per tenant, and denials an authority may share.

It alters tables of four domains, so it follows each of them (a merge point).

Revision ID: auth_0002
Revises: auth_0001, screening_0001, check_0001, licences_0001, authority_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "auth_0002"
down_revision = ("auth_0001", "screening_0001", "check_0001", "licences_0001", "authority_0001")
branch_labels = None
depends_on = None

TABLES = ("screening_counterparties", "screening_decisions", "screening_runs", "checks", "holds", "licences",
          "licence_reservations", "licence_movements", "authority_applications", "authority_denials")
# table -> (old unique constraint and its columns, new one and its columns)
UNIQUES = {
    "screening_counterparties": (("uq_screening_counterparties_ref", ["ref"]),
                                 ("uq_screening_counterparties_tenant_ref", ["tenant", "ref"])),
    "licences": (("uq_licences_reference", ["reference"]), ("uq_licences_tenant_reference", ["tenant", "reference"])),
    "authority_applications": (("uq_authority_applications_reference", ["reference"]),
                               ("uq_authority_applications_tenant_reference", ["tenant", "reference"])),
    "authority_denials": (("uq_authority_denials_issuing_state", ["issuing_state", "reference"]),
                          ("uq_authority_denials_tenant_issuing_state", ["tenant", "issuing_state", "reference"])),
}


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("tenant", sa.String(64), nullable=False, server_default="default"))
            if table == "authority_denials":
                batch.add_column(sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false()))
            if table in UNIQUES:
                (old, _), (new, columns) = UNIQUES[table]
                batch.drop_constraint(old, type_="unique")
                batch.create_unique_constraint(new, columns)
        op.create_index(f"ix_{table}_tenant", table, ["tenant"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_tenant", table)
        with op.batch_alter_table(table) as batch:
            if table in UNIQUES:
                (old, old_columns), (new, _) = UNIQUES[table]
                batch.drop_constraint(new, type_="unique")
                batch.create_unique_constraint(old, old_columns)
            if table == "authority_denials":
                batch.drop_column("shared")
            batch.drop_column("tenant")
