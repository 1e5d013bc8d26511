"""The screening side of a check: screen every party with the screening domain.

Integration point: `dualcheck.screening.screen_parties(index, parties, threshold)` and
`get_index(db)`. When the screening service or any loaded list is missing, the check cannot
clear the parties and says so (NEEDS_INFORMATION), never a silent pass.
"""

from __future__ import annotations

from typing import Any

from dualcheck.db.engine import Database
from dualcheck.rules.facts import Transaction
from dualcheck.rules.lookups import PartyHit, PartyScreening, ScreeningFacts


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def to_party_hit(hit: Any) -> PartyHit:
    programmes = _attr(hit, "programme", "programmes", default=None)
    if isinstance(programmes, list | tuple):
        programmes = ", ".join(str(p) for p in programmes) or None
    status = str(_attr(hit, "decision", "status", default="unreviewed") or "unreviewed")
    decision = status if status in ("confirmed", "cleared") else "unreviewed"
    strength = _attr(hit, "strength", default=None)
    strong = strength == "strong" if strength is not None else bool(_attr(hit, "strong", default=True))
    explanation = _attr(hit, "explanation", default=()) or ()
    return PartyHit(list=str(_attr(hit, "list", "list_name", default="?")), programme=programmes,
                    score=float(_attr(hit, "score", default=0.0)), strong=strong, decision=decision,  # type: ignore[arg-type]
                    entity_id=_attr(hit, "entity_id", default=None),
                    matched_name=_attr(hit, "matched_name", default=None),
                    explanation=tuple(explanation) if isinstance(explanation, list | tuple) else (explanation,))


def screen_transaction(db: Database, tx: Transaction) -> tuple[ScreeningFacts, dict[str, Any]]:
    """Screen the parties; returns the facts for the rules and the screening block of the answer."""
    if not tx.parties:
        return ScreeningFacts(performed=False, unavailable_reason="no parties"), {"performed": False, "parties": []}
    try:
        from dualcheck.screening import get_index, screen_parties  # type: ignore[attr-defined]
    except ImportError:
        reason = "the party screening service is not available in this installation"
        return ScreeningFacts(performed=False, unavailable_reason=reason), {"performed": False, "reason": reason}
    index = get_index(db)
    parties = [{"name": p.name, "country": p.country, "address": p.address, "role": p.role} for p in tx.parties]
    results = screen_parties(index, parties, None)
    screened: list[PartyScreening] = []
    block_parties: list[dict[str, Any]] = []
    for position, (party, result) in enumerate(zip(tx.parties, results, strict=True)):
        hits = tuple(to_party_hit(h) for h in _attr(result, "hits", default=result) or [])
        screened.append(PartyScreening(position, party.name, party.role, hits))
        block_parties.append({"role": party.role, "name": party.name, "country": party.country,
                              "hits": [{"list": h.list, "programme": h.programme, "entity_id": h.entity_id,
                                        "matched_name": h.matched_name, "score": round(h.score, 4),
                                        "strong": h.strong, "decision": h.decision,
                                        "explanation": list(h.explanation)} for h in hits]})
    versions = dict(_attr(index, "list_versions", "versions", default={}) or {})
    threshold = _attr(index, "threshold", default=None)
    facts = ScreeningFacts(performed=True, parties=tuple(screened), list_versions=versions, threshold=threshold)
    return facts, {"performed": True, "threshold": threshold, "list_versions": versions, "parties": block_parties}
