"""Licences and balances, records (ledger verification, evidence packs, list diffs) and the
authority's pages."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.api.deps import db_session, get_db
from dualcheck.errors import DualcheckError
from dualcheck.web import charts, queries
from dualcheck.web.identity import WebUser, require
from dualcheck.web.render import page

router = APIRouter()


@router.get("/licences", response_class=HTMLResponse)
def licences(request: Request, session: Session = Depends(db_session),
             user: WebUser = Depends(require("read"))) -> HTMLResponse:
    from dualcheck.licences.reports import expiry_warnings, general_authorisation_report, usage_report

    report = usage_report(session)
    warnings = expiry_warnings(session, today=dt.datetime.now(dt.UTC).date())
    return page(request, "licences.html", title="Licences", licences=report["licences"], warnings=warnings,
                general=general_authorisation_report(session)["authorisations"])


@router.get("/licences/{reference}", response_class=HTMLResponse)
def licence(request: Request, reference: str, session: Session = Depends(db_session),
            user: WebUser = Depends(require("read"))) -> HTMLResponse:
    from dualcheck.licences.reports import licence_document

    doc = licence_document(session, reference)
    bars = [(f"line {ln['line']} {m}", _share(ln[m]), _share(ln[m]) >= 90)
            for ln in doc.get("lines", []) for m in ("quantity", "value") if ln[m]["authorised"]]
    labels, series = queries.licence_shipments_by_month(session, reference)
    return page(request, "licence.html", title=reference, doc=doc,
                chart=charts.horizontal_bars(bars, title="Share of each line used or reserved", unit=" %")
                if bars else None,
                usage_chart=charts.stacked_bars(labels, series, title="Shipments per month, last 12 months"),
                usage_legend=charts.legend(list(series)))


def _share(measure: dict[str, object]) -> float:
    authorised = float(str(measure["authorised"] or 0))
    taken = float(str(measure["used"] or 0)) + float(str(measure["reserved"] or 0))
    return round(100 * taken / authorised, 1) if authorised else 0.0


@router.get("/records", response_class=HTMLResponse)
def records(request: Request, diff_list: str = "", diff_from: str = "", diff_to: str = "",
            session: Session = Depends(db_session), user: WebUser = Depends(require("records"))) -> HTMLResponse:
    from dualcheck.ledger import verify
    from dualcheck.lists.diff import diff_versions
    from dualcheck.lists.store import current_versions, list_versions

    result = verify(session)
    diff, error = None, None
    if diff_list:
        try:
            diff = diff_versions(session, diff_list, diff_from or None, diff_to or None)
        except DualcheckError as exc:
            error = str(exc)
    versions = [(v.list_name, v.id, v.published.isoformat()) for v in list_versions(session)]
    return page(request, "records.html", title="Records", verify=result, summary=result.summary(), diff=diff,
                error=error, lists=sorted(current_versions(session)), versions=versions,
                form={"diff_list": diff_list, "diff_from": diff_from, "diff_to": diff_to})


@router.post("/records/evidence")
def evidence(request: Request, transaction_id: str = Form(""), user: WebUser = Depends(require("records"))) -> Response:
    from dualcheck.licences.evidence import build_evidence_pack

    with get_db(request).write_session() as session:
        data, _manifest = build_evidence_pack(session, transaction_id=transaction_id.strip() or None, actor=user.name)
    name = f"evidence-{transaction_id.strip() or 'all'}.zip".replace("/", "_").replace('"', "_")
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/authority", response_class=HTMLResponse)
def authority(request: Request, session: Session = Depends(db_session),
              user: WebUser = Depends(require("authority"))) -> HTMLResponse:
    from dualcheck.authority import exchange
    from dualcheck.authority import stats as stats_mod
    from dualcheck.authority.models import Application

    applications = list(session.execute(select(Application).order_by(Application.received_on.desc())
                                        .limit(200)).scalars())
    stats = stats_mod.compute(session, by="destination")
    denials = exchange.export_document(session, include_imported=True)["denials"]
    bars = [(g["group"], g["applications"], (g["denial_rate"] or 0) > 0.5) for g in stats["groups"][:20]]
    return page(request, "authority.html", title="Authority", applications=applications, stats=stats,
                denials=denials, chart=charts.horizontal_bars(bars, title="Applications by destination")
                if bars else None)
