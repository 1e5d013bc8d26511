"""Reports: usage per licence and period, general-authorisation use, expiry and nearly-used warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from dualcheck.db.engine import Database
from dualcheck.licences.errors import Refused
from dualcheck.licences.general import record_general_use
from dualcheck.licences.reports import expiry_warnings, general_authorisation_report, licence_document, usage_report
from licences_support import AS_OF, one_item, store_fixtures, use


def test_usage_general_use_and_warnings(sqlite_db: Database) -> None:
    store_fixtures(sqlite_db)
    use(sqlite_db, one_item("1C010", 46, unit="kg", id="TX-A"))
    use(sqlite_db, one_item("5A002.a", 3, id="TX-B"))
    us_export = one_item("5A002.a", 2, value=500, id="TX-US", destination="US")
    with sqlite_db.write_session() as s:
        done = record_general_use(s, authorisation="eu001", transaction=us_export, as_of=AS_OF, actor="tester")
        assert done["registration"] == "TEST-REG-EU001"
        with pytest.raises(Refused, match="no active registration for EU002"):
            record_general_use(s, authorisation="EU002", transaction=us_export, as_of=AS_OF, actor="tester")
        with pytest.raises(Refused, match="EU007"):
            record_general_use(s, authorisation="EU007", transaction=us_export, as_of=dt.date(2027, 1, 5),
                               actor="tester")
    today = dt.datetime.now(dt.UTC).date()
    with sqlite_db.session() as s:
        report = usage_report(s, since=today, until=today)
        lines = {(lic["licence"], ln["line"]): ln for lic in report["licences"] for ln in lic["lines"]}
        assert lines[("TEST-IND-0001", 2)]["quantity"]["used_in_period"] == "46"
        assert lines[("TEST-IND-0001", 2)]["quantity"]["remaining_with_tolerance"] == "4"
        assert lines[("TEST-GLOB-0002", 1)]["shipments_in_period"] == 1
        earlier = usage_report(s, since=today - dt.timedelta(days=30), until=today - dt.timedelta(days=1))
        assert all(ln["quantity"]["used_in_period"] in ("0", None) for lic in earlier["licences"]
                   for ln in lic["lines"])
        general = general_authorisation_report(s)
        assert [(a["authorisation"], a["exports"], a["destinations"]) for a in general["authorisations"]] == \
            [("EU001", 1, ["US"])]
        assert general["authorisations"][0]["uses"][0]["control_codes"] == ["5A002.a"]
        registration = licence_document(s, "TEST-REG-EU001")
        assert [u["transaction_id"] for u in registration["uses"]] == ["TX-US"]
        assert licence_document(s, "TEST-IND-0001")["lines"][1]["quantity"]["used"] == "46"
        warnings = expiry_warnings(s, today=dt.date(2026, 6, 1), within_days=60, usage_share=0.9)
    kinds = {(w["licence"], w["kind"]) for w in warnings}
    assert ("TEST-GLOB-0002", "expiring") in kinds  # valid until 2026-06-30
    assert ("TEST-IND-0001", "nearly_used") in kinds  # 46 of 50 kg
    assert ("TEST-IND-0001", "expiring") not in kinds


def test_evidence_page_of_a_check_shows_its_red_flags() -> None:
    from dualcheck.licences.evidence_html import render_check_html

    flag = {"id": "RF-CHPL-TRANSSHIP", "severity": "high", "text": "A Common High Priority item <goes> on",
            "evidence": {"hs_code": "854231"}, "citation": "FIN-2023-Alert004"}
    page = render_check_html({"report": {"outcome": "NO_LICENCE_REQUIRED", "red_flags": {"flags": [flag]}}}, "check")
    assert "Red flags (advisory)" in page and "RF-CHPL-TRANSSHIP" in page and "854231" in page
    assert "&lt;goes&gt;" in page  # escaped
    assert "<h2>Red flags (advisory)</h2><p>none</p>" in render_check_html({"report": {"outcome": "X"}}, "check")
