"""The rule data is typed: a misspelt or missing key fails the load with one line naming the file
and the key, an undated measure does not load, and the authorisation identifiers come from the data."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from dualcheck.errors import BadInput, ConfigError
from dualcheck.rules import Outcome, PartyScreening, RuleSet, ScreeningFacts, determine, load_ruleset, parse_transaction
from dualcheck.rules.ruleset import RULES_DATA


@pytest.fixture(scope="module")
def rules(data_dir: Path) -> RuleSet:
    return load_ruleset(data_dir)


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DATA, folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("name", "old", "new", "needle"), [
    # a misspelt EUGEA requirement must never silently grant the authorisation
    ("eugea.yaml", "      civil_end_use: true", "      civil_end_usage: true",
     "eugea.yaml: eugeas.EU007.requires.civil_end_usage: unknown key"),
    ("eugea.yaml", "    requires:\n      purpose: repair_replacement",
     "    requirs:\n      purpose: repair_replacement", "eugea.yaml: eugeas.EU003.requirs: unknown key"),
    ("sanctions.yaml", '    valid_from: "2022-02-25"\n', "",
     "sanctions.yaml: measures[0] (RU-833-2014-ART2-ALL).valid_from: missing (required)"),
    ("sanctions.yaml", "    effect: PROHIBITED", "    effect: FORBIDDEN",
     "sanctions.yaml: measures[0] (RU-833-2014-ART2-ALL).effect:"),
    ("territory.yaml", "in_customs_territory: true, note: \"outermost region of France\"}",
     "in_customs_territory: true, notes: \"outermost region of France\"}",
     "territory.yaml: territories[0] (RE).notes: unknown key"),
    ("parties.yaml", "exact_score: 0.99", "exact_scor: 0.99", "parties.yaml: exact_scor: unknown key"),
    ("regulation.yaml", "applies_from: \"2021-09-09\"", "applies_from: \"9 Sept 2021\"",
     "regulation.yaml: applies_from"),
    ("arms_embargoes.yaml", "    kind: osce", "    kind: declaration", "arms_embargoes.yaml: additional[0].kind"),
])
def test_a_faulty_key_fails_the_load_in_one_line(data_dir: Path, tmp_path: Path, name: str, old: str, new: str,
                                                  needle: str) -> None:
    folder = _edited(tmp_path, name, old, new)
    with pytest.raises(ConfigError) as info:
        load_ruleset(data_dir, rules_dir=folder)
    message = str(info.value)
    assert needle in message and "\n" not in message, message


def test_a_measure_that_ends_before_it_starts_fails(data_dir: Path, tmp_path: Path) -> None:
    folder = _edited(tmp_path, "sanctions.yaml", '    valid_to: "2022-02-24"', '    valid_to: "2013-01-01"')
    with pytest.raises(ConfigError, match=r"RU-833-2014-ART2-MILITARY.*before valid_from"):
        load_ruleset(data_dir, rules_dir=folder)


def test_every_measure_is_dated_and_says_where_it_comes_from(rules: RuleSet) -> None:
    for measure in rules.measures:
        assert isinstance(measure.doc.valid_from, dt.date) and measure.doc.source, measure.id
    flagged = {m.id for m in rules.measures if m.verify}
    # the rows legal/sanctions_facts.md marks "not verified here" stay marked
    assert {"RU-833-2014-TRANSIT", "BY-765-2006-TRANSIT", "BY-765-2006-MILITARY", "KP-2017-1509-UNSCR-2397"} <= flagged
    dates = {m.id: (m.doc.valid_from, m.doc.valid_to) for m in rules.measures}
    assert dates["BY-765-2006-MILITARY"] == (dt.date(2021, 6, 24), dt.date(2022, 3, 1))
    assert dates["BY-765-2006-ART1E"][0] == dt.date(2022, 3, 2)
    assert dates["RU-833-2014-TRANSIT"][0] == dt.date(2023, 2, 25)
    assert dates["BY-765-2006-TRANSIT"][0] == dt.date(2024, 6, 30)


def test_authorisation_identifiers_come_from_the_data(rules: RuleSet) -> None:
    tx = parse_transaction({"type": "export", "destination": "BR", "registrations": ["eu009"],
                            "parties": [{"role": "end_user", "name": "X", "country": "BR"}],
                            "items": [{"control_codes": ["5A002.a.2"]}]})
    screening = ScreeningFacts(True, (PartyScreening(0, "X", "end_user"),))
    with pytest.raises(BadInput, match=r"field registrations\[0\]: unknown Union general export authorisation 'EU009'"):
        determine(tx, rules, _Controls(), screening, dt.date(2025, 12, 1))
    with pytest.raises(BadInput, match="registrations"):
        parse_transaction({"type": "export", "registrations": ["general"], "items": [{"control_codes": []}]})


class _Controls:
    version = "test"

    def is_known(self, code: str) -> bool:
        return True

    def suggest(self, text: str, top: int) -> list[dict[str, object]]:
        return []


def _determine(rules: RuleSet, as_of: dt.date, **changes: object):  # type: ignore[no-untyped-def]
    doc: dict[str, object] = {"type": "export", "exporter": {"country": "DE"}, "destination": "KZ",
                              "parties": [{"role": "end_user", "name": "Example", "country": "KZ"}],
                              "items": [{"id": "1", "control_codes": ["2B008"], "hs_code": "846693"}],
                              "end_use": {"civil": True}}
    doc.update(changes)
    tx = parse_transaction(doc)
    screening = ScreeningFacts(True, tuple(PartyScreening(i, p.name, p.role) for i, p in enumerate(tx.parties or [])))
    return determine(tx, rules, _Controls(), screening, as_of)


def test_answers_list_the_rules_and_the_act_text_they_rely_on(rules: RuleSet) -> None:
    det = _determine(rules, dt.date(2025, 12, 1), transit_countries=["BY"])
    assert det.outcome == Outcome.PROHIBITED
    fired = det.rules_applied()["fired"]
    assert {"subject": "item 1", "rule": "sanctions.BY-765-2006-TRANSIT"} in [
        {k: r[k] for k in ("subject", "rule")} for r in fired]
    assert det.from_act_text  # the Belarus transit date is taken from the act's text
    transit = next(r for r in det.items[0].verdict.reasons if r.rule == "sanctions.BY-765-2006-TRANSIT")
    assert transit.verify and "act text, verify" in transit.detail and transit.to_dict()["source"] == "act text, verify"
    # the same transaction before Regulation (EU) 2024/1865: the transit ban did not exist yet
    before = _determine(rules, dt.date(2024, 6, 29), transit_countries=["BY"])
    assert before.outcome == Outcome.LICENCE_REQUIRED
    assert "sanctions.BY-765-2006-TRANSIT" not in {r["rule"] for r in before.rules_applied()["fired"]}


def test_rules_wanting_a_fact_are_listed(rules: RuleSet) -> None:
    det = _determine(rules, dt.date(2025, 12, 1), destination="KP", items=[{"id": "1", "control_codes": []}],
                     parties=[{"role": "end_user", "name": "Example", "country": "KP"}])
    wanting = det.rules_applied()["not_applied_missing_facts"]
    assert {"rule": "sanctions.KP-2017-1509-UNSCR-2397", "missing": ["items[0].hs_code"]} in [
        {k: r[k] for k in ("rule", "missing")} for r in wanting]
    assert det.outcome == Outcome.NEEDS_INFORMATION and "items[0].hs_code" in det.missing
