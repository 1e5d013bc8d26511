"""Business refusals of this domain: exit code 1 on the command line (a "no", not bad input)."""

from __future__ import annotations

from dualcheck.errors import DualcheckError


class Refused(DualcheckError):
    """The request is well-formed but not allowed: balance exceeded, licence expired, hold already decided."""

    exit_code = 1
    http_status = 409


class NotPermitted(Refused):
    """The actor lacks the role the action needs, or four-eyes forbids the same person twice."""

    http_status = 403
