"""`dualcheck setup`: migrate and load every kind of reference data found in DUALCHECK_DATA_DIR.

Each domain that loads reference data contributes one step. Loading is idempotent: the same
files loaded again change nothing, so `make run` can run it every time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from dualcheck.cli.common import console, database, err_console, settings
from dualcheck.cli.lists import setup_step as lists_setup_step
from dualcheck.controls.service import setup_step as controls_setup_step
from dualcheck.db.engine import Database
from dualcheck.errors import ConfigError

SetupStep = Callable[[Database, Path], str]

STEPS: list[tuple[str, SetupStep]] = []
STEPS.append(("lists", lists_setup_step))
STEPS.append(("controls", controls_setup_step))


def setup(missing_ok: bool = typer.Option(
        False, "--missing-ok", help="Without a data folder, warn and load nothing instead of failing (make run).")
) -> None:
    """Migrate the database and load the reference data (lists, control lists) from the data dir."""
    db = database()
    data_dir = settings().effective_data_dir
    if not data_dir.is_dir():
        if not missing_ok:
            raise ConfigError(f"DUALCHECK_DATA_DIR {data_dir}: folder not found")
        err_console.print(f"warning: DUALCHECK_DATA_DIR {data_dir}: folder not found; no reference data loaded")
        return
    console.print(f"database {db.safe_url} migrated; reference data from {data_dir}")
    for name, step in STEPS:
        console.print(f"[bold]{name}[/bold]: {step(db, data_dir)}")
