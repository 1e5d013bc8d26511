"""`dualcheck bench`: benchmark commands. Each domain adds its own (pairs, screen, classify, ...)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks: quality and speed figures, measured on this machine.",
                  no_args_is_help=True)
