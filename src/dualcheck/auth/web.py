"""Browser sign-in: GET/POST /login, /logout, and the signed-in landing page /ui/.

The session cookie is HTTP-only, SameSite=Lax and Secure whenever the request came over HTTPS
(or DUALCHECK_COOKIE_SECURE=1 behind a TLS proxy). Requests that change something under a
session must echo the session's CSRF token (``X-CSRF-Token`` header or ``csrf_token`` field).
Failed sign-ins are limited per client address and user name.
"""

from __future__ import annotations

import html
import threading
import time
from collections import deque
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dualcheck.auth import service
from dualcheck.auth.identity import SESSION_COOKIE, Identity

router = APIRouter(include_in_schema=False)

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0
MAX_FORM_BYTES = 4096


class SignInLimiter:
    """At most MAX_FAILURES failed sign-ins per (client, user name) and per client x 4 in WINDOW_SECONDS."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, client: str, name: str) -> int:
        """Seconds to wait before trying again, 0 if allowed now."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window - (now - times[0]) for key, limit in (((client, name), self.max_failures),
                                                                        ((client, ""), self.max_failures * 4))
                     if len(times := self._recent(key, now)) >= limit]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, client: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in ((client, name), (client, "")):
                self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # bounded memory under a spray of names
                self._failures.clear()


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} · dualcheck</title></head><body><main>{body}</main></body></html>""", status_code=status)


def _login_form(message: str = "", status: int = 200) -> HTMLResponse:
    note = f'<p role="alert">{html.escape(message)}</p>' if message else ""
    return _page("Sign in", f"""<h1>dualcheck: sign in</h1>{note}
<form method="post" action="/login">
<p><label>User name <input name="username" autocomplete="username" required maxlength="200"></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p></form>""", status)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _identity(request: Request) -> Identity | None:
    from dualcheck.api.deps import request_identity

    identity = request_identity(request)
    return identity if identity is not None and identity.via == "session" else None


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=10)
    return {k: v[0] for k, v in fields.items()}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or bool(request.app.state.settings.cookie_secure)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    if _identity(request) is not None:
        return RedirectResponse("/ui/", status_code=303)
    return _login_form()


@router.post("/login")
async def login(request: Request) -> Response:
    limiter: SignInLimiter = request.app.state.signin_limiter
    form = await _form(request)
    name, password = form.get("username", "").strip(), form.get("password", "")
    client = _client(request)
    wait = limiter.retry_after(client, name)
    if wait:
        refused = _login_form("Too many failed sign-ins: try again later.", 429)
        refused.headers["Retry-After"] = str(wait)
        return refused
    db = request.app.state.database
    with db.write_session() as session:
        user = service.sign_in(session, name, password, client=client) if name and password else None
        sid = service.open_session(session, user) if user is not None else None
    if sid is None:
        limiter.failed(client, name)
        return _login_form("Wrong user name or password.", 401)
    response = RedirectResponse("/ui/", status_code=303)
    response.set_cookie(SESSION_COOKIE, sid, max_age=service.SESSION_HOURS * 3600, httponly=True,
                        secure=_secure(request), samesite="lax", path="/")
    return response


def _end(request: Request) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        with request.app.state.database.write_session() as session:
            service.close_session(session, sid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=_secure(request), samesite="lax")
    return response


@router.get("/logout")
def logout_link(request: Request) -> Response:
    """Signing out needs no CSRF token: the worst a forged link can do is end a session."""
    return _end(request)


@router.post("/logout")
def logout(request: Request) -> Response:
    return _end(request)


@router.get("/ui/", response_class=HTMLResponse)
def signed_in(request: Request) -> Response:
    identity = _identity(request)
    if identity is None:
        return RedirectResponse("/login", status_code=303)
    return _page("Signed in", f"""<h1>dualcheck</h1>
<p>Signed in as <b>{html.escape(identity.user)}</b>, role <b>{html.escape(identity.role)}</b>,
organisation <b>{html.escape(identity.tenant)}</b>.</p>
<form method="post" action="/logout"><input type="hidden" name="csrf_token"
value="{html.escape(identity.csrf_token or '')}"><button type="submit">Sign out</button></form>""")

