"""Health and the landing page."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.orm import Session

from dualcheck import __version__, _compiled
from dualcheck.api.deps import db_session, get_db
from dualcheck.data_versions import loaded_data_versions
from dualcheck.db.migrate import is_up_to_date

router = APIRouter()


def health_document(request: Request, session: Session) -> dict[str, Any]:
    db = get_db(request)
    migrated = is_up_to_date(db)
    return {
        "status": "ok" if migrated else "degraded",
        "version": __version__,
        "database": {"kind": db.kind, "migrated": migrated},
        # the screening hot path compiled at install, or its Python source (same results, slower)
        "screening_implementation": _compiled.implementation(),
        # An unmigrated database has no tables to ask: say so instead of failing.
        "data_versions": loaded_data_versions(session) if migrated else {},
    }


@router.get("/health", tags=["health"])
def health(request: Request, session: Session = Depends(db_session)) -> JSONResponse:
    doc = health_document(request, session)
    return JSONResponse(doc, status_code=200 if doc["status"] == "ok" else 503)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def landing(request: Request, session: Session = Depends(db_session)) -> HTMLResponse:
    doc = health_document(request, session)
    rows = []
    for domain, entries in doc["data_versions"].items():
        for name, info in (entries or {}).items():
            detail = ", ".join(f"{k}: {v}" for k, v in info.items()) if isinstance(info, dict) else str(info)
            rows.append(f"<tr><td>{html.escape(domain)}</td><td>{html.escape(name)}</td>"
                        f"<td>{html.escape(detail)}</td></tr>")
    table = "".join(rows) or '<tr><td colspan="3">nothing loaded yet: run <code>dualcheck lists load</code></td></tr>'
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dualcheck</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}}</style>
</head><body><h1>dualcheck {html.escape(doc['version'])}</h1>
<p>Export-control compliance for dual-use items: party screening, classification, licence
determination and tamper-evident records. Status: <b>{html.escape(doc['status'])}</b>,
database: {html.escape(doc['database']['kind'])}.</p>
<h2>Loaded reference data</h2><table><tr><th>domain</th><th>name</th><th>version</th></tr>{table}</table>
<p><a href="/login">Sign in</a> · <a href="/api/v1/openapi.json">OpenAPI</a> (authenticated) ·
<a href="/health">health</a></p></body></html>"""
    return HTMLResponse(body)
