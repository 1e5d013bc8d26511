"""Counterparties: upload with a column-mapping preview and every row error before storing, a
batch run with live progress, the run's hits with filters, and an XLSX export."""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from dualcheck.api.deps import db_session, get_db, get_settings_dep
from dualcheck.config import Settings
from dualcheck.errors import BadInput, DualcheckError
from dualcheck.screening import counterparties as cps
from dualcheck.screening.models import ScreeningRun
from dualcheck.screening.runs import run_document, run_hits
from dualcheck.web.identity import WebUser, require
from dualcheck.web.render import page, redirect

router = APIRouter()
PREVIEW_ROWS = 10
MAX_ROW_ERRORS = 200
SUFFIXES = (".csv", ".xlsx", ".xlsm")
# column headings proposed for each field before the officer confirms the mapping
GUESSES = {"ref": ("ref", "reference", "id", "customer id", "customer number", "supplier id", "account"),
           "name": ("name", "company name", "full name", "company", "party"),
           "schema": ("schema", "type", "entity type"), "country": ("country", "land", "nation", "country code"),
           "birth_date": ("birth_date", "birth date", "date of birth", "dob", "born"),
           "aliases": ("aliases", "alias", "aka", "other names")}


UPLOAD_HOURS = 24  # an upload not stored within a day is deleted
KEEP_JOBS = 50


def _upload_dir(settings: Settings) -> Path:
    path = Path(settings.home) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_HOURS * 3600
    for old in path.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return path


def _upload_path(settings: Settings, token: str) -> Path:
    matches = [p for p in _upload_dir(settings).glob(f"{token}.*") if token.isalnum()]
    if not matches:
        raise BadInput("the uploaded file has expired: upload it again", location="upload")
    return matches[0]


def preview(path: Path, mapping: dict[str, str], display_name: str) -> dict[str, Any]:
    """Columns, the first rows as they would be stored and every row's error (nothing is written)."""
    rows = cps.read_rows(path)
    if not rows:
        raise BadInput("no rows", source=display_name)
    columns = list(rows[0])
    missing = [f for f in ("ref", "name") if mapping[f] not in columns]
    errors: list[str] = [f"{display_name}: missing column for {f} (choose one below)" for f in missing]
    mapped: list[dict[str, Any]] = []
    seen: set[str] = set()
    if not missing:
        for line, row in enumerate(rows, start=2):
            try:
                record = cps.validate_row(row, mapping, source=display_name, line=line)
            except BadInput as exc:
                errors.append(str(exc))
                continue
            if record["ref"] in seen:
                errors.append(f"{display_name}: row {line}, field {mapping['ref']}: duplicate ref {record['ref']!r}")
            seen.add(record["ref"])
            if len(mapped) < PREVIEW_ROWS:
                mapped.append(record)
    return {"columns": columns, "rows": len(rows), "mapped": mapped, "errors": errors[:MAX_ROW_ERRORS],
            "more_errors": max(0, len(errors) - MAX_ROW_ERRORS)}


def _mapping(form: Any, columns: list[str] | None = None) -> dict[str, str]:
    mapping = {f: f for f in cps.FIELDS}
    for field in cps.FIELDS:
        chosen = form.get(f"map_{field}") if form is not None else None
        if isinstance(chosen, str) and chosen:
            mapping[field] = chosen
        elif columns:  # a column named like the field, whatever its case
            by_heading = {c.strip().lower().replace("_", " "): c for c in columns}
            mapping[field] = next((by_heading[g.replace("_", " ")] for g in GUESSES[field]
                                   if g.replace("_", " ") in by_heading), field)
    return mapping


@router.get("/counterparties", response_class=HTMLResponse)
def counterparties(request: Request, offset: int = 0, notice: str = "", session: Session = Depends(db_session),
                   user: WebUser = Depends(require("read"))) -> HTMLResponse:
    total, rows = cps.list_counterparties(session, offset=max(offset, 0), limit=100)
    runs = [run_document(r) for r in session.execute(select(ScreeningRun).order_by(ScreeningRun.id.desc())
                                                     .limit(10)).scalars()]
    return page(request, "counterparties.html", title="Counterparties", total=total, rows=rows, offset=offset,
                runs=runs, notice=notice, can_act=user.can("counterparties"))


@router.post("/counterparties/preview", response_class=HTMLResponse)
async def upload(request: Request, settings: Settings = Depends(get_settings_dep),
                 user: WebUser = Depends(require("counterparties"))) -> HTMLResponse:
    form = await request.form()
    file = form.get("file")
    token = form.get("upload")
    try:
        if isinstance(file, UploadFile) and file.filename:
            suffix = Path(file.filename).suffix.lower()
            if suffix not in SUFFIXES:
                raise BadInput("choose a .csv or .xlsx file", source=file.filename)
            token = secrets.token_hex(12)
            path = _upload_dir(settings) / f"{token}{suffix}"
            path.write_bytes(await file.read())
            name = file.filename
            columns = cps.read_rows(path)[:1]
            mapping = _mapping(None, list(columns[0]) if columns else None)
        elif isinstance(token, str) and token:
            path = _upload_path(settings, token)
            name = str(form.get("name") or path.name)
            mapping = _mapping(form)
        else:
            raise BadInput("choose a file to upload", location="file")
        result = preview(path, mapping, name)
    except DualcheckError as exc:
        return _list_with_error(request, str(exc), user)
    return page(request, "counterparties_preview.html", title="Check the upload", preview=result, mapping=mapping,
                fields=cps.FIELDS, token=token, name=name)


def _list_with_error(request: Request, message: str, user: WebUser) -> HTMLResponse:
    with get_db(request).session() as session:
        total, rows = cps.list_counterparties(session, limit=100)
    return page(request, "counterparties.html", title="Counterparties", total=total, rows=rows, offset=0, runs=[],
                error=message, can_act=user.can("counterparties"), status_code=422)


@router.post("/counterparties/import")
async def store(request: Request, settings: Settings = Depends(get_settings_dep),
                user: WebUser = Depends(require("counterparties"))) -> Response:
    form = await request.form()
    try:
        path = _upload_path(settings, str(form.get("upload") or ""))
        name = str(form.get("name") or path.name)
        named = path.with_name(f"{path.stem}-{Path(name).name}")  # the ledger records the user's file name
        path.rename(named)
        try:
            summary = cps.import_file(get_db(request), named, mapping=_mapping(form), actor=user.name)
        finally:
            named.unlink(missing_ok=True)
    except DualcheckError as exc:
        return _list_with_error(request, str(exc), user)
    from urllib.parse import urlencode

    text = f"{summary['rows']} rows stored from {name}: {summary['created']} new, {summary['updated']} updated"
    return redirect(f"/ui/counterparties?{urlencode({'notice': text})}")


# -- batch runs with live progress ------------------------------------------------------------

class BatchJob:
    def __init__(self, total: int, tenant: str) -> None:
        self.total, self.done, self.tenant = total, 0, tenant
        self.run_id: int | None = None
        self.error: str | None = None
        self.finished = threading.Event()

    def advance(self, n: int) -> None:
        self.done += n


JOBS: dict[str, BatchJob] = {}
_job_lock = threading.Lock()


def _run_batch(db: Any, job: BatchJob, actor: str, tenant: str) -> None:
    from dualcheck.db.tenancy import tenant_context
    from dualcheck.screening.runs import run_screening
    from dualcheck.screening.service import get_index

    try:
        with tenant_context(tenant):  # a new thread: the request's tenant does not come along by itself
            doc = run_screening(db, get_index(db), kind="batch", actor=actor, workers=1, advance=job.advance)
        job.run_id = doc["id"]
    except Exception as exc:  # shown on the progress page; the run wrote nothing
        job.error = str(exc) if isinstance(exc, DualcheckError) else f"the run failed: {exc.__class__.__name__}"
    finally:
        job.done = job.total if job.error is None else job.done
        job.finished.set()


@router.post("/counterparties/runs")
def start_run(request: Request, user: WebUser = Depends(require("counterparties"))) -> Response:
    db = get_db(request)
    with db.session() as session:
        total, _ = cps.list_counterparties(session, limit=1)
    job = BatchJob(total, user.tenant)
    job_id = secrets.token_hex(8)
    with _job_lock:
        finished = [k for k, j in JOBS.items() if j.finished.is_set()]
        for key in finished[:max(0, len(finished) - KEEP_JOBS)]:  # keep the latest finished runs' pages
            del JOBS[key]
        JOBS[job_id] = job
    threading.Thread(target=_run_batch, args=(db, job, user.name, user.tenant), daemon=True,
                     name=f"batch-{job_id}").start()
    return redirect(f"/ui/counterparties/jobs/{job_id}")


@router.get("/counterparties/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, partial: bool = False,
             user: WebUser = Depends(require("read"))) -> HTMLResponse:
    job = JOBS.get(job_id)
    if job is None or job.tenant != user.tenant:
        return page(request, "refused.html", title="Not found", error="no such batch run", missing=True,
                    status_code=404)
    template = "job_progress.html" if partial or request.headers.get("hx-request") else "job.html"
    return page(request, template, title="Batch run", job=job, job_id=job_id)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_results(request: Request, run_id: int, list_name: str = "", min_score: str = "", only_new: bool = False,
                undecided: bool = False, q: str = "", session: Session = Depends(db_session),
                user: WebUser = Depends(require("read"))) -> HTMLResponse:
    run = session.get(ScreeningRun, run_id)
    if run is None:
        from dualcheck.errors import NotFound

        raise NotFound(f"screening run {run_id} not found")
    hits = _filtered(run_hits(session, run_id, only_new=only_new), list_name, min_score, undecided, q)
    lists = sorted({h["list"] for h in run_hits(session, run_id)})
    return page(request, "run.html", title=f"Run {run_id}", run=run_document(run), hits=hits, lists=lists,
                filters={"list_name": list_name, "min_score": min_score, "only_new": only_new,
                         "undecided": undecided, "q": q}, query=request.url.query)


def _filtered(hits: list[dict[str, Any]], list_name: str, min_score: str, undecided: bool,
              q: str) -> list[dict[str, Any]]:
    try:
        floor = float(min_score) if min_score else 0.0
    except ValueError:
        floor = 0.0
    needle = q.strip().lower()
    return [h for h in hits if (not list_name or h["list"] == list_name) and h["score"] >= floor
            and (not undecided or not h["decision"])
            and (not needle or needle in h["counterparty_name"].lower() or needle in h["counterparty_ref"].lower())]


@router.get("/runs/{run_id}/export.xlsx")
def export(run_id: int, list_name: str = "", min_score: str = "", only_new: bool = False, undecided: bool = False,
           q: str = "", session: Session = Depends(db_session), user: WebUser = Depends(require("read"))) -> Response:
    from dualcheck.screening.runs import export_hits

    hits = _filtered(run_hits(session, run_id, only_new=only_new), list_name, min_score, undecided, q)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"run-{run_id}.xlsx"
        export_hits(hits, path)
        data = path.read_bytes()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="run-{run_id}-hits.xlsx"'})
