"""`dualcheck ledger`: verify the audit ledger."""

from __future__ import annotations

import typer

from dualcheck.cli.common import console, database, err_console

app = typer.Typer(help="The tamper-evident audit ledger.", no_args_is_help=True)


@app.command("verify")
def verify_cmd() -> None:
    """Check the whole ledger: exit 0 when intact, 1 naming the first bad record."""
    from dualcheck.ledger import verify

    db = database()
    with db.session() as session:
        result = verify(session)
    if result.ok:
        console.print(result.summary())
        return
    err_console.print(result.summary())
    raise typer.Exit(1)
