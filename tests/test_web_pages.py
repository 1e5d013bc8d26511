"""The web application on the server side: every /ui route's permissions for every role, CSRF,
and the officers' flows on a real list (screen and clear, upload with row errors, batch run and
export, check -> hold -> four-eyes release, evidence pack)."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dualcheck.api.app import create_app
from dualcheck.auth.roles import ROLES
from dualcheck.config import Settings
from dualcheck.db.engine import Database
from dualcheck.ledger.models import LedgerRecord
from dualcheck.ledger.offline import verify_pack
from dualcheck.screening.models import Counterparty
from dualcheck.screening.service import forget_indexes
from dualcheck.web.identity import PERMISSIONS
from web_support import FIXTURES, LISTED_NAME, browser, build_loaded_home, post_form, text_of

pytestmark = pytest.mark.xdist_group("web_loaded")


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    return build_loaded_home(tmp_path_factory.mktemp("web-loaded"), data_dir)


@pytest.fixture
def web_db(web_template: Path, copy_sqlite: Callable[[Path], Database]) -> Database:
    forget_indexes()
    return copy_sqlite(web_template)


def _ui_routes() -> list[tuple[str, str, str]]:
    """(method, path, permission) of every /ui route, read from the app itself."""
    from fastapi.routing import iter_route_contexts

    app = create_app(Settings(database_url="sqlite://"))
    found = []
    for context in iter_route_contexts(app.routes):
        if not (context.path or "").startswith("/ui/") or context.path.startswith("/ui/static"):
            continue
        if not context.route.endpoint.__module__.startswith("dualcheck.web."):
            continue  # the sign-in module's own /ui/ page, served only when the web application is absent
        permissions = [d.call.permission for d in context.route.dependant.dependencies
                       if hasattr(d.call, "permission")]
        for method in sorted(context.methods or ()):
            found.append((method, context.path, permissions[0] if permissions else ""))
    return found


UI_ROUTES = _ui_routes()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_every_ui_route_declares_a_permission_and_the_fixed_routes_exist() -> None:
    assert all(perm in PERMISSIONS for _, _, perm in UI_ROUTES), [r for r in UI_ROUTES if r[2] not in PERMISSIONS]
    paths = {(m, p) for m, p, _ in UI_ROUTES}
    for fixed in ("/ui/", "/ui/screen", "/ui/checks/new", "/ui/holds", "/ui/counterparties", "/ui/classify"):
        assert ("GET", fixed) in paths


def test_every_ui_route_refuses_anonymous_and_unpermitted_roles(web_db: Database) -> None:
    anonymous = browser(web_db)
    clients = {role: browser(web_db, role) for role in ROLES}
    for method, path, permission in UI_ROUTES:
        url = _concrete(path)
        answer = anonymous.request(method, url, follow_redirects=False)
        if method == "GET":
            assert answer.status_code == 303 and answer.headers["location"] == "/login", (path,)
        else:
            assert answer.status_code == 401, (method, path, answer.status_code)
        for role, client in clients.items():
            # an admin signs in but has no page here: the dashboard says so
            allowed = role in PERMISSIONS[permission] and not (path == "/ui/" and role == "admin")
            answer = client.get(url, follow_redirects=False) if method == "GET" else post_form(client, url)
            if allowed:
                assert answer.status_code not in (401, 403), (method, path, role, answer.status_code)
            else:
                assert answer.status_code == 403, (method, path, role, answer.status_code)
                assert "Not allowed" in answer.text


def test_forms_need_the_session_csrf_token(web_db: Database) -> None:
    client = browser(web_db, "officer")
    data = {"party_name": "X", "list": "un-sc", "entity_id": "x", "status": "cleared", "reason": "r"}
    assert client.post("/ui/decisions", data=data, follow_redirects=False).status_code == 403
    assert client.post("/ui/decisions", data={**data, "csrf_token": "forged"},
                       follow_redirects=False).status_code == 403


def test_dashboard_shows_user_role_lists_and_sends_other_roles_to_their_pages(web_db: Database) -> None:
    client = browser(web_db, "viewer", name="vera")
    page = client.get("/ui/")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = text_of(page.text)
    assert "vera" in text and "viewer" in text and "un-sc" in text and "<svg" in page.text
    assert "<script>" not in page.text and "Content-Security-Policy" in page.headers
    assert "stale" in text  # the reference UN snapshot is older than 30 days
    assert "/ui/checks/new" not in page.text  # a viewer is not offered the check form
    assert browser(web_db, "authority_officer").get("/ui/", follow_redirects=False).status_code == 303
    assert browser(web_db, "admin").get("/ui/").status_code == 403


def _hit_form(html: str) -> dict[str, str]:
    form = html[html.index('action="/ui/decisions"'):]
    return {name: value for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', form[:2000])}


def test_screen_a_listed_name_then_clear_the_hit_with_a_reason(web_db: Database) -> None:
    officer = browser(web_db, "officer", name="olga")
    page = officer.get("/ui/screen", params={"name": LISTED_NAME, "country": ""})
    assert page.status_code == 200 and 'data-testid="hit"' in page.text and "Why this score" in page.text
    fields = _hit_form(page.text)
    assert fields["list"] == "un-sc" and fields["entity_id"].startswith("un-sc")
    refused = post_form(officer, "/ui/decisions", {**fields, "status": "cleared", "reason": " "})
    assert "needs+a+reason" in refused.headers["location"]
    done = post_form(officer, "/ui/decisions", {**fields, "status": "cleared", "reason": "a different company"})
    assert done.status_code == 303
    again = text_of(officer.get(done.headers["location"]).text)
    assert "Cleared by olga: a different company" in again
    with web_db.session() as s:
        kinds = [k for (k,) in s.execute(select(LedgerRecord.kind))]
    assert kinds.count("screening.screen") == 2 and "screening.decision" in " ".join(kinds)
    viewer = browser(web_db, "viewer")
    assert viewer.get("/ui/screen", params={"name": LISTED_NAME}).status_code == 403


def _count(db: Database) -> int:
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(Counterparty)).scalar_one())


def test_upload_shows_every_row_error_before_storing_then_batch_run_and_export(web_db: Database) -> None:
    officer = browser(web_db, "officer")
    bad = (FIXTURES / "screening" / "counterparties_bad.csv").read_bytes()
    preview = post_form(officer, "/ui/counterparties/preview", files={"file": ("bad.csv", bad, "text/csv")})
    assert preview.status_code == 200 and 'data-testid="row-errors"' in preview.text
    assert "bad.csv: row 3, field Company Name" in text_of(preview.text)
    assert "/ui/counterparties/import" not in preview.text and _count(web_db) == 0
    good = (FIXTURES / "screening" / "counterparties.csv").read_bytes()
    preview = post_form(officer, "/ui/counterparties/preview", files={"file": ("cp.csv", good, "text/csv")})
    assert 'data-testid="no-row-errors"' in preview.text  # the headings were recognised
    token = re.search(r'name="upload" value="(\w+)"', preview.text).group(1)  # type: ignore[union-attr]
    mapping = {"map_ref": "Customer ID", "map_name": "Company Name", "map_schema": "Type", "map_country": "Land",
               "map_birth_date": "Born", "map_aliases": "-"}
    wrong = post_form(officer, "/ui/counterparties/preview", {"upload": token, "name": "cp.csv", **mapping,
                                                              "map_country": "Company Name"})
    assert "cp.csv: row 2, field Company Name" in text_of(wrong.text)  # not a country
    remapped = post_form(officer, "/ui/counterparties/preview", {"upload": token, "name": "cp.csv", **mapping})
    assert 'data-testid="no-row-errors"' in remapped.text and "Ivan Petrov" in remapped.text and _count(web_db) == 0
    stored = post_form(officer, "/ui/counterparties/import", {"upload": token, "name": "cp.csv", **mapping})
    assert stored.status_code == 303 and "5+rows+stored" in stored.headers["location"] and _count(web_db) == 5
    started = post_form(officer, "/ui/counterparties/runs")
    job_url = started.headers["location"]
    deadline = time.monotonic() + 60
    while 'data-testid="run-finished"' not in (progress := officer.get(job_url).text):
        assert time.monotonic() < deadline and "error" not in progress.lower().split("aria-live")[0]
        time.sleep(0.2)
    run_url = re.search(r'href="(/ui/runs/\d+)"', progress).group(1)  # type: ignore[union-attr]
    results = officer.get(run_url, params={"min_score": "0"})
    assert results.status_code == 200
    export = officer.get(f"{run_url}/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None and sheet.cell(1, 1).value == "counterparty_ref"
    assert sheet.max_row - 1 == results.text.count("<td class=\"num\">")  # one row per hit shown


def _check(client: Any, **fields: str) -> Any:
    form = {"id": "T-WEB-1", "type": "export", "exporter_name": "Muster GmbH", "exporter_country": "DE",
            "destination": "RU", "date": "2026-03-01", "party0_role": "consignee", "party0_name": LISTED_NAME,
            "party0_country": "CD", "item0_description": "router", "item0_codes": "5A002.a.2",
            "item0_quantity": "2", "end_use": "telecommunications", "civil": "on", **fields}
    return post_form(client, "/ui/checks", form)


def test_check_hold_four_eyes_release_and_evidence_pack(web_db: Database) -> None:
    first, second = browser(web_db, "compliance_manager", name="cm1"), browser(web_db, "compliance_manager", name="cm2")
    answer = _check(first)
    assert answer.status_code == 303
    page = first.get(answer.headers["location"])
    assert 'data-testid="outcome">PROHIBITED' in page.text and "Regulation" in page.text
    hold_url = re.search(r'href="(/ui/holds/[^"]+)" data-testid="hold-link"', page.text).group(1)  # type: ignore
    viewer = browser(web_db, "viewer")
    assert viewer.get(hold_url).status_code == 200
    assert post_form(viewer, f"{hold_url}/release", {"reason": "fine"}).status_code == 403
    officer = browser(web_db, "officer")
    refused = post_form(officer, f"{hold_url}/release", {"reason": "fine"})  # PROHIBITED: managers only
    assert "may+not+release" in refused.headers["location"]
    assert "a+reason+is+required" in post_form(first, f"{hold_url}/release", {"reason": ""}).headers["location"]
    post_form(first, f"{hold_url}/release", {"reason": "licence DE-1 granted"})
    assert "awaiting second" in text_of(first.get(hold_url).text)
    same = post_form(first, f"{hold_url}/release", {"reason": "again"})
    assert "four-eyes" in same.headers["location"]
    post_form(second, f"{hold_url}/release", {"reason": "checked the licence"})
    assert 'data-testid="hold-status">released' in second.get(hold_url).text
    pack = post_form(first, "/ui/records/evidence", {"transaction_id": "T-WEB-1"})
    assert pack.status_code == 200 and pack.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(pack.content)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    result = verify_pack(files)
    assert result.ok, result.reason
    assert post_form(officer, "/ui/records/evidence", {"transaction_id": "T-WEB-1"}).status_code == 403


def test_check_form_names_a_missing_fact_and_json_upload_is_checked(web_db: Database) -> None:
    officer = browser(web_db, "officer")
    page = officer.get(_check(officer, item0_codes="", destination="US", party0_country="US",
                              party0_name="Quillmoor Lumetric Instruments").headers["location"])
    assert 'data-testid="outcome">NEEDS INFORMATION' in page.text
    bad = post_form(officer, "/ui/checks", files={"file": ("tx.json", b"{not json", "application/json")})
    assert bad.status_code == 422 and "tx.json: not valid JSON" in text_of(bad.text)
    doc = b'{"id": "T-JSON", "type": "export", "exporter": {"name": "M", "country": "DE"}, "destination": "US",' \
          b' "date": "2026-03-01", "parties": [{"role": "end_user", "name": "Quillmoor Lumetric", "country": "US"}],' \
          b' "items": [{"id": "1", "description": "pump", "control_codes": []}], "end_use": {"civil": true}}'
    done = post_form(officer, "/ui/checks", files={"file": ("tx.json", doc, "application/json")})
    assert 'data-testid="outcome">NO LICENCE REQUIRED' in officer.get(done.headers["location"]).text


def test_classify_and_browse_annex_i(web_db: Database) -> None:
    viewer = browser(web_db, "viewer")
    page = viewer.get("/ui/classify", params={"q": "fibre laser with an output power of 2 kW"})
    assert page.status_code == 200 and 'data-testid="candidates"' in page.text
    assert re.search(r'href="/ui/controls/6A005[^"]*"', page.text)
    assert "Terms: " in text_of(page.text) and "laser" in text_of(page.text)  # each candidate's evidence
    entry = viewer.get("/ui/controls/6A005")
    assert entry.status_code == 200 and "Parameter check" in entry.text
    assert viewer.get("/ui/controls/9Z999").status_code == 404
    assert post_form(viewer, "/ui/controls/items", {"sku": "L-1"}).status_code == 403
    officer = browser(web_db, "officer", name="otto")
    bad = post_form(officer, "/ui/controls/items", {"sku": "L-1", "description": "laser", "codes": "6Z999",
                                                   "rationale": "data sheet"})
    assert "not+recorded" in bad.headers["location"]
    done = post_form(officer, "/ui/controls/items", {"sku": "L-1", "description": "Fibre laser 2 kW",
                                                    "codes": "6A005.d.1", "rationale": "data sheet p. 2"})
    register = text_of(officer.get(done.headers["location"]).text)
    assert "L-1 classified as 6A005.d.1" in register and "Fibre laser 2 kW 6A005.d.1 otto" in register


def test_licences_authority_and_review_pages_show_their_domains(web_db: Database) -> None:
    from dualcheck.authority import exchange, service
    from dualcheck.authority.parsing import parse_application, read_json
    from dualcheck.lists.loader import load_paths
    from dualcheck.screening.counterparties import import_file, parse_mapping
    from dualcheck.screening.decisions import record_decision
    from dualcheck.screening.runs import run_screening
    from dualcheck.screening.service import get_index
    from licences_support import store_fixtures, transaction, use

    store_fixtures(web_db)
    used = use(web_db, transaction())
    reference = used["charges"][0]["licence"]
    reader = browser(web_db, "auditor")
    licences = reader.get("/ui/licences")
    assert licences.status_code == 200 and f'href="/ui/licences/{reference}"' in licences.text
    page = reader.get(f"/ui/licences/{reference}").text
    assert "Remaining" in page and re.search(r"<title>[A-Z][a-z]{2} \d\d: 1 shipped</title>", page)
    # the authority's side: a near-identical application warns for another state's denial
    fix = FIXTURES / "authority"
    with web_db.write_session() as s:
        denials = exchange.parse_document(read_json(fix / "denials_other_states.json"), source="denials")
        exchange.import_denials(s, denials, actor="t", source="denials")
        service.register(s, parse_application(read_json(fix / "application_near_identical.json"), source="app"),
                         actor="t")
    authority = browser(web_db, "authority_officer").get("/ui/authority")
    assert authority.status_code == 200
    assert "consult DE (denial DE-2024-0117, 2024-06-12)" in text_of(authority.text)
    # review queue: a cleared hit whose list entry changed comes back as a re-alert with old -> new
    screening = FIXTURES / "screening"
    load_paths(web_db, [screening / "parties_2025-01-01.ftm.json"], actor="t", workers=1)
    forget_indexes()
    mapping = parse_mapping(["ref=Customer ID", "name=Company Name", "schema=Type", "country=Land", "birth_date=Born"])
    import_file(web_db, screening / "counterparties.csv", mapping=mapping, actor="t")
    run_screening(web_db, get_index(web_db), kind="batch", actor="t")
    with web_db.write_session() as s:
        record_decision(s, party_name="Ivan Petrov", country="Russia", list_name="ftm-testlist", entity_id="tl-p1",
                        status="cleared", reason="another Ivan Petrov", actor="t")
    queue = browser(web_db, "viewer").get("/ui/review").text
    assert 'data-testid="review-item"' in queue and "Ivan Petrov" not in text_of(queue)
    load_paths(web_db, [screening / "parties_2025-02-01.ftm.json"], actor="t", workers=1)
    forget_indexes()
    run_screening(web_db, get_index(web_db, max_age=0), kind="full", actor="t")
    queue = browser(web_db, "officer").get("/ui/review").text
    item = queue[queue.index("Ivan Petrov") - 400:]
    assert "re-alert" in item and "another Ivan Petrov" in item and 'class="new"' in item


def test_another_tenant_sees_none_of_the_holds_checks_or_counterparties(web_db: Database) -> None:
    from web_support import PASSWORD, add_web_user

    acme = browser(web_db, "compliance_manager", name="acme-cm")
    page = acme.get(_check(acme).headers["location"])
    hold_url = re.search(r'href="(/ui/holds/[^"]+)" data-testid="hold-link"', page.text).group(1)  # type: ignore
    post_form(acme, "/ui/counterparties/preview", files={"file": (
        "cp.csv", (FIXTURES / "screening" / "counterparties.csv").read_bytes(), "text/csv")})
    other = browser(web_db)
    add_web_user(web_db, "compliance_manager", "globex-cm", tenant="globex")
    other.post("/login", data={"username": "globex-cm", "password": PASSWORD})
    assert "T-WEB-1" not in other.get("/ui/holds?status=all").text
    assert "T-WEB-1" not in other.get("/ui/checks").text
    assert other.get(hold_url).status_code == 404
    assert post_form(other, f"{hold_url}/release", {"reason": "not mine"}).status_code == 303
    assert 'data-testid="hold-status">held' in acme.get(hold_url).text
