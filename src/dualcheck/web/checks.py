"""Transaction checks (form and JSON upload), their answers, and the holds queue with four-eyes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from dualcheck.api.deps import db_session, get_db, get_settings_dep
from dualcheck.config import Settings
from dualcheck.errors import DualcheckError
from dualcheck.licences import holds
from dualcheck.web import queries
from dualcheck.web.identity import WebUser, require
from dualcheck.web.render import page, redirect

router = APIRouter()
TYPES = ("export", "transfer", "brokering", "technical_assistance", "transit")
ROLES = ("consignee", "end_user", "intermediate_consignee", "purchaser", "broker")
ITEM_ROWS = 3
PARTY_ROWS = 2
HOLD_STATUSES = ("open", "held", "awaiting_second", "released", "rejected", "superseded", "all")


def _text(form: Any, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _number(text: str) -> float | int | str:
    try:
        number = float(text)
    except ValueError:
        return text  # the check names the field it cannot read
    return int(number) if number.is_integer() else number


def transaction_from_form(form: Any) -> dict[str, Any]:
    """The transaction JSON (CONTRACTS.md) from the check form; empty fields are left out, so the
    check answers NEEDS_INFORMATION for a missing fact instead of assuming one."""
    tx: dict[str, Any] = {"type": _text(form, "type") or "export",
                          "exporter": {"name": _text(form, "exporter_name"), "country": _text(form, "exporter_country"),
                                       "icp": form.get("exporter_icp") == "on"}}
    for key in ("id", "destination", "date"):
        if _text(form, key):
            tx[key] = _text(form, key)
    transit = [c.strip() for c in _text(form, "transit_countries").split(",") if c.strip()]
    if transit:
        tx["transit_countries"] = transit
    tx["parties"] = [{"role": _text(form, f"party{i}_role"), "name": _text(form, f"party{i}_name"),
                      "country": _text(form, f"party{i}_country")}
                     for i in range(PARTY_ROWS) if _text(form, f"party{i}_name")]
    items: list[dict[str, Any]] = []
    for i in range(ITEM_ROWS):
        if not (_text(form, f"item{i}_description") or _text(form, f"item{i}_codes")):
            continue
        item: dict[str, Any] = {"id": str(len(items) + 1), "description": _text(form, f"item{i}_description")}
        codes = _text(form, f"item{i}_codes")
        if codes == "-":
            item["control_codes"] = []  # classified as not listed
        elif codes:
            item["control_codes"] = [c.strip() for c in codes.split(",") if c.strip()]
        for key in ("quantity", "value"):
            if _text(form, f"item{i}_{key}"):
                item[key] = _number(_text(form, f"item{i}_{key}"))
        if "value" in item:
            item["currency"] = _text(form, f"item{i}_currency") or "EUR"
        items.append(item)
    tx["items"] = items
    if _text(form, "end_use"):
        tx["end_use"] = {"description": _text(form, "end_use"), "civil": form.get("civil") == "on"}
    tx["awareness"] = [a for a in ("wmd", "military_embargo", "military_parts_illegal", "cyber_repression")
                       if form.get(f"aware_{a}") == "on"]
    return tx


@router.get("/checks/new", response_class=HTMLResponse)
def new_check(request: Request, user: WebUser = Depends(require("check"))) -> HTMLResponse:
    return page(request, "check_new.html", title="Check a transaction", types=TYPES, roles=ROLES,
                item_rows=range(ITEM_ROWS), party_rows=range(PARTY_ROWS), form={})


@router.post("/checks")
async def create_check(request: Request, settings: Settings = Depends(get_settings_dep),
                       user: WebUser = Depends(require("check"))) -> Response:
    from dualcheck.check.service import run_check
    from dualcheck.rules import cached_ruleset

    form = await request.form()
    upload = form.get("file")
    source = "form"
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            source = upload.filename
            doc: Any = json.loads((await upload.read()).decode("utf-8"))
        elif _text(form, "json"):
            source = "pasted JSON"
            doc = json.loads(_text(form, "json"))
        else:
            doc = transaction_from_form(form)
        result = run_check(get_db(request), doc, cached_ruleset(settings.effective_data_dir),
                           settings.effective_data_dir, as_of=_text(form, "as_of") or None, actor=user.name,
                           source=source)
    except (ValueError, DualcheckError) as exc:
        message = f"{source}: not valid JSON ({exc})" if isinstance(exc, json.JSONDecodeError) else str(exc)
        return page(request, "check_new.html", title="Check a transaction", types=TYPES, roles=ROLES,
                    item_rows=range(ITEM_ROWS), party_rows=range(PARTY_ROWS), form=form, error=message,
                    status_code=422)
    return redirect(f"/ui/checks/{result['check_id']}")


@router.get("/checks", response_class=HTMLResponse)
def list_checks(request: Request, session: Session = Depends(db_session),
                user: WebUser = Depends(require("read"))) -> HTMLResponse:
    return page(request, "checks.html", title="Checks", checks=queries.recent_checks(session, limit=200),
                can_check=user.can("check"))


@router.get("/checks/{check_id}", response_class=HTMLResponse)
def show_check(request: Request, check_id: str, session: Session = Depends(db_session),
               user: WebUser = Depends(require("read"))) -> HTMLResponse:
    stored = queries.stored_check(session, check_id)
    linked = [holds.hold_document(h) for h in holds.list_holds(session, status=None,
                                                               transaction_id=stored.transaction_id or check_id)
              if h.check_id == check_id]
    return page(request, "check.html", title=f"Check {check_id[:8]}", check=stored, result=stored.result,
                holds=linked, can_records=user.can("records"))


@router.get("/holds", response_class=HTMLResponse)
def hold_queue(request: Request, status: str = "open", session: Session = Depends(db_session),
               user: WebUser = Depends(require("read"))) -> HTMLResponse:
    status = status if status in HOLD_STATUSES else "open"
    rows = [holds.hold_document(h) for h in holds.list_holds(session, status=None if status == "all" else status)]
    return page(request, "holds.html", title="Holds", holds=rows, status=status, statuses=HOLD_STATUSES)


@router.get("/holds/{hold_id}", response_class=HTMLResponse)
def show_hold(request: Request, hold_id: str, notice: str = "", error: str = "",
              session: Session = Depends(db_session), user: WebUser = Depends(require("read"))) -> HTMLResponse:
    hold = holds.hold_document(holds.get_hold(session, hold_id))
    settings = holds.hold_settings()
    allowed = settings.roles_for(hold["outcome"])
    return page(request, "hold.html", title=f"Hold {hold['transaction_id']}", hold=hold, notice=notice,
                error=error, can_decide=user.can("hold"), may_release=user.role in allowed,
                release_roles=sorted(allowed), first=_first_approval(hold))


def _first_approval(hold: dict[str, Any]) -> dict[str, Any] | None:
    if hold["status"] != "awaiting_second":
        return None
    return next((d for d in reversed(hold["decisions"]) if d["action"] == "release"), None)


@router.post("/holds/{hold_id}/{action}")
async def decide_hold(request: Request, hold_id: str, action: str,
                      user: WebUser = Depends(require("hold"))) -> Response:
    if action not in ("release", "reject"):
        return Response("unknown action", status_code=404, media_type="text/plain")
    reason = _text(await request.form(), "reason")
    decide = holds.release if action == "release" else holds.reject
    try:
        with get_db(request).write_session() as session:  # committed before the redirect is answered
            hold = holds.hold_document(decide(session, hold_id, actor=user.name, role=user.role, reason=reason,
                                              roles=user.identity.roles))
    except DualcheckError as exc:
        return redirect(f"/ui/holds/{hold_id}?{urlencode({'error': str(exc)})}")
    done = {"awaiting_second": "first approval recorded: a second officer must release it too",
            "released": "released", "rejected": "rejected"}.get(hold["status"], hold["status"])
    return redirect(f"/ui/holds/{hold_id}?{urlencode({'notice': done})}")
