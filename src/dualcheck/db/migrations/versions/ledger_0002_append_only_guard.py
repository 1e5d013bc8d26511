"""Ledger: the database itself refuses updates of ledger records, and deletes within the retention period.

Revision ID: ledger_0002
Revises: ledger_0001

Defence in depth beside the hash chain: the application never updates or deletes ledger records,
and with these triggers neither can a stray statement. Records become deletable only from the
1st of January of the sixth year after the one they were written in (Regulation (EU) 2021/821,
Art. 27: at least five years after the end of the calendar year). Someone who owns the database
can still drop the triggers; ``dualcheck ledger verify`` is what detects that kind of tampering.
"""

from alembic import op

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None

UPDATE_REFUSED = "ledger records are append-only: update refused"
DELETE_REFUSED = "ledger records are kept at least five years after the end of their calendar year: delete refused"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"""CREATE TRIGGER ledger_records_no_update BEFORE UPDATE ON ledger_records
            BEGIN SELECT RAISE(ABORT, '{UPDATE_REFUSED}'); END""")
        op.execute(f"""CREATE TRIGGER ledger_records_no_early_delete BEFORE DELETE ON ledger_records
            WHEN old.created_at >= datetime('now', 'start of year', '-5 years')
            BEGIN SELECT RAISE(ABORT, '{DELETE_REFUSED}'); END""")
        return
    op.execute(f"""CREATE FUNCTION ledger_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' AND OLD.created_at <
             (date_trunc('year', now() AT TIME ZONE 'UTC') - interval '5 years') AT TIME ZONE 'UTC' THEN
            RETURN OLD;
          END IF;
          IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION '{UPDATE_REFUSED} (record %)', OLD.seq;
          END IF;
          RAISE EXCEPTION '{DELETE_REFUSED} (record %)', OLD.seq;
        END $$""")
    op.execute("""CREATE TRIGGER ledger_records_append_only BEFORE UPDATE OR DELETE ON ledger_records
        FOR EACH ROW EXECUTE FUNCTION ledger_records_append_only()""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ledger_records_no_early_delete")
        op.execute("DROP TRIGGER IF EXISTS ledger_records_no_update")
        return
    op.execute("DROP TRIGGER IF EXISTS ledger_records_append_only ON ledger_records")
    op.execute("DROP FUNCTION IF EXISTS ledger_records_append_only()")
