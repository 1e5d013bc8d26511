"""The officers' web application: server-rendered pages over the same domain functions as the API.

Handlers are thin: they read the signed-in user (``identity``), parse the form, call one domain
function and render a template. Charts are SVG drawn on the server; htmx (shipped in ``static``)
adds live progress without any inline script.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from dualcheck.errors import NotFound
from dualcheck.web.identity import LoginRequired, NotAllowed, current_user
from dualcheck.web.render import STATIC_DIR, page, redirect


def mount_web(app: FastAPI) -> None:
    from dualcheck.api.app import error_response
    from dualcheck.web import checks, classify, counterparties, dashboard, records, screening

    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    for module in (dashboard, screening, counterparties, classify, checks, records):
        app.include_router(module.router, prefix="/ui", include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.method != "GET":
            return Response("sign in first", status_code=401, media_type="text/plain")
        return redirect("/login")  # signing in leads to the dashboard

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        return page(request, "refused.html", status_code=403, title="Not allowed", error=str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        if request.url.path.startswith("/ui/") and current_user(request) is not None:
            return page(request, "refused.html", status_code=404, title="Not found", error=str(exc), missing=True)
        return error_response(request, exc)
