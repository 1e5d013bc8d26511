"""Screening: the kinds of names that other writers label differently from the matcher's own sets
(nicknames, nasab order, acronyms, numbers, one non-Latin script, legal forms), and the per-kind
figures of `bench pairs`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcheck.cli import app
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.subjects import query_subject

SCORER = default_scorer()
THRESHOLD = SCORER.config.threshold


def score(a: str, b: str, schema: str = "Person") -> float:
    return SCORER.score(query_subject(a, schema=schema), query_subject(b, schema=schema)).score


@pytest.mark.parametrize(("a", "b", "schema"), [
    ("Peggy Holloway", "Margaret Holloway", "Person"),           # a usual short form
    ("Dima Sokolov", "Dmitriy Sokolov", "Person"),               # Russian short form, another spelling
    ("Mohd Hafiz bin Yusof", "Mohammad Hafiz bin Yusof", "Person"),
    ("Hamad ibn Jassim", "Hamad bin Jassim", "Person"),          # ibn and bin are one word
    ("John B. Smith", "John Bernard Smith", "Person"),           # a middle initial is not "bin"
    ("CNPC", "China National Petroleum Corporation", "Company"),  # initials, legal form included
    ("Harbour Light 7", "Harbour Light No. 7", "Vessel"),
    ("Harbour Light 12", "Harbour Light XII", "Vessel"),
    ("Drei Brunnen GmbH", "3 Brunnen GmbH", "Company"),
    ("KraussBauGmbH", "Krauss Bau GmbH", "Company"),           # a legal form glued to the name
    ("Apex Mfg Intl Ltd", "Apex Manufacturing International Limited", "Company"),
    ("王建国", "王 建国", "Person"),                                 # one script, only the spacing differs
])
def test_kinds_that_are_one_party_match(a: str, b: str, schema: str) -> None:
    assert score(a, b, schema) >= THRESHOLD
    assert score(b, a, schema) >= THRESHOLD


@pytest.mark.parametrize(("a", "b", "schema"), [
    ("Faisal bin Turki", "Turki bin Faisal", "Person"),          # the son is not the father
    ("Harbour Light 7", "Harbour Light 8", "Vessel"),            # another vessel
    ("Harbour Light II", "Harbour Light", "Vessel"),
    ("Orion Capital III LP", "Orion Capital II LP", "Company"),  # another fund of the group
    ("Vantor Logistics (Deutschland) GmbH", "Vantor Logistics GmbH", "Company"),  # a national subsidiary
    ("张伟", "张玮", "Person"),                                      # read alike, written differently
    ("Peggy Holloway", "Marianne Holloway", "Person"),           # a short form of another name
])
def test_kinds_that_are_two_parties_do_not_match(a: str, b: str, schema: str) -> None:
    assert score(a, b, schema) < THRESHOLD
    assert score(b, a, schema) < THRESHOLD


def test_bench_pairs_reports_each_kind(tmp_path: Path) -> None:
    cases = tmp_path / "pairs.csv"
    cases.write_text("schema,name1,name2,is_match,kind\n"
                     "Person,Faisal bin Turki,Turki bin Faisal,false,nasab\n"
                     "Person,Hamad ibn Jassim,Hamad bin Jassim,true,nasab\n"
                     "Vessel,Harbour Light 7,Harbour Light 8,false,vessel\n", encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["bench", "pairs", str(cases), "--json", str(out), "--repeat", "1"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["f1"] == 1.0
    assert doc["per_kind"]["nasab"] == {"n": 2, "precision": 1.0, "recall": 1.0, "f1": 1.0,
                                        "false_positives": 0, "false_negatives": 0}
    assert doc["per_kind"]["vessel"]["n"] == 1
    assert doc["per_kind"]["vessel"]["false_positives"] == 0
