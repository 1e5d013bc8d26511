"""The FastAPI application: request IDs, structured logs, error mapping, routers."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dualcheck import __version__
from dualcheck.api.routers import (
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
)
from dualcheck.config import Settings, get_settings
from dualcheck.db.engine import Database, get_database
from dualcheck.errors import BadInput, DualcheckError, NotFound
from dualcheck.logs import request_id_var

log = logging.getLogger("dualcheck.api")

API_PREFIX = "/api/v1"


def _first_error_line(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid request"
    err = errors[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
    return f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid"))


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
        description="Export-control compliance for dual-use items.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database

    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = request_id_var.set(rid[:64])
        start = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = rid[:64]
        log.info("%s %s %s", request.method, request.url.path, response.status_code,
                 extra={"method": request.method, "path": request.url.path, "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2)})
        return response

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(BadInput)
    async def bad_input(_request: Request, exc: BadInput) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(DualcheckError)
    async def other_error(_request: Request, exc: DualcheckError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _first_error_line(exc), "errors": exc.errors()}, status_code=422)

    app.include_router(health.router)
    api = APIRouter(prefix=API_PREFIX)
    for module in (lists, screening, controls, checks, ledger, licences, redflags, risk, authority):
        api.include_router(module.router)
    app.include_router(api)
    return app
