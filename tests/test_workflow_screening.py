"""Hits that know about decisions and about each other: lists and programmes in words, one group
per listed entity across lists, and the decision already recorded shown with every hit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dualcheck.cli.common import database
from dualcheck.ledger.models import LedgerRecord
from dualcheck.lists.titles import list_title, programme_titles
from dualcheck.screening.groups import group_hits, share_group_decisions
from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.subjects import listed_subject
from ledger_support import run_cli
from test_workflow_day import home, loaded_home  # noqa: F401  (fixtures)
from web_support import LISTED_NAME


@dataclass
class Entity:
    list_name: str
    entity_id: str
    schema: str
    caption: str
    properties: dict[str, list[str]] = field(default_factory=dict)
    version_id: int = 1
    programmes: tuple[str, ...] = ()
    weak_aliases: tuple[str, ...] = ()


def _index(*entities: Entity) -> ScreeningIndex:
    return ScreeningIndex([listed_subject(e) for e in entities])


def _hit(entity: Entity) -> dict[str, Any]:
    return {"list": entity.list_name, "entity_id": entity.entity_id, "name": entity.caption}


def test_the_same_entity_on_several_lists_is_one_group() -> None:
    sdn = Entity("us-ofac-sdn", "sdn-1", "Company", "Vostok Precision Tooling",
                 {"registrationNumber": ["1027700132195"], "country": ["ru"]})
    fsf = Entity("eu-fsf", "eu-9", "Company", "VOSTOK PRECISION TOOLING JSC",
                 {"registrationNumber": ["1027700-132195"], "country": ["ru"]})
    ofsi = Entity("gb-ofsi", "uk-3", "Company", "Vostok Precision Tooling", {"country": ["ru"]})
    namesake = Entity("un-sc", "un-4", "Company", "Vostok Precision Tooling", {"country": ["kz"]})
    person = Entity("un-sc", "un-5", "Person", "Ivan Petrov", {"birthDate": ["1970-01-02"]})
    other_person = Entity("gb-ofsi", "uk-6", "Person", "Ivan Petrov", {"birthDate": ["1971-03-04"]})
    hits = [_hit(e) for e in (sdn, fsf, ofsi, namesake, person, other_person)]
    groups = group_hits(_index(sdn, fsf, ofsi, namesake, person, other_person), hits)
    # the same registration number, then the same name in the same country: one entity
    assert [g["members"] for g in groups] == [[{"list": "us-ofac-sdn", "entity_id": "sdn-1"},
                                               {"list": "eu-fsf", "entity_id": "eu-9"},
                                               {"list": "gb-ofsi", "entity_id": "uk-3"}]]
    # a namesake elsewhere and a person born on another day are not grouped with anyone
    assert len({h["group"] for h in hits}) == 4


def test_one_decision_covers_its_group_and_a_confirmation_wins() -> None:
    hits = [{"list": "a", "entity_id": "1", "group": "a:1", "decision": {"status": "cleared", "in_force": True}},
            {"list": "b", "entity_id": "2", "group": "a:1", "decision": None},
            {"list": "c", "entity_id": "3", "group": "c:3", "decision": None},
            {"list": "d", "entity_id": "4", "group": "d:4", "decision": {"status": "cleared", "in_force": False}},
            {"list": "e", "entity_id": "5", "group": "d:4", "decision": None}]
    share_group_decisions(hits)
    assert hits[1]["decision"] == {"status": "cleared", "in_force": True, "via": "a:1"}
    assert hits[2]["decision"] is None
    assert hits[4]["decision"] is None  # a clearance whose entry changed is not passed on
    hits[2].update(group="a:1", decision={"status": "confirmed", "in_force": True})
    hits[1]["decision"] = None
    share_group_decisions(hits)
    assert hits[1]["decision"]["status"] == "confirmed"


def test_lists_and_programmes_in_words() -> None:
    assert list_title("us-ofac-sdn").startswith("OFAC SDN")
    assert list_title("ftm-example") == "FollowTheMoney dataset example"
    assert list_title("xx-unknown") == "xx-unknown"
    assert programme_titles("un-sc", ["DPRK", "NEW-ONE"]) == ["UN 1718 (DPRK)", "NEW-ONE"]


@pytest.mark.xdist_group("workflow")
def test_screen_shows_the_decision_already_recorded(home: Path,  # noqa: F811
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "screen", LISTED_NAME, "--format", "json")
    assert code == 0, err
    hit = json.loads(out)["hits"][0]
    assert hit["list_title"] == "UN Security Council Consolidated List" and hit["decision"] is None
    assert all(t.startswith("UN ") for t in hit["programme_titles"]), hit["programme_titles"]
    code, out, err = run_cli(capsys, "decisions", "add", LISTED_NAME, hit["list"], hit["entity_id"],
                             "--status", "confirmed", "--reason", "same name, same address in Kinshasa")
    assert code == 0, err
    code, out, err = run_cli(capsys, "screen", LISTED_NAME, "--format", "json")
    decided = json.loads(out)["hits"][0]["decision"]
    assert (decided["status"], decided["decided_by"], decided["entity_changed"]) == ("confirmed", "tester", False)
    code, out, err = run_cli(capsys, "screen", LISTED_NAME)
    text = " ".join(out.split())  # the console wraps long lines
    assert code == 0 and "decision: confirmed by tester on " in text and "same address in Kinshasa" in text
    assert "UN Security Council Consolidated List" in text


@pytest.mark.xdist_group("workflow")
def test_bulk_decisions_all_or_none_each_in_the_ledger(home: Path,  # noqa: F811
                                                       capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, "screen", LISTED_NAME, "--format", "json")
    hit = json.loads(out)["hits"][0]
    good = f"{LISTED_NAME};{hit['list']};{hit['entity_id']};confirmed;same address\r\n" \
           f"Congomet Trading;{hit['list']};{hit['entity_id']};confirmed;trading name of the same house\r\n"
    bad = tmp_path / "bad.csv"
    bad.write_text("party;list;entity_id;status;reason\r\n" + good + f"Other;{hit['list']};nope;cleared;x\r\n",
                   encoding="cp1252")
    code, out, err = run_cli(capsys, "decisions", "import", str(bad))
    assert code == 2 and "bad.csv: row 4" in err and len(err.strip().splitlines()) == 1, err
    code, out, err = run_cli(capsys, "decisions", "list", "--format", "json")
    assert json.loads(out)["decisions"] == []  # nothing half-written
    selection = tmp_path / "selection.csv"
    selection.write_text("party;list;entity_id;status;reason\r\n" + good, encoding="utf-8-sig")
    code, out, err = run_cli(capsys, "decisions", "import", str(selection), "--format", "json")
    assert code == 0 and len(json.loads(out)["decisions"]) == 2, err
    with database().session() as session:
        kinds = session.execute(select(LedgerRecord.kind)).scalars().all()
    assert kinds.count("screening.decision") == 2
