"""The in-memory screening index: candidate generation over every name of every listed entity.

Each listed name is posted under several keys: its ASCII tokens, the phonetic key of each token
(typos, transliteration variants), its romanisation key ("Rosoboronexport" / "Rosoboroneksport"),
the consonant skeleton (abjad transliterations) and the concatenation of adjacent tokens
("Jin Ping" / "Jinping", "Rosoboron Export" / "Rosoboronexport"). A query looks up its own keys, ranks
names by the summed rarity (IDF) of the keys they share, and only the best few entities are
scored with the full feature list. Keys shared by a large share of all names ("al", "company")
are skipped unless the query has nothing rarer, so a query never walks a whole list.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from dualcheck.screening.normalize import PreparedName, phonetic_key, romanisation_key, skeleton
from dualcheck.screening.scoring import Scored, Scorer, default_scorer
from dualcheck.screening.subjects import ListedSubject, Subject

MIN_SHARE_OF_BEST = 0.3
LONG_TOKEN = 12  # words this long get a romanisation key, and glued into one they count for both tokens
MAX_KEY_SHARE = 0.02  # keys in more than this share of names are too common to generate candidates


@lru_cache(maxsize=300_000)
def token_keys(token: str) -> tuple[str, ...]:
    keys = [token] if len(token) >= 2 or token.isdigit() else []
    key = phonetic_key(token)
    if key:
        keys.append("~" + key)
    if len(token) >= LONG_TOKEN and token.isalpha():  # long words vary by romanisation (x / ks / kh, w / v)
        keys.append("=" + romanisation_key(token))
    skel = skeleton(token)
    if len(skel) >= 2:
        keys.append("^" + skel)
    return tuple(keys)


def name_keys(name: PreparedName) -> set[str]:
    tokens = name.tokens
    keys: set[str] = set()
    for token in tokens:
        keys.update(token_keys(token))
    keys.update(glued_keys(name))
    return keys


def _long_glue(a: str, b: str) -> bool:
    """Two words that written together make one long word ("Rosoboron Export"), not a name with
    its article or particle ("Muhammad Al")."""
    return len(a) >= 3 and len(b) >= 3 and len(a) + len(b) >= LONG_TOKEN


def glued_keys(name: PreparedName) -> set[str]:
    """The keys of adjacent tokens written as one: the word and its skeleton ("Jin Ping" ->
    "jinping"), and for a long word all its keys ("Rosoboron Export" -> "rosoboronexport")."""
    keys: set[str] = set()
    for a, b in itertools.pairwise(name.tokens):
        glued = a + b
        if _long_glue(a, b):
            keys.update(token_keys(glued))
        else:
            keys.add(glued)
            keys.add("^" + skeleton(glued))
    return keys


@dataclass(frozen=True, slots=True)
class Hit:
    entity: ListedSubject
    scored: Scored

    @property
    def score(self) -> float:
        return self.scored.score


class ScreeningIndex:
    """Listed entities with their names posted under lookup keys. Read-only once built."""

    def __init__(self, subjects: Iterable[ListedSubject], *, scorer: Scorer | None = None,
                 list_versions: dict[str, dict[str, Any]] | None = None) -> None:
        self.scorer = scorer or default_scorer()
        self.list_versions = dict(list_versions or {})
        self.entities: list[ListedSubject] = []
        name_owner: list[int] = []
        name_pos: list[int] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for subject in subjects:
            if not subject.names and not subject.weak_names:
                continue
            entity_no = len(self.entities)
            self.entities.append(subject)
            for position, name in enumerate((*subject.names, *subject.weak_names)):
                name_no = len(name_owner)
                name_owner.append(entity_no)
                name_pos.append(position)
                for key in name_keys(name):
                    postings[key].append(name_no)
        self.name_owner = np.asarray(name_owner, dtype=np.int32)
        self.name_pos = np.asarray(name_pos, dtype=np.int32)
        self.n_names = len(name_owner)
        self.postings = {k: np.asarray(v, dtype=np.int32) for k, v in postings.items()}
        self.max_df = max(50, int(MAX_KEY_SHARE * self.n_names))
        self.by_key = {(e.list_name, e.entity_id): i for i, e in enumerate(self.entities)}

    def __len__(self) -> int:
        return len(self.entities)

    def idf(self, df: int) -> float:
        return math.log(1 + self.n_names / df)

    def candidates(self, query: Subject, limit: int | None = None) -> dict[int, list[int]]:
        """Entities worth scoring, best first (at most ``limit``), with the positions of their names
        that share a key with the query: only those names are compared."""
        limit = limit or self.scorer.config.candidates
        found: list[tuple[np.ndarray, float]] = []
        common: list[tuple[np.ndarray, float]] = []
        keys = set().union(*(name_keys(n) for n in query.names)) if query.names else set()
        # the keys of long words glued from two tokens are alternatives to the tokens' own keys: they
        # do not add to the weight a candidate must share, and count for both tokens when shared
        # ("Rosoboron Export" must reach "ROSOBORONEKSPORT")
        glued_long = {k for n in query.names for a, b in itertools.pairwise(n.tokens) if _long_glue(a, b)
                      for k in token_keys(a + b)}
        if glued_long:
            glued_long -= {k for n in query.names for t in n.tokens for k in token_keys(t)}
        uncounted = set(glued_long)
        if len(query.names) > 1:  # a form that only adds words to another ("X (ACRONYM)" and "X") adds no key
            extended = [n for n in query.names if any(set(o.tokens) < set(n.tokens) for o in query.names)]
            if extended:
                uncounted |= set().union(*(name_keys(n) for n in extended)).difference(
                    *(name_keys(n) for n in query.names if n not in extended))
        query_mass = 0.0
        for key in keys:
            posting = self.postings.get(key)
            if posting is None:
                continue
            weight = self.idf(len(posting))
            if len(posting) <= self.max_df and key not in uncounted:
                query_mass += weight
            # a long glued word stands for two of the query's tokens: it counts for both
            item = (posting, 2 * weight if key in glued_long else weight)
            (found if len(posting) <= self.max_df else common).append(item)
        if not found:
            found = sorted(common, key=lambda item: len(item[0]))[:1]
            query_mass = found[0][1] if found else 0.0
        if not found:
            return {}
        ids = np.concatenate([p for p, _ in found])
        weights = np.concatenate([np.full(len(p), w, dtype=np.float32) for p, w in found])
        unique, inverse = np.unique(ids, return_inverse=True)
        sums = np.bincount(inverse, weights=weights)
        order = np.argsort(-sums, kind="stable")
        # names sharing less than this share of the best name's key weight cannot score high
        # and names sharing too little of the query's own key weight cannot reach a match either
        floor = max(MIN_SHARE_OF_BEST * sums[order[0]], self.scorer.config.candidate_min_share * query_mass)
        keep = order[sums[order] >= floor]
        if not len(keep):
            return {}
        out: dict[int, list[int]] = {}
        ranked = unique[keep]
        owners = self.name_owner[ranked].tolist()
        positions = self.name_pos[ranked].tolist()
        for entity_no, position in zip(owners, positions, strict=True):
            names = out.get(entity_no)
            if names is None:
                if len(out) >= limit:
                    continue
                names = out[entity_no] = []
            names.append(position)
        return out

    def _view(self, entity: ListedSubject, positions: list[int]) -> ListedSubject:
        """The entity with only the given names (strong names first, then weak aliases)."""
        n = len(entity.names)
        if len(positions) >= n + len(entity.weak_names):
            return entity
        return replace(entity, names=tuple(entity.names[p] for p in sorted(positions) if p < n),
                       weak_names=tuple(entity.weak_names[p - n] for p in sorted(positions) if p >= n))

    def search(self, query: Subject, threshold: float | None = None, *, limit: int = 25) -> list[Hit]:
        """Hits at or above the threshold (default: the configuration's), best first."""
        cut = self.scorer.config.threshold if threshold is None else threshold
        hits = []
        for entity_no, positions in self.candidates(query).items():
            entity = self.entities[entity_no]
            scored = self.scorer.score(query, self._view(entity, positions))
            if scored.score >= cut and scored.score > 0:
                hits.append(Hit(entity, scored))
        hits.sort(key=lambda h: (-h.score, h.entity.list_name, h.entity.entity_id))
        return hits[:limit]

    def get(self, list_name: str, entity_id: str) -> ListedSubject | None:
        number = self.by_key.get((list_name, entity_id))
        return None if number is None else self.entities[number]

    def __iter__(self) -> Iterator[ListedSubject]:
        return iter(self.entities)
