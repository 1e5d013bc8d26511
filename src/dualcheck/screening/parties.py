"""Screening the parties of a transaction (or any batch of parties), with decisions applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from dualcheck.errors import BadInput
from dualcheck.screening.decisions import DecisionBook, party_key
from dualcheck.screening.index import Hit, ScreeningIndex
from dualcheck.screening.service import hit_document
from dualcheck.screening.subjects import query_subject


@dataclass
class PartyResult:
    """The screening of one party.

    ``status`` is "blocked" (a confirmed hit), "review" (open hits an officer must decide),
    or "clear" (no hit, or every hit cleared and its listed entry unchanged since).
    ``hits`` are hit documents (entity_id, list, list_version, name, matched_name, programmes,
    score, explanation) each with ``decision`` (None or the decision in force) and ``open``.
    """

    party: dict[str, Any]
    party_key: str
    hits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any((h["decision"] or {}).get("status") == "confirmed" for h in self.hits)

    @property
    def open_hits(self) -> list[dict[str, Any]]:
        return [h for h in self.hits if h["open"]]

    @property
    def status(self) -> str:
        if self.blocked:
            return "blocked"
        return "review" if self.open_hits else "clear"

    def as_dict(self) -> dict[str, Any]:
        return {"party": self.party, "party_key": self.party_key, "status": self.status, "blocked": self.blocked,
                "hits": self.hits}


def _current_properties(session: Session, hit: Hit) -> dict[str, list[str]] | None:
    from dualcheck.lists.store import get_entity

    stored = get_entity(session, hit.entity.entity_id, int(hit.entity.version_id))
    return stored.entity.properties


def screen_parties(index: ScreeningIndex, parties: list[dict[str, Any]], threshold: float | None = None, *,
                   session: Session | None = None) -> list[PartyResult]:
    """Screen each party ({"name", "country"?, "schema"?, "birth_date"?}) against every loaded list.

    With a ``session``, the officers' decisions are applied: cleared hits whose listed entry is
    unchanged are shown but not open; confirmed hits block. Raises BadInput naming
    ``parties[i].field`` for an unusable party. Writes nothing (the caller records its answer).
    """
    cut = index.scorer.config.threshold if threshold is None else threshold
    queries = []
    for i, party in enumerate(parties):
        if not isinstance(party, dict):
            raise BadInput("must be an object with a name", location=f"parties[{i}]")
        try:
            query = query_subject(party.get("name"), schema=party.get("schema"),  # type: ignore[arg-type]
                                  birth_date=party.get("birth_date"), country=party.get("country"))
            key = party_key(party["name"], party.get("country"))
        except BadInput as exc:
            raise BadInput(exc.message, location=f"parties[{i}]") from None
        queries.append((party, query, key))
    book = DecisionBook.load(session, [k for _, _, k in queries]) if session is not None else DecisionBook({})
    results = []
    for party, query, key in queries:
        result = PartyResult(party=dict(party), party_key=key)
        for hit in index.search(query, cut):
            doc = hit_document(hit)
            current = None
            decision = book.by_hit.get((key, hit.entity.list_name, hit.entity.entity_id))
            if decision is not None and session is not None and decision.entity_fingerprint != hit.entity.fingerprint:
                current = _current_properties(session, hit)
            state = book.state(key, hit.entity, current)
            doc["decision"] = state
            doc["open"] = state is None or not state["in_force"]
            result.hits.append(doc)
        results.append(result)
    return results
