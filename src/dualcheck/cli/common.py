"""Shared CLI helpers: settings/database access, output, one-line errors, progress bars."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dualcheck.config import Settings, get_settings
from dualcheck.db.engine import Database, get_database
from dualcheck.errors import BadInput, ConfigError

console = Console()
err_console = Console(stderr=True)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


FormatOption = typer.Option(OutputFormat.text, "--format", help="Output format: text or json.")


def settings() -> Settings:
    return get_settings()


def database(*, require_migrated: bool = True) -> Database:
    """The configured database; it must be reachable and (by default) migrated."""
    from dualcheck.db.migrate import is_up_to_date, upgrade

    db = get_database(settings())
    db.check_connection()
    if require_migrated and not is_up_to_date(db):
        upgrade(db)
    return db


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def emit(doc: Any, fmt: OutputFormat, render_text: Callable[[Any], None]) -> None:
    if fmt == OutputFormat.json:
        emit_json(doc)
    else:
        render_text(doc)


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (hidden when stderr is not a terminal); yields advance(n)."""
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err_console, transient=False,
                   disable=not err_console.is_terminal)
    with bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance


def fail(message: str, code: int = 2) -> None:
    raise ConfigError(message) if code == 2 else typer.Exit(code)


def date_option(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD command-line option, or None; a bad value is one line naming the option (exit 2)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"not a YYYY-MM-DD date: {value!r}", source=option) from None
