"""The essentially-identical check criterion by criterion (Regulation (EU) 2021/821, Art. 2(22)): the same end
user or consignee across roles and scripts, items by code and parameters within a tolerance, destination and end
use as context that may raise the score but never hold a warning back (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dualcheck.authority import exchange, matching, service
from dualcheck.authority.parsing import item_view, parse_application, read_json
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput

FIX = Path(__file__).parent / "fixtures" / "authority"
DENIALS = FIX / "denials_other_states.json"
NEAR = FIX / "application_near_identical.json"
DE_WARNING = "consult DE (denial DE-2024-0117, 2024-06-12)"
OTHER_END_USER = {"name": "Gulf Star Trading Company", "country": "AE"}


def _app(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = read_json(NEAR)
    doc.update(changes)
    return doc


def _check(db: Database, doc: dict[str, Any], config: matching.MatchingConfig | None = None) -> dict[str, Any]:
    parsed = exchange.parse_document(read_json(DENIALS), source=DENIALS.name)
    with db.write_session() as session:
        exchange.import_denials(session, parsed, actor="officer", source=str(DENIALS))
        return service.register(session, parse_application(doc, source="test"), actor="officer",
                                config=config)["check"]


def _de(check: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in check["comparisons"] if c["denial"]["reference"] == "DE-2024-0117")


def test_generic_company_words_of_other_scripts_are_read_as_such() -> None:
    # the figure: 0.32 before "شركة" (company) and "للتجارة" (for trading) were read as such
    assert matching.name_score("شركة النور للتجارة", "Al-Nour Trading Company")[0] >= 0.85
    assert matching.name_score("ООО Торговая компания Восток", "Vostok Trading Company LLC")[0] >= 0.85
    assert matching.name_score("北京华为贸易有限公司", "Beijing Huawei Trading Co., Ltd.")[0] >= 0.85
    assert matching.name_score("شرکت بازرگانی نور", "Nour Trading Company")[0] >= 0.85
    assert matching.name_score("Nur Ticaret A.Ş.", "Nur Trading JSC")[0] >= 0.85
    # the generic words alone make no match
    assert matching.name_score("شركة الهدى للتجارة", "Al-Nour Trading Company")[0] < 0.5
    assert matching.name_score("ООО Торговая компания Запад", "Vostok Trading Company LLC")[0] < 0.5


def test_arabic_script_end_user_with_another_consignee_warns_with_each_criterion_explained(any_db: Database) -> None:
    check = _check(any_db, _app(end_user={"name": "شركة النور للتجارة", "country": "AE"},
                                consignee={"name": "Jebel Ali Logistics FZE", "country": "AE"}))
    assert check["warnings"] == [DE_WARNING]
    de = _de(check)
    assert de["criteria"]["parties"]["met"] and de["criteria"]["parties"]["score"] >= 0.85
    assert "application end user ~ denied end user" in de["criteria"]["parties"]["detail"]
    assert "'شركة النور للتجارة' ~ 'Al-Nour Trading Company'" in de["criteria"]["parties"]["detail"]
    lines = de["explanation"]
    assert lines[0].startswith("same end user or consignee") and "trading=trading" in lines[0]
    assert lines[1].startswith("essentially identical items") and "5A002.a falls under 5A002" in lines[1]
    assert lines[2] == "destination (context): AE vs AE"
    assert lines[3].startswith("end use (context")
    assert de["warning"] == DE_WARNING and de["legal_basis"].startswith("Regulation (EU) 2021/821, Art. 16(5)")


def test_same_end_user_reached_through_a_consignee_in_a_third_country_warns(any_db: Database) -> None:
    check = _check(any_db, _app(destination="SG", consignee={"name": "Straits Electronics Pte Ltd", "country": "SG"}))
    assert check["warnings"] == [DE_WARNING]
    destination = _de(check)["criteria"]["destination"]
    assert destination == {"match": False, "required": False,
                           "detail": "SG vs AE (another destination: a re-routing counts as the same transaction)"}


def test_a_different_end_user_with_the_same_items_and_destination_does_not_warn(any_db: Database) -> None:
    check = _check(any_db, _app(end_user=OTHER_END_USER, consignee={"name": "Emirates Freight Forwarding LLC"}))
    assert check["warnings"] == []
    assert all(not c["criteria"]["parties"]["met"] for c in check["comparisons"])


def test_a_denied_end_user_named_as_consignee_warns(any_db: Database) -> None:
    check = _check(any_db, _app(consignee={"name": "Al Nour Trading Co.", "country": "AE"},
                                end_user={"name": "Hamdan Satellite Services LLC", "country": "AE"}))
    assert DE_WARNING in check["warnings"]
    assert "application consignee ~ denied end user" in _de(check)["criteria"]["parties"]["detail"]


def test_identifiers_name_a_renamed_company_and_weigh_against_another_registration(any_db: Database) -> None:
    renamed = _check(any_db, _app(reference="A-REN", end_user={
        "name": "Nour Horizon General Trading LLC", "country": "AE",
        "identifiers": [{"type": "trade_licence", "value": "DED 764512"}]}))
    assert DE_WARNING in renamed["warnings"]
    assert "same identifier DED764512" in _de(renamed)["criteria"]["parties"]["detail"]
    # the same name with another registration: no longer a clear match (the context decides, and says so)
    other_company = _check(any_db, _app(reference="A-OTH", end_user={
        "name": "Al Nour Trading Company", "country": "AE", "identifiers": ["DED-100001"]}))
    parties = _de(other_company)["criteria"]["parties"]
    assert parties["score"] < parties["required"] and "identifiers differ" in parties["detail"]


def _item(code: str, **parameters: Any) -> dict[str, Any]:
    return item_view({"control_code": code, "description": "item", "parameters": parameters})


def test_items_same_code_or_parent_child_with_parameters_within_a_configurable_tolerance() -> None:
    config = matching.default_config()
    assert config.items.parameter_tolerance == 0.10
    denied = [_item("5A002", key_length="256 bit", throughput={"value": 10, "unit": "Gbit/s"})]
    score, detail = matching.item_score([_item("5A002.a", key_length="256 bits", throughput="10.5 Gbit/s")], denied)
    assert score == 0.9 and "parameters within 10%" in detail
    score, detail = matching.item_score([_item("5A002", throughput="10000 Mbit/s")], denied)
    assert score == 1.0  # converted to the same unit
    score, detail = matching.item_score([_item("5A002", throughput="40 Gbit/s")], denied)
    assert score < config.items.required and "parameters differ beyond 10%: throughput 40 Gbit/s / 10 Gbit/s" in detail
    wider = matching.load_config(**{"items.parameter_tolerance": 0.8})
    assert matching.item_score([_item("5A002", throughput="40 Gbit/s")], denied, wider)[0] == 1.0
    assert matching.item_score([_item("5A002.b")], [_item("5A002.a")])[0] < config.items.required  # siblings
    assert matching.item_score([_item("6A003")], denied) == (0.0, "no related control codes")
    # an unconverted unit compares with the same unit only; a text parameter by its text
    assert matching.item_score([_item("7A001", bias="52 µg")], [_item("7A001", bias="55 µg")])[0] == 1.0
    assert matching.item_score([_item("6A003", detector="cooled InSb")], [_item("6A003", detector="uncooled")])[0] < 0.9
    # a range or a flag is compared as its text; a parameter left empty is not stated
    assert matching.item_score([_item("6A003", band=[8, 12])], [_item("6A003", band=[8, 12])])[0] == 1.0
    assert matching.item_score([_item("6A003", band=[3, 5])], [_item("6A003", band=[8, 12])])[0] < 0.9
    assert item_view({"control_code": "6A003", "description": "x", "parameters": {"band": None}})["_parameters"] == []


def _view(**changes: Any) -> dict[str, Any]:
    view = {"issuing_state": "DE", "reference": "D-1", "date": "2025-01-01", "destination": "AE",
            "end_use": "satellite ground station encryption", "items": [_item("5A002")],
            "parties": [{"role": "end_user", "name": "Al Nour Trading Co", "country": "AE"}]}
    view.update(changes)
    return view


def test_destination_and_end_use_may_raise_a_borderline_party_score_but_never_gate() -> None:
    config = matching.default_config()
    borderline = matching.PartyMatch((config.parties.floor + config.parties.required) / 2, None, None, "borderline")
    with_context = matching.compare(_view(), _view(), config, borderline)
    assert with_context.warning is not None and with_context.criteria["parties"]["context_added"] > 0
    without = matching.compare(_view(destination="SG", end_use="hospital"), _view(), config, borderline)
    assert without.warning is None
    # a clear party and items warn whatever the destination and end use
    clear = matching.compare(_view(destination="SG", end_use=""), _view(), config)
    assert clear.warning is not None and clear.score < with_context.score
    below_floor = matching.PartyMatch(config.parties.floor - 0.01, None, None, "weak")
    assert matching.compare(_view(), _view(), config, below_floor).warning is None


def test_context_lifts_a_close_party_through_an_agreeing_address() -> None:
    party = {"role": "end_user", "name": "Al Nour Trading", "country": "AE",
             "address": "Office 12, Al Maktoum Road, Deira"}
    plain = matching.party_score([{**party, "address": None}], [{**party, "name": "Al Nour Traders"}])
    with_address = matching.party_score([party], [{**party, "name": "Al Nour Traders"}])
    assert with_address.score > plain.score and "addresses agree 100%" in with_address.detail


def test_the_same_name_in_two_roles_pools_what_each_role_states() -> None:
    parties = matching.merged_parties([
        {"role": "consignee", "name": "Chengdu Yunying UAV Technology Co., Ltd.", "country": "CN"},
        {"role": "end_user", "name": "Chengdu Yunying UAV Technology Co., Ltd.", "country": "CN",
         "identifiers": [{"type": "USCC", "value": "91510109MA62T5W13L"}]}])
    assert [p["identifiers"] for p in parties] == [[{"type": "USCC", "value": "91510109MA62T5W13L"}]] * 2
    similar = {"role": "consignee", "name": "Chengdu Yunfei UAV Technology Co., Ltd.", "country": "CN",
               "identifiers": [{"type": "USCC", "value": "91510116MA6C4X2M3N"}]}
    assert matching.party_score([similar], parties).score < matching.default_config().parties.floor


def test_configuration_refuses_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(matching.CONFIG_FILE.read_text(encoding="utf-8").replace("floor:", "flor:"), encoding="utf-8")
    with pytest.raises(BadInput, match=r"m\.yaml: parties"):
        matching.load_config(bad)
