"""Screen a party, read a listed entry with its source record, clear or confirm a hit; the review queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from dualcheck.api.deps import db_session, get_db
from dualcheck.errors import DualcheckError
from dualcheck.screening.decisions import record_decision
from dualcheck.screening.service import screen_recorded
from dualcheck.screening.subjects import query_subject
from dualcheck.web import charts, queries
from dualcheck.web.identity import WebUser, require
from dualcheck.web.render import page, redirect

router = APIRouter()
SCHEMAS = ("", "Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane")


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


@router.get("/screen", response_class=HTMLResponse)
def screen(request: Request, name: str = "", schema: str = "", country: str = "", birth_date: str = "",
           identifiers: str = "", notice: str = "", user: WebUser = Depends(require("screen"))) -> HTMLResponse:
    form = {"name": name, "schema": schema, "country": country, "birth_date": birth_date, "identifiers": identifiers}
    result: dict[str, Any] | None = None
    error = None
    if name.strip():
        try:
            subject = query_subject(name, schema=_blank_to_none(schema), birth_date=_blank_to_none(birth_date),
                                    country=_blank_to_none(country),
                                    identifiers=[i.strip() for i in identifiers.split(",") if i.strip()])
            raw = {"name": name, "schema": _blank_to_none(schema), "birth_date": _blank_to_none(birth_date),
                   "country": _blank_to_none(country)}
            result = screen_recorded(get_db(request), subject, raw, actor=user.name)
        except DualcheckError as exc:
            error = str(exc)
    return page(request, "screen.html", title="Screen a party", form=form, schemas=SCHEMAS, result=result,
                error=error, notice=notice, can_decide=user.can("decide"), bar=charts.contribution_bar,
                status_code=422 if error else 200)


@router.post("/decisions")
def decide(request: Request, party_name: str = Form(...), country: str = Form(""),
           list_name: str = Form(..., alias="list"), entity_id: str = Form(...), status: str = Form(...),
           reason: str = Form(""), back: str = Form("/ui/screen"),
           user: WebUser = Depends(require("decide"))) -> Response:
    if status not in ("cleared", "confirmed"):
        return Response("status must be cleared or confirmed", status_code=422, media_type="text/plain")
    if not back.startswith("/ui/"):
        back = "/ui/screen"
    if not reason.strip():
        message = "a decision needs a reason"
    else:
        try:
            with get_db(request).write_session() as session:
                record_decision(session, party_name=party_name, country=_blank_to_none(country), list_name=list_name,
                                entity_id=entity_id, status=status, reason=reason, actor=user.name)
            message = f"{entity_id} {status} for {party_name}"
        except DualcheckError as exc:
            message = f"not recorded: {exc}"
    joiner = "&" if "?" in back else "?"
    return redirect(f"{back}{joiner}{urlencode({'notice': message})}")


@router.get("/entities/{list_name}/{entity_id}", response_class=HTMLResponse)
def entity(request: Request, list_name: str, entity_id: str, session: Session = Depends(db_session),
           user: WebUser = Depends(require("read"))) -> HTMLResponse:
    from dualcheck.lists.store import get_entity

    stored = get_entity(session, entity_id)
    return page(request, "entity.html", title=stored.entity.caption, stored=stored, list_name=list_name)


@router.get("/review", response_class=HTMLResponse)
def review(request: Request, notice: str = "", session: Session = Depends(db_session),
           user: WebUser = Depends(require("read"))) -> HTMLResponse:
    return page(request, "review.html", title="Review queue", queue=queries.review_queue(session), notice=notice,
                can_decide=user.can("decide"), bar=charts.contribution_bar)
