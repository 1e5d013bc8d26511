"""Errors that reach the user as one clear line.

`BadInput` is exit code 2 on the command line and HTTP 422 in the API: it must name the
file, row or field at fault. `ConfigError` is a setting that cannot work. Domain code raises
these; the thin CLI and API layers render them.
"""

from __future__ import annotations


class DualcheckError(Exception):
    """Base class: a problem we can explain in one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(DualcheckError):
    """Input that cannot be used: a file, row or field that is wrong."""

    def __init__(self, message: str, *, source: str | None = None, location: str | None = None) -> None:
        where = ": ".join(p for p in (source, location) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.location = location


class ConfigError(DualcheckError):
    """A setting that is invalid or an environment the app cannot use."""


class NotFound(DualcheckError):
    """A requested object does not exist (HTTP 404, exit 2)."""
