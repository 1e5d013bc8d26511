"""Templates, the page renderer and the form helpers every page shares."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from dualcheck import __version__
from dualcheck.web.identity import WebUser, current_user

TEMPLATE_DIR = str(resources.files("dualcheck.web").joinpath("templates"))
STATIC_DIR = str(resources.files("dualcheck.web").joinpath("static"))

templates = Jinja2Templates(directory=TEMPLATE_DIR)


def csrf_field(request: Request) -> Markup:
    """The hidden form field carrying the session's CSRF token (set by the security layer)."""
    token = getattr(request.state, "csrf_token", None)
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def days_ago(value: str | dt.date | dt.datetime | None) -> int | None:
    if not value:
        return None
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if isinstance(day, dt.datetime):
        day = day.date()
    return (dt.datetime.now(dt.UTC).date() - day).days


templates.env.globals.update(csrf_field=csrf_field, version=__version__)
templates.env.filters.update(pretty_json=pretty_json, days_ago=days_ago)

NAV = (  # (path, label, permission)
    ("/ui/", "Dashboard", "read"),
    ("/ui/screen", "Screen", "screen"),
    ("/ui/review", "Review", "read"),
    ("/ui/counterparties", "Counterparties", "read"),
    ("/ui/classify", "Classify", "reference"),
    ("/ui/checks/new", "Check", "check"),
    ("/ui/holds", "Holds", "read"),
    ("/ui/licences", "Licences", "read"),
    ("/ui/records", "Records", "records"),
    ("/ui/authority", "Authority", "authority"),
)


def page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    user: WebUser | None = current_user(request)
    nav = [(path, label) for path, label, perm in NAV if user is not None and user.can(perm)]
    response = templates.TemplateResponse(request, template, {"user": user, "nav": nav, "path": request.url.path,
                                                              **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages show personal and business data
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
