"""`dualcheck serve`: the web app and API."""

from __future__ import annotations

import typer

from dualcheck.cli.common import database, err_console, settings
from dualcheck.config import Settings
from dualcheck.db.engine import Database


def ensure_first_admin(db: Database, cfg: Settings) -> None:
    """A database without users gets an admin whose random password is written to a file only the
    owner can read; the path is printed, never the password."""
    from dualcheck.auth.service import INITIAL_ADMIN
    from dualcheck.auth.service import ensure_first_admin as create

    with db.write_session() as session:
        path = create(session, cfg.ensure_home(), actor="operator:first-run")
    if path is not None:
        err_console.print(f"first administrator '{INITIAL_ADMIN}' created: its password is in {path} "
                          "(readable by you only); sign in at /login and replace it", highlight=False)


def serve(
    host: str = typer.Option(None, "--host", help="Bind address (default DUALCHECK_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port (default DUALCHECK_PORT, 8000)."),
) -> None:
    """Serve the web app and the API (migrates the database first). Ctrl-C stops it gracefully."""
    import uvicorn

    from dualcheck.api.app import create_app

    cfg = settings()
    db = database()
    ensure_first_admin(db, cfg)
    app = create_app(cfg, db)
    uvicorn.run(app, host=host or cfg.host, port=port or cfg.port, log_config=None,
                timeout_graceful_shutdown=10)
