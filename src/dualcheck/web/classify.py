"""Classification: search and browse Annex I with notes and definitions, candidates with their
evidence, the parameter check, and the product register with its review flags."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from dualcheck.api.deps import db_session, get_db
from dualcheck.controls import service
from dualcheck.controls.catalog import load_catalog
from dualcheck.errors import BadInput, DualcheckError
from dualcheck.web import queries
from dualcheck.web.identity import WebUser, require
from dualcheck.web.render import page, redirect

router = APIRouter()
SPEC_ROWS = 4


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get("/classify", response_class=HTMLResponse)
def classify(request: Request, q: str = "", notice: str = "",
             user: WebUser = Depends(require("reference"))) -> HTMLResponse:
    from dualcheck.controls.register import review_queue

    result: dict[str, Any] | None = None
    error = None
    with get_db(request).write_session() as session:  # a suggestion is recorded in the ledger
        if q.strip():
            try:
                result = service.classify_document(session, q, top=8, as_of=_today(), actor=user.name)
            except DualcheckError as exc:
                error = str(exc)
        try:
            catalog = load_catalog(session, _today())
            entries = [catalog.provisions[e] for e in catalog.entries if e in catalog.provisions]
            version = catalog.version.id
        except DualcheckError as exc:
            entries, version, error = [], None, error or str(exc)
        flags = review_queue(session)
        items = queries.register_items(session)
    return page(request, "classify.html", title="Classify", q=q, result=result, error=error, entries=entries,
                version=version, flags=flags, items=items, spec_rows=range(SPEC_ROWS), notice=notice,
                can_decide=user.can("decide"))


@router.post("/controls/items")
async def classify_item(request: Request, user: WebUser = Depends(require("decide"))) -> Response:
    """Put an item in the product register with its classification (codes, or none: not listed)."""
    from dualcheck.controls.register import decide, upsert_item

    form = await request.form()
    sku, description = str(form.get("sku") or "").strip(), str(form.get("description") or "").strip()
    codes = [c.strip() for c in str(form.get("codes") or "").split(",") if c.strip()]
    try:
        if not sku or not description:
            raise BadInput("an item needs its SKU and description", location="sku")
        with get_db(request).write_session() as session:
            upsert_item(session, sku, description, {}, actor=user.name)
            decide(session, sku, codes, str(form.get("rationale") or ""), actor=user.name)
        message = f"{sku} classified as {', '.join(codes) or 'not listed'}"
    except DualcheckError as exc:
        message = f"not recorded: {exc}"
    return redirect(f"/ui/classify?{urlencode({'notice': message})}")


@router.get("/controls/{code}", response_class=HTMLResponse)
def provision(request: Request, code: str, session: Session = Depends(db_session),
              user: WebUser = Depends(require("reference"))) -> HTMLResponse:
    doc = service.show(load_catalog(session, _today()), code, depth=None)
    return page(request, "provision.html", title=doc["code"], doc=doc, spec_rows=range(SPEC_ROWS))


@router.post("/controls/{code}/check", response_class=HTMLResponse)
async def parameter_check(request: Request, code: str, session: Session = Depends(db_session),
                          user: WebUser = Depends(require("reference"))) -> HTMLResponse:
    from dualcheck.controls.check import check

    form = await request.form()
    pairs = [f"{form.get(f'key{i}')}={form.get(f'value{i}')}" for i in range(SPEC_ROWS)
             if str(form.get(f"key{i}") or "").strip() and str(form.get(f"value{i}") or "").strip()]
    catalog = load_catalog(session, _today())
    doc = service.show(catalog, code, depth=None)
    try:
        outcome, error = check(catalog, code, pairs), None
    except DualcheckError as exc:
        outcome, error = None, str(exc)
    return page(request, "provision.html", title=doc["code"], doc=doc, spec_rows=range(SPEC_ROWS), outcome=outcome,
                error=error, form=form, status_code=422 if error else 200)
