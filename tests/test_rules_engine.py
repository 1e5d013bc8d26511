"""The engine on small hand-made facts: codes, fakes for controls and screening, national measures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcheck.controls import codes as codes_mod
from dualcheck.errors import BadInput
from dualcheck.rules import Outcome, PartyHit, PartyScreening, RuleSet, ScreeningFacts, determine, load_ruleset
from dualcheck.rules.facts import COUNTRY_CODES, check_control_codes, load_transaction, parse_transaction
from dualcheck.rules.territory import default_table

FIXTURES = Path(__file__).parent / "fixtures" / "check"
DAY = dt.date(2025, 12, 1)


class FakeControls:
    """A control list that knows a handful of codes and suggests one."""

    version = "fake-1"

    def __init__(self, codes: set[str]) -> None:
        self.codes = codes

    def is_known(self, code: str) -> bool:
        return code in self.codes

    def suggest(self, text: str, top: int) -> list[dict[str, Any]]:
        return [{"code": "5A002.a", "entry": "5A002", "score": 0.5, "title": "crypto", "why": text}][:top]


CONTROLS = FakeControls({"5A002.a.2", "2B008", "1C351"})


def _tx(**changes: Any) -> Any:
    doc: dict[str, Any] = {"type": "export", "exporter": {"country": "DE"}, "destination": "US",
                           "parties": [{"role": "end_user", "name": "Example Buyer", "country": "US"}],
                           "items": [{"id": "1", "control_codes": ["5A002.a.2"]}], "end_use": {"civil": True}}
    doc.update(changes)
    return parse_transaction(doc)


def _clear(tx: Any) -> ScreeningFacts:
    return ScreeningFacts(True, tuple(PartyScreening(i, p.name, p.role) for i, p in enumerate(tx.parties or [])))


@pytest.fixture(scope="module")
def rules(data_dir: Path) -> RuleSet:
    return load_ruleset(data_dir)


def test_sub_item_relation() -> None:
    assert codes_mod.is_under("5A002.a.1", "5A002") and codes_mod.is_under("5A002.a.1", "5A002.a")
    assert not codes_mod.is_under("5A0021", "5A002") and not codes_mod.is_under("5A002", "5A002.a")
    assert codes_mod.overlaps_any("1C450", ["1C450.a.1"]) == "1C450.a.1"
    assert codes_mod.normalise_code(" 5a002.A.1. ") == "5A002.a.1"
    assert codes_mod.normalise_code("5a002 a 1") == "5A002.a.1"  # one grammar for every caller
    assert codes_mod.product_group("4E001.c") == "E"


def test_unclassified_item_asks_and_suggests(rules: RuleSet) -> None:
    tx = _tx(items=[{"id": "x", "description": "crypto box"}])
    det = determine(tx, rules, CONTROLS, _clear(tx), DAY)
    assert det.outcome == Outcome.NEEDS_INFORMATION
    assert det.missing == ["items[0].control_codes"]
    assert det.items[0].suggestions[0]["code"] == "5A002.a"


def test_screening_not_performed_is_never_a_pass(rules: RuleSet) -> None:
    tx = _tx()
    det = determine(tx, rules, CONTROLS, ScreeningFacts(False, unavailable_reason="no list"), DAY)
    assert det.outcome == Outcome.NEEDS_INFORMATION and "parties.screening" in det.missing


def test_weak_and_strong_hits(rules: RuleSet) -> None:
    tx = _tx()
    weak = ScreeningFacts(True, (PartyScreening(0, "Example Buyer", "end_user",
                                                (PartyHit("un-sc", None, 0.82, strong=False),)),))
    assert determine(tx, rules, CONTROLS, weak, DAY).outcome == Outcome.NEEDS_INFORMATION
    strong = ScreeningFacts(True, (PartyScreening(0, "Example Buyer", "end_user",
                                                  (PartyHit("eu-fsf", "RUS", 0.97, strong=True),)),))
    det = determine(tx, rules, CONTROLS, strong, DAY)
    # an unreviewed fuzzy hit on an EU list: the officer decides, the transaction is held meanwhile
    assert det.outcome == Outcome.NEEDS_INFORMATION and det.missing == ["parties[0].hit_review"]
    reason = det.parties.reasons[0]
    assert "eu-fsf, programme RUS" in reason.detail and reason.hold == "hit_review"
    assert reason.citation == "Council Regulation (EU) No 269/2014, Art. 2"


def test_hits_by_the_list_they_come_from(rules: RuleSet) -> None:
    tx = _tx()

    def facts(*hits: PartyHit) -> ScreeningFacts:
        return ScreeningFacts(True, (PartyScreening(0, "Example Buyer", "end_user", hits),))

    explained = ({"feature": "name_match", "value": 1.0}, {"feature": "dob_match", "value": 1.0})
    exact = determine(tx, rules, CONTROLS, facts(PartyHit("un-sc", "DPRK", 1.0, True, explanation=explained)), DAY)
    assert exact.outcome == Outcome.PROHIBITED
    assert exact.parties.reasons[0].citation == "Council Regulation (EU) 2017/1509, Art. 34"
    assert "corroborated by date of birth" in exact.parties.reasons[0].detail
    uncorroborated = determine(tx, rules, CONTROLS, facts(PartyHit("un-sc", "DPRK", 1.0, True)), DAY)
    assert uncorroborated.outcome == Outcome.NEEDS_INFORMATION
    confirmed = determine(tx, rules, CONTROLS, facts(PartyHit("eu-fsf", "SYR", 0.8, False, "confirmed")), DAY)
    assert confirmed.outcome == Outcome.PROHIBITED and "36/2012" in confirmed.parties.reasons[0].citation
    # US and UK lists: the EU outcome is unchanged, the hit asks for a foreign-nexus hold
    for hit in (PartyHit("us-ofac-sdn", "CUBA", 1.0, True, "confirmed"), PartyHit("gb-ofsi", None, 0.95, True)):
        det = determine(tx, rules, CONTROLS, facts(hit), DAY)
        assert det.outcome == Outcome.GENERAL_AUTHORISATION and det.authorisations == ["EU001"]
        assert det.holds and all(r.hold == "foreign_nexus" for r in det.holds)
        blocking = [r for r in det.holds if r.rule == "parties.blocking_statute"]
        assert bool(blocking) == (hit.programme == "CUBA")
    cleared = determine(tx, rules, CONTROLS, facts(PartyHit("eu-fsf", "RUS", 1.0, True, "cleared")), DAY)
    assert cleared.outcome == Outcome.GENERAL_AUTHORISATION and not cleared.holds


def test_before_the_regulation_applies_is_refused(rules: RuleSet) -> None:
    tx = _tx()
    with pytest.raises(BadInput, match="2021-09-09"):
        determine(tx, rules, CONTROLS, _clear(tx), dt.date(2021, 9, 8))


def test_measure_dates_decide(rules: RuleSet) -> None:
    tx = _tx(destination="BY", items=[{"id": "1", "control_codes": ["2B008"]}])
    assert determine(tx, rules, CONTROLS, _clear(tx), dt.date(2022, 3, 1)).outcome == Outcome.LICENCE_REQUIRED
    assert determine(tx, rules, CONTROLS, _clear(tx), dt.date(2022, 3, 2)).outcome == Outcome.PROHIBITED


def test_national_measures_from_a_member_state_file(data_dir: Path) -> None:
    rules = load_ruleset(data_dir, FIXTURES / "national_measures_de.yaml")
    radio = _tx(destination="BR", items=[{"id": "1", "control_codes": [], "hs_code": "852610"}])
    det = determine(radio, rules, CONTROLS, _clear(radio), DAY)
    assert det.outcome == Outcome.LICENCE_REQUIRED
    assert any("Art. 9" in r.citation and "DE-FIXTURE-ART9" in r.rule for r in det.reasons)
    other_state = _tx(destination="BR", exporter={"country": "FR"},
                      items=[{"id": "1", "control_codes": [], "hs_code": "852610"}])
    assert determine(other_state, rules, CONTROLS, _clear(other_state), DAY).outcome == Outcome.NO_LICENCE_REQUIRED
    national = _tx(destination="BR", items=[{"id": "1", "control_codes": ["900A01"]}])
    check_control_codes(national, lambda c: c in rules.national_codes() or CONTROLS.is_known(c))
    det = determine(national, rules, CONTROLS, _clear(national), DAY)
    assert det.outcome == Outcome.PROHIBITED and "Art. 10" in det.reasons[-1].citation
    # without the national file the same code is unknown: bad input, not a guess
    with pytest.raises(BadInput, match=r"items\[0\].control_codes\[0\]"):
        check_control_codes(national, CONTROLS.is_known)


def test_missing_exporter_country_matters_only_with_national_measures(data_dir: Path, rules: RuleSet) -> None:
    tx = _tx(exporter={"name": "x"}, items=[{"id": "1", "control_codes": []}], destination="BR")
    assert determine(tx, rules, CONTROLS, _clear(tx), DAY).outcome == Outcome.NO_LICENCE_REQUIRED
    strict = load_ruleset(data_dir, FIXTURES / "national_measures_de.yaml")
    det = determine(tx, strict, CONTROLS, _clear(tx), DAY)
    assert det.outcome == Outcome.NEEDS_INFORMATION and det.missing == ["exporter.country"]


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2))
def test_country_codes_are_checked(code: str) -> None:
    doc = {"type": "export", "destination": code, "items": [{"control_codes": []}]}
    if code in COUNTRY_CODES:
        assert parse_transaction(doc).destination == code
        return
    try:
        place = default_table().resolve(code)  # a territory alias such as EA (Ceuta and Melilla)
    except ValueError:
        with pytest.raises(BadInput, match="field destination: unknown country code"):
            parse_transaction(doc)
        return
    assert parse_transaction(doc).destination == place.country


@given(st.text(max_size=40))
def test_any_text_is_either_a_transaction_or_one_line_of_bad_input(text: str) -> None:
    try:
        load_transaction(text, source="t.json")
    except BadInput as exc:
        assert "\n" not in str(exc) and str(exc).startswith("t.json")
