"""The dashboard: list freshness, open hits and holds, checks by outcome, licences running out."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from dualcheck.api.deps import db_session
from dualcheck.licences import holds
from dualcheck.licences.reports import expiry_warnings
from dualcheck.lists.store import current_versions
from dualcheck.web import charts, queries
from dualcheck.web.identity import NotAllowed, WebUser, require
from dualcheck.web.render import NAV, days_ago, page, redirect

router = APIRouter()

LIST_STALE_DAYS = 30  # a list version older than this is shown in red: fetch a newer one
LICENCE_HORIZON_DAYS = 60
LICENCE_USAGE_SHARE = 0.9


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: Session = Depends(db_session),
              user: WebUser = Depends(require("signed_in"))) -> Response:
    if not user.can("read"):  # an authority officer works on the authority pages; an admin has none here
        target = "/ui/authority" if user.can("authority") else \
            next((path for path, _label, perm in NAV if user.can(perm)), None)
        if target is None:
            raise NotAllowed(f"{user.name} ({user.role}) has no page in the web application: "
                             "users, roles and tokens are managed with `dualcheck users` and the API")
        return redirect(target)
    lists = [{"name": name, **info, "age": days_ago(info["published"])}
             for name, info in current_versions(session).items()]
    for row in lists:
        row["stale"] = row["age"] is not None and row["age"] > LIST_STALE_DAYS
    open_holds = holds.list_holds(session, status="open")
    labels, series = queries.checks_by_day(session, days=30)
    warnings = expiry_warnings(session, today=dt.datetime.now(dt.UTC).date(), within_days=LICENCE_HORIZON_DAYS,
                               usage_share=LICENCE_USAGE_SHARE)
    return page(request, "dashboard.html", title="Dashboard", lists=lists, stale_days=LIST_STALE_DAYS,
                list_chart=charts.horizontal_bars([(r["name"], r["age"] or 0, r["stale"]) for r in lists],
                                                  title="Age of each list version in days", unit=" d"),
                open_hits=queries.open_hit_count(session), open_holds=open_holds,
                checks_chart=charts.stacked_bars(labels, series, title="Checks per day by outcome, last 30 days"),
                checks_legend=charts.legend(list(series)), checks_total=sum(sum(v) for v in series.values()),
                warnings=warnings, horizon=LICENCE_HORIZON_DAYS, share=LICENCE_USAGE_SHARE)
