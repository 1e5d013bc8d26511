"""The screening side of a check: screen every party with the screening domain.

Uses `dualcheck.screening.parties.screen_parties` with the officers' decisions applied: a
confirmed hit blocks, a cleared hit (listed entry unchanged since) does not, any other hit is
open. Open hits at or above STRONG_SCORE are strong (the transaction is held), weaker ones ask
for review. With no list loaded, the parties cannot be cleared: never a silent pass.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dualcheck.db.engine import Database
from dualcheck.rules.facts import Transaction
from dualcheck.rules.lookups import PartyHit, PartyScreening, ScreeningFacts

# Policy of the check, recorded with every answer: open hits at or above this score are strong.
STRONG_SCORE = 0.90


def to_party_hit(doc: dict[str, Any]) -> PartyHit:
    state = doc.get("decision") or {}
    if state.get("status") == "confirmed":
        decision = "confirmed"
    elif not doc.get("open", True) and state.get("status") == "cleared":
        decision = "cleared"
    else:
        decision = "unreviewed"
    score = float(doc.get("score") or 0.0)
    return PartyHit(list=str(doc.get("list")), programme=", ".join(doc.get("programmes") or []) or None,
                    score=score, strong=score >= STRONG_SCORE, decision=decision,  # type: ignore[arg-type]
                    entity_id=doc.get("entity_id"), matched_name=doc.get("matched_name"),
                    explanation=tuple(doc.get("explanation") or ()))


def _unavailable(reason: str) -> tuple[ScreeningFacts, dict[str, Any]]:
    return ScreeningFacts(performed=False, unavailable_reason=reason), {"performed": False, "reason": reason}


def screen_transaction(db: Database, session: Session, tx: Transaction) -> tuple[ScreeningFacts, dict[str, Any]]:
    """Screen the parties; returns the facts for the rules and the screening block of the answer."""
    if not tx.parties:
        return _unavailable("no parties given")
    try:
        from dualcheck.screening.parties import screen_parties
        from dualcheck.screening.service import get_index
    except ImportError:
        return _unavailable("the party screening service is not available in this installation")
    index = get_index(db)
    if not index.list_versions:
        return _unavailable("no restricted-party list is loaded (run `dualcheck setup` or `dualcheck lists load`)")
    parties = [{"name": p.name, "country": p.country} for p in tx.parties]
    results = screen_parties(index, parties, None, session=session)
    screened: list[PartyScreening] = []
    block: list[dict[str, Any]] = []
    for position, (party, result) in enumerate(zip(tx.parties, results, strict=True)):
        hits = tuple(to_party_hit(doc) for doc in result.hits)
        screened.append(PartyScreening(position, party.name, party.role, hits))
        block.append({"role": party.role, "name": party.name, "country": party.country, "status": result.status,
                      "hits": [dict(doc, strong=hit.strong, outcome_decision=hit.decision)
                               for doc, hit in zip(result.hits, hits, strict=True)]})
    threshold = index.scorer.config.threshold
    facts = ScreeningFacts(performed=True, parties=tuple(screened), list_versions=dict(index.list_versions),
                           threshold=threshold, strong_threshold=STRONG_SCORE)
    summary = {"performed": True, "threshold": threshold, "strong_threshold": STRONG_SCORE,
               "scoring": index.scorer.config.summary(), "list_versions": dict(index.list_versions),
               "parties": block}
    return facts, summary
