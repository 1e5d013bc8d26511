"""The denials held, indexed by their parties, so an application is compared only with the denials
whose parties could be its own.

Every distinct party of every denial (name, aliases, country, identifiers) is one entry of a
screening index (the same candidate keys and scorer that screen names against sanctions lists), so a
party written in another script or spelling is found as it is in screening; identifiers are posted as
well (a renamed company keeps its registration number). The index lives in memory and is rebuilt
when the denials held change (a cheap signature query tells); any destination, any item: those are
compared afterwards, on the few denials found.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcheck.authority.matching import (
    MatchingConfig,
    PartyMatch,
    identifier_values,
    merged_parties,
    party_pair,
    party_subject,
)
from dualcheck.authority.models import DenialNotification
from dualcheck.authority.parsing import item_view, legacy_parties
from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.subjects import ListedSubject, Subject, normalise_identifier

LIST_NAME = "authority-denials"
MAX_CACHED = 4


def denial_view(d: DenialNotification) -> dict[str, Any]:
    return {"id": d.id, "issuing_state": d.issuing_state, "reference": d.reference, "date": d.denied_on.isoformat(),
            "denied_on": d.denied_on, "revoked": d.revoked, "destination": d.destination,
            "items": [item_view(i) for i in d.items], "end_use": d.end_use,
            "parties": merged_parties(d.parties or legacy_parties((d.consignee_name, d.consignee_country),
                                                                  (d.end_user_name, d.end_user_country)))}


def _identity(party: dict[str, Any]) -> tuple[Any, ...]:
    return (party["name"], party.get("country"), identifier_values(party), tuple(party.get("aliases") or ()))


@dataclass
class DenialIndex:
    views: list[dict[str, Any]]
    screening: ScreeningIndex
    # party entry -> [(denial number, position of the party in that denial)]
    occurrences: list[list[tuple[int, int]]]
    subjects: list[Subject]
    by_identifier: dict[str, list[int]] = field(default_factory=dict)  # identifier -> party entries
    # per denial, for counting what a check leaves out: issuing state, revoked, date (proleptic ordinal)
    states: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="U2"))
    revoked: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    days: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @classmethod
    def build(cls, views: Iterable[dict[str, Any]]) -> DenialIndex:
        views = list(views)
        entries: dict[tuple[Any, ...], int] = {}
        occurrences: list[list[tuple[int, int]]] = []
        subjects: list[Subject] = []
        listed: list[ListedSubject] = []
        by_identifier: dict[str, list[int]] = defaultdict(list)
        for no, view in enumerate(views):
            for pos, party in enumerate(view["parties"]):
                if not party.get("name"):
                    continue
                key = _identity(party)
                entry = entries.get(key)
                if entry is None:
                    entry = entries[key] = len(occurrences)
                    occurrences.append([])
                    subject = party_subject(party)
                    subjects.append(subject)
                    listed.append(ListedSubject(schema=subject.schema, names=subject.names,
                                                countries=subject.countries, identifiers=subject.identifiers,
                                                entity_id=str(entry), list_name=LIST_NAME, caption=party["name"]))
                    for identifier in subject.identifiers:
                        by_identifier[identifier].append(entry)
                occurrences[entry].append((no, pos))
        return cls(views, ScreeningIndex(listed), occurrences, subjects, dict(by_identifier),
                   np.array([v["issuing_state"] for v in views], dtype="U2"),
                   np.array([v["revoked"] for v in views], dtype=bool),
                   np.array([v["denied_on"].toordinal() for v in views], dtype=np.int64))

    def scope(self, authority_state: str, start: dt.date, as_of: dt.date) -> dict[str, int]:
        """How many denials a check compares with (other states', live, in the window) and why the rest
        are left out."""
        own = self.states == authority_state
        live = ~own & ~self.revoked
        early, late = self.days < start.toordinal(), self.days > as_of.toordinal()
        return {"compared": int((live & ~early & ~late).sum()), "own_state": int(own.sum()),
                "revoked": int((~own & self.revoked).sum()), "older_than_three_years": int((live & early).sum()),
                "after_application_date": int((live & late).sum())}

    def party_matches(self, app_parties: list[dict[str, Any]], config: MatchingConfig,
                      ) -> dict[int, PartyMatch]:
        """Denial number -> the best party pair, for every denial with a party scoring at least the
        floor less the address bonus (an agreeing address may still lift it)."""
        cut = max(0.0, config.parties.floor - config.parties.address_bonus)
        best: dict[int, PartyMatch] = {}
        for app_party in app_parties:
            if not app_party.get("name"):
                continue
            query = party_subject(app_party)
            entries = {int(hit.entity.entity_id) for hit in self.screening.search(query, cut, limit=200)}
            for identifier in query.identifiers:
                entries.update(self.by_identifier.get(normalise_identifier(identifier), ()))
            for entry in entries:
                for no, pos in self.occurrences[entry]:
                    party = self.views[no]["parties"][pos]
                    found = party_pair(app_party, party, config, (query, self.subjects[entry]))
                    if found.score >= cut and found.score > best.get(no, _NONE).score:
                        best[no] = found
        return best


_NONE = PartyMatch(-1.0, None, None, "")
_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], DenialIndex]] = {}


def _signature(session: Session) -> tuple[Any, ...]:
    d = DenialNotification
    row = session.execute(select(func.count(), func.max(d.id), func.max(d.updated_at)).select_from(d)).one()
    return tuple(str(v) for v in row)


def denial_index(session: Session) -> DenialIndex:
    """The index of the denials this session sees, rebuilt only when they changed."""
    bind = session.get_bind()
    key = str(bind.engine.url)
    signature = _signature(session)
    with _lock:
        held = _cache.get(key)
        if held is not None and held[0] == signature:
            return held[1]
    rows = session.execute(select(DenialNotification).order_by(DenialNotification.id)).scalars()
    index = DenialIndex.build(denial_view(r) for r in rows)
    with _lock:
        _cache.pop(key, None)
        _cache[key] = (signature, index)
        while len(_cache) > MAX_CACHED:  # the oldest database first (a bench opens one per pair)
            del _cache[next(iter(_cache))]
    return index
