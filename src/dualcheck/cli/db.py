"""`dualcheck db`: migrations, backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from dualcheck.cli.common import FormatOption, OutputFormat, console, database, emit

app = typer.Typer(help="Database: migrate up or down, show the revision, back up and restore.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(target: str = typer.Argument("heads", help="Revision to upgrade to.")) -> None:
    """Apply migrations (all of them by default). Safe to run again."""
    from dualcheck.db.migrate import upgrade

    db = database(require_migrated=False)
    upgrade(db, target)
    console.print(f"database {db.safe_url} at {target}")


@app.command("downgrade")
def downgrade_cmd(target: str = typer.Argument(..., help="Revision to go back to ('base' = empty).")) -> None:
    """Revert migrations down to TARGET."""
    from dualcheck.db.migrate import downgrade

    db = database(require_migrated=False)
    downgrade(db, target)
    console.print(f"database {db.safe_url} at {target}")


@app.command("status")
def status_cmd(fmt: OutputFormat = FormatOption) -> None:
    """Show the database URL, its revisions and whether it is up to date."""
    from dualcheck.db.migrate import current_revisions, head_revisions

    db = database(require_migrated=False)
    doc: dict[str, Any] = {"database": db.safe_url, "kind": db.kind, "current": sorted(current_revisions(db)),
           "heads": sorted(head_revisions(db))}
    doc["up_to_date"] = doc["current"] == doc["heads"]
    emit(doc, fmt, lambda d: console.print(
        f"{d['kind']} {d['database']}: {'up to date' if d['up_to_date'] else 'needs upgrade'} "
        f"(current {', '.join(d['current']) or 'none'}; heads {', '.join(d['heads'])})"))


@app.command("backup")
def backup_cmd(out: Path = typer.Argument(..., help="Backup file to write (must not exist).")) -> None:
    """Back up the whole database (SQLite online backup; pg_dump for PostgreSQL)."""
    from dualcheck.db.backup import backup

    db = database(require_migrated=False)
    backup(db, out)
    console.print(f"database {db.safe_url} backed up to {out}", highlight=False)


@app.command("restore")
def restore_cmd(source: Path = typer.Argument(..., help="A backup written by `dualcheck db backup`.")) -> None:
    """Replace the database's content with a backup; then run `dualcheck ledger verify`."""
    from dualcheck.db.backup import restore

    db = database(require_migrated=False)
    restore(db, source)
    console.print(f"database {db.safe_url} restored from {source}", highlight=False)
