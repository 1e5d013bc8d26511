"""The scenario suite: every transaction in tests/scenarios answers as its `expected` block says.

The engine runs on the real reference data (rule set, Annex I codes from the data folder) with
the screening results each scenario states; the end-to-end tests in test_check_service.py run
scenarios through storage, the ledger, the CLI and the API.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from check_scenario_support import fake_screening, mismatches, read, scenario_files
from dualcheck.check.controls_view import file_lookup
from dualcheck.check.service import answer
from dualcheck.errors import BadInput
from dualcheck.rules import RuleSet, determine, load_ruleset, parse_transaction

FILES = scenario_files()


@pytest.fixture(scope="module")
def rules(data_dir: Path) -> RuleSet:
    return load_ruleset(data_dir)


def test_the_suite_is_complete(rules: RuleSet) -> None:
    assert len(FILES) >= 60
    docs = [read(p) for p in FILES]
    assert all(d.get("_reasoning") and (d.get("expected", {}).get("outcome") or d["expected"].get("refused"))
               for d in docs)
    outcomes = {d["expected"]["outcome"] for d in docs if "outcome" in d["expected"]}
    assert outcomes == {"PROHIBITED", "LICENCE_REQUIRED", "GENERAL_AUTHORISATION", "NO_LICENCE_REQUIRED",
                        "NEEDS_INFORMATION"}
    granted = {a for d in docs for a in d["expected"].get("authorisations", [])}
    assert granted == set(rules.eugeas), "every Union general export authorisation is granted by some scenario"
    types = {d["type"] for d in docs}
    assert types == {"export", "transfer", "brokering", "technical_assistance", "transit"}
    aware = {a for d in docs for a in d.get("awareness", [])}
    assert aware == {"wmd", "military_embargo", "military_parts_illegal", "cyber_repression"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path: Path, rules: RuleSet, data_dir: Path) -> None:
    doc = read(path)
    tx = parse_transaction(doc, source=path.name)
    controls = file_lookup(data_dir)
    for item in tx.items:
        for code in item.control_codes or []:
            assert controls.is_known(code), f"{code} is not an Annex I code"
    as_of = dt.date.fromisoformat(doc["expected"].get("as_of", doc["date"]))
    screening = fake_screening(doc, tx)
    if "refused" in doc["expected"]:  # outside what the rule set judges: one clear line, no answer
        with pytest.raises(BadInput, match=re.escape(doc["expected"]["refused"])):
            determine(tx, rules, controls, screening, as_of)
        return
    det = determine(tx, rules, controls, screening, as_of)
    result = answer(det, tx=tx, as_of=as_of, screening={}, versions={}, us_view={}, settings={})
    problems = mismatches(doc["expected"], result)
    assert not problems, f"{path.name}: {problems}\nreasons: {[r['detail'] for r in result['reasons']]}"
