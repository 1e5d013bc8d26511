"""The screening side of a check: screen every party with the screening domain.

Uses `dualcheck.screening.parties.screen_parties` with the officers' decisions applied: a
confirmed hit blocks, a cleared hit (listed entry unchanged since) does not, any other hit is
open. Open hits at or above STRONG_SCORE are strong (the transaction is held), weaker ones ask
for review. With no list loaded, the parties cannot be cleared: never a silent pass.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcheck.db.engine import Database
from dualcheck.lists.freshness import list_freshness, stale_warnings
from dualcheck.rules.facts import Transaction
from dualcheck.rules.lookups import PartyHit, PartyScreening, ScreeningFacts

# Policy of the check, recorded with every answer: open hits at or above this score are strong.
STRONG_SCORE = 0.90

# Screening results per party, reused while the index (list versions) and the officers'
# decisions are unchanged: the same customers recur in almost every transaction.
_CACHE_LIMIT = 50_000
_cache_lock = threading.Lock()
_party_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
# The newest officer decision's id: built once (the screening models are imported lazily).
_watermark_query: Any = None


def _screen(index: Any, session: Session, parties: list[tuple[str, str | None]]) -> list[list[dict[str, Any]]]:
    """Hit documents for each (name, country), from the cache or screen_parties."""
    from dualcheck.screening.models import Decision
    from dualcheck.screening.parties import screen_parties

    global _watermark_query
    if _watermark_query is None:
        _watermark_query = select(func.max(Decision.id))
    # Core execution on the session's connection: the same query, without the ORM's per-call overhead.
    watermark = session.connection().execute(_watermark_query).scalar()
    stamp = (id(index), tuple(sorted((k, str(v.get("version"))) for k, v in index.list_versions.items())), watermark)
    with _cache_lock:
        known = {p: _party_cache.get((stamp, p)) for p in parties}
    todo = sorted({p for p, hits in known.items() if hits is None}, key=lambda p: (p[0], p[1] or ""))
    if todo:
        results = screen_parties(index, [{"name": n, "country": c} for n, c in todo], None, session=session)
        with _cache_lock:
            if len(_party_cache) > _CACHE_LIMIT:
                _party_cache.clear()
            for party, result in zip(todo, results, strict=True):
                known[party] = _party_cache[(stamp, party)] = result.hits
    return [known[p] or [] for p in parties]


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
        from dualcheck.screening.service import get_index
    except ImportError:
        return _unavailable("the party screening service is not available in this installation")
    index = get_index(db)
    if not index.list_versions:
        return _unavailable("no restricted-party list is loaded (run `dualcheck setup` or `dualcheck lists load`)")
    results = _screen(index, session, [(p.name, p.country) for p in tx.parties])
    screened: list[PartyScreening] = []
    block: list[dict[str, Any]] = []
    for position, (party, docs) in enumerate(zip(tx.parties, results, strict=True)):
        hits = tuple(to_party_hit(doc) for doc in docs)
        screened.append(PartyScreening(position, party.name, party.role, hits))
        block.append({"role": party.role, "name": party.name, "country": party.country,
                      "hits": [dict(doc, strong=hit.strong, decision=hit.decision)
                               for doc, hit in zip(docs, hits, strict=True)]})
    threshold = index.scorer.config.threshold
    facts = ScreeningFacts(performed=True, parties=tuple(screened), list_versions=dict(index.list_versions),
                           threshold=threshold, strong_threshold=STRONG_SCORE)
    freshness = list_freshness(index.list_versions)
    summary = {"performed": True, "threshold": threshold, "strong_threshold": STRONG_SCORE,
               "scoring": index.scorer.config.summary(), "list_versions": dict(index.list_versions),
               "lists": freshness, "warnings": stale_warnings(freshness), "parties": block}
    return facts, summary
