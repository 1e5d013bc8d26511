"""The FastAPI application: request IDs, structured logs, security headers, size limits, one error
handler, authentication on every /api/v1 route, routers."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dualcheck import __version__
from dualcheck.api.deps import allow, authenticated, resolve_request_identity, route_policies
from dualcheck.api.responses import ERROR_RESPONSES
from dualcheck.api.routers import (
    auth,
    authority,
    checks,
    controls,
    health,
    ledger,
    licences,
    lists,
    redflags,
    risk,
    screening,
    yente,
)
from dualcheck.auth import roles
from dualcheck.auth.web import SignInLimiter
from dualcheck.auth.web import router as web_auth_router
from dualcheck.config import Settings, get_settings
from dualcheck.db.engine import Database, get_database
from dualcheck.db.tenancy import tenant_context
from dualcheck.errors import BadInput, DualcheckError, NotFound
from dualcheck.logs import request_id_var
from dualcheck.web import mount_web

log = logging.getLogger("dualcheck.api")

API_PREFIX = "/api/v1"
SECURITY_HEADERS = {
    # no inline script anywhere; inline styles only
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _first_error_line(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid request"
    err = errors[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
    return f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid"))


def error_response(request: Request, exc: Exception) -> JSONResponse:
    """The one place errors become responses: ``{"detail": one line}`` with the matching status."""
    headers: dict[str, str] | None = None
    body: dict[str, Any]
    if isinstance(exc, StarletteHTTPException):
        status, body, headers = exc.status_code, {"detail": exc.detail}, getattr(exc, "headers", None)
    elif isinstance(exc, RequestValidationError):
        status = 422
        body = {"detail": _first_error_line(exc),
                "errors": [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]}
    elif isinstance(exc, NotFound):
        status, body = 404, {"detail": str(exc)}
    elif isinstance(exc, BadInput):
        status, body = 422, {"detail": str(exc)}
    elif isinstance(exc, DualcheckError):
        status, body = getattr(exc, "http_status", 400), {"detail": str(exc)}
    elif isinstance(exc, OverflowError | DataError):  # a value no column can hold, e.g. an id of 30 digits
        status, body = 422, {"detail": "a value in the request is out of range for the database"}
    else:  # a bug: logged with its traceback, answered without internals
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        status, body = 500, {"detail": "internal error; the request id names it in the server log"}
    return JSONResponse(body, status_code=status, headers=headers)


class BodySizeLimit:
    """413 for a request body over the limit, whether it declares its length or streams it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, f"request body over {self.max_bytes} bytes")
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse({"detail": f"request body over {self.max_bytes} bytes"}, status_code=413,
                                headers=SECURITY_HEADERS)
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _check_route_policies(app: FastAPI) -> None:
    """Refuse to start if an /api/v1 route declares no roles: nothing is open by omission."""
    for method, path, allowed in route_policies(app, API_PREFIX + "/"):
        if allowed is None:
            raise RuntimeError(f"route {method} {path} declares no roles (dependencies=allow(...))")


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = database or get_database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database.check_connection()
        log.info("dualcheck %s serving, database %s", __version__, database.kind)
        yield
        log.info("dualcheck shutting down")

    app = FastAPI(
        title="dualcheck",
        version=__version__,
        description="Export-control compliance for dual-use items. Authenticate with "
                    "`Authorization: Bearer TOKEN` (or `ApiKey TOKEN`); see docs/api.md.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.signin_limiter = SignInLimiter()

    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = request_id_var.set(rid[:64])
        start = time.perf_counter()
        try:
            # who is acting, once per request; their tenant filters every query the request makes
            identity = await run_in_threadpool(resolve_request_identity, request)
            with tenant_context(identity.tenant if identity is not None else None):
                response = await call_next(request)
        except Exception as exc:  # errors raised below the routing layer (the body limit)
            response = error_response(request, exc)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = rid[:64]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(API_PREFIX) or request.url.path in ("/login", "/ui/"):
            response.headers.setdefault("Cache-Control", "no-store")
        # the path only: query strings may carry names being screened
        log.info("%s %s %s", request.method, request.url.path, response.status_code,
                 extra={"method": request.method, "path": request.url.path, "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2)})
        return response

    for kind in (StarletteHTTPException, RequestValidationError, DualcheckError, Exception):
        app.add_exception_handler(kind, error_response)

    app.include_router(health.router)
    app.include_router(yente.probes)  # yente's public probes; its other routes authenticate (below)
    mount_web(app)  # before the sign-in routes: the web application's /ui/ is the dashboard
    app.include_router(web_auth_router)
    # every /api/v1 route answers its errors through error_response, in the shape ERROR_RESPONSES declares
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authenticated)], responses=ERROR_RESPONSES)
    for module in (auth, lists, screening, controls, checks, ledger, licences, redflags, risk, authority):
        api.include_router(module.router)

    @api.get("/openapi.json", dependencies=allow(roles.EVERYONE), include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.include_router(api)
    app.include_router(yente.router)  # yente's paths, at the root where yente clients look for them
    _check_route_policies(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    return app
