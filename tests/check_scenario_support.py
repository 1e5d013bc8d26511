"""Helpers shared by the scenario tests: read scenario files, fake screening, compare answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dualcheck.rules import PartyHit, PartyScreening, ScreeningFacts, Transaction

SCENARIOS = Path(__file__).parent / "scenarios"


def scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.json"))


def read(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def fake_screening(doc: dict[str, Any], tx: Transaction) -> ScreeningFacts:
    """The screening results a scenario states (`_screening`), else no hit on any party."""
    hits: dict[int, list[PartyHit]] = {}
    for hit in doc.get("_screening", []):
        hits.setdefault(hit["party"], []).append(PartyHit(
            list=hit["list"], programme=hit.get("programme"), score=hit["score"], strong=hit["strong"],
            decision=hit["decision"], entity_id=hit.get("entity_id"), matched_name=hit.get("matched_name"),
            explanation=tuple(hit.get("explanation", ())), exact=hit.get("exact"),
            corroborated_by=tuple(hit.get("corroborated_by", ()))))
    parties = tuple(PartyScreening(i, p.name, p.role, tuple(hits.get(i, []))) for i, p in enumerate(tx.parties or []))
    return ScreeningFacts(performed=True, parties=parties, list_versions={"scenario-fake": {"version": "none"}},
                          threshold=0.7, strong_threshold=0.9)


def mismatches(expected: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """Differences between a scenario's expected block and an answer document (empty when it matches)."""
    problems = []
    if answer["outcome"] != expected["outcome"]:
        problems.append(f"outcome {answer['outcome']} != {expected['outcome']}")
    if "authorisations" in expected and answer["authorisations"] != expected["authorisations"]:
        problems.append(f"authorisations {answer['authorisations']} != {expected['authorisations']}")
    if "as_of" in expected and answer["as_of"] != expected["as_of"]:
        problems.append(f"as_of {answer['as_of']} != {expected['as_of']}")
    citations = [r["citation"] for r in answer["reasons"]]
    citations += [r["citation"] for item in answer["items"] for r in item["reasons"]]
    for wanted in expected.get("citations", []):
        if not any(wanted in c for c in citations):
            problems.append(f"no reason cites {wanted!r}")
    for fact in expected.get("missing", []):
        if fact not in answer.get("missing_facts", []):
            problems.append(f"missing fact {fact!r} not named (named: {answer.get('missing_facts')})")
    by_id = {item["id"]: item["outcome"] for item in answer["items"]}
    for item_id, outcome in expected.get("items", {}).items():
        if by_id.get(item_id) != outcome:
            problems.append(f"item {item_id}: {by_id.get(item_id)} != {outcome}")
    if not all(r.get("citation") for r in answer["reasons"]):
        problems.append("a reason without a citation")
    return problems
