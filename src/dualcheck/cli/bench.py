"""`dualcheck bench`: benchmark commands. Each domain adds its own (pairs, screen, classify, ...)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Benchmarks: quality and speed figures, measured on this machine.",
                  no_args_is_help=True)


@app.command("api")
def bench_api(clients: int = typer.Option(16, "--clients", min=1, max=64, help="Concurrent clients."),
              seconds: float = typer.Option(60, "--seconds", min=1, max=600, help="How long to run."),
              url: str | None = typer.Option(None, "--url", help="A running server on the loopback interface "
                                                                 "(default: serve in this process)."),
              token: str | None = typer.Option(None, "--token", help="API token (default: a new bench user's)."),
              mix: str | None = typer.Option(None, "--mix",
                                             help="Request kinds each client cycles through: screen, check, "
                                                  "release (default all three; screen only with --token)."),
              json_out: Path | None = typer.Option(None, "--json", help="Write the figures to this JSON file.")
              ) -> None:
    """Requests per second and latency over HTTP, with authenticated clients mixing screenings, checks and
    hold releases; every answered request's ledger record is counted."""
    from dualcheck.api.bench import run_bench
    from dualcheck.cli.common import database

    figures = run_bench(database(), clients=clients, seconds=seconds, url=url, token=token,
                        mix=tuple(part.strip() for part in mix.split(",") if part.strip()) if mix else None)
    text = json.dumps(figures, indent=2)
    typer.echo(text)
    if json_out:
        json_out.write_text(text + "\n", encoding="utf-8")
