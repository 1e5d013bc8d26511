"""`dualcheck serve`: the web app and API."""

from __future__ import annotations

import typer

from dualcheck.cli.common import database, settings


def serve(
    host: str = typer.Option(None, "--host", help="Bind address (default DUALCHECK_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port (default DUALCHECK_PORT, 8000)."),
) -> None:
    """Serve the web app and the API (migrates the database first). Ctrl-C stops it gracefully."""
    import uvicorn

    from dualcheck.api.app import create_app

    cfg = settings()
    db = database()
    app = create_app(cfg, db)
    uvicorn.run(app, host=host or cfg.host, port=port or cfg.port, log_config=None,
                timeout_graceful_shutdown=10)
