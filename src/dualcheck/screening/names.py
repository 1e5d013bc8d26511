"""Name similarity: token-aware, order-insensitive, typo- and transliteration-tolerant.

Two prepared names are compared by aligning their tokens (best pairs first), so word order does
not matter. A token pair scores 1 when equal, a little less per edit within an edit budget that
grows with length, 0.85 when only the phonetic keys agree, and ``initial`` when one side is an
initial of the other. Unmatched tokens cost in proportion to their weight; rare tokens weigh
more than common ones ("Mohammed", "Bank", "Trading"), short tokens less. Missing middle names
cost little once every token of the shorter name has been matched. The score is symmetric.

All numbers come from the ``name`` section of the scoring configuration (see config.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from dualcheck.screening.normalize import PreparedName, phonetic_key, skeleton
from dualcheck.screening.tokens import TokenWeights


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: it keys the token cache on every call
class NameParams:
    """Tunable numbers of the name comparison (loaded from the scoring configuration)."""

    edit_penalty: float = 0.1
    phonetic: float = 0.85
    skeleton: float = 0.8
    initial: float = 0.7
    unmatched: float = 0.5
    unmatched_extra_names: float = 0.15
    org_class_weight: float = 0.15
    min_evidence: float = 1.0


@dataclass(frozen=True, slots=True)
class NameComparison:
    score: float
    pairs: tuple[tuple[str, str, float], ...]
    unmatched_query: tuple[str, ...]
    unmatched_listed: tuple[str, ...]
    how: str

    def explain(self) -> str:
        parts = [f"{a}={b}" if s >= 1.0 else f"{a}~{b} ({s:.2f})" for a, b, s in self.pairs]
        if self.unmatched_query:
            parts.append("query only: " + " ".join(self.unmatched_query))
        if self.unmatched_listed:
            parts.append("listed only: " + " ".join(self.unmatched_listed))
        return "; ".join(parts)


NO_MATCH = NameComparison(0.0, (), (), (), "none")


def _allowed_edits(length: int) -> int:
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    if length <= 9:
        return 2
    return 3


@lru_cache(maxsize=500_000)
def token_similarity(a: str, b: str, params: NameParams, abjad: bool, initials: bool = False) -> float:
    """Similarity of two ASCII tokens in [0, 1] (symmetric); initials count only in person names."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return params.initial if initials and a[0] == b[0] and a.isalpha() and b.isalpha() else 0.0
    if a.isdigit() or b.isdigit():
        return 0.0
    shorter = min(len(a), len(b))
    allowed = _allowed_edits(shorter)
    best = 0.0
    if allowed:
        dist = Levenshtein.distance(a, b, score_cutoff=allowed)
        if dist <= allowed:
            best = 1.0 - params.edit_penalty * dist
    if best < params.phonetic and shorter >= 3:
        key = phonetic_key(a)
        if key and key == phonetic_key(b):
            best = params.phonetic
    if abjad and best < params.skeleton:
        sa, sb = skeleton(a), skeleton(b)
        if sa and sa == sb:
            best = params.skeleton
    return best


def _merge_unmatched(side: list[str], free: list[int], other: list[str], other_free: list[int],
                     params: NameParams, abjad: bool) -> list[tuple[int, int, int, float]]:
    """Adjacent unmatched tokens that together equal one unmatched token on the other side ("abd allah")."""
    found = []
    for i, k in itertools.pairwise(free):
        joined = side[i] + side[k]
        for j in other_free:
            sim = token_similarity(joined, other[j], params, abjad)
            if sim > 0:
                found.append((i, k, j, sim))
    return found


def compare_names(query: PreparedName, listed: PreparedName, weights: TokenWeights,
                  params: NameParams) -> NameComparison:
    """Compare two prepared names; symmetric in its two arguments.

    Names in another script are compared through their transliteration, so two names written in
    the same script compare exactly as they do in that script.
    """
    if not query.tokens or not listed.tokens:
        return NO_MATCH
    return _compare_tokens(query, listed, weights, params)


def _compare_tokens(query: PreparedName, listed: PreparedName, weights: TokenWeights,
                    params: NameParams) -> NameComparison:
    qt, lt = list(query.tokens), list(listed.tokens)
    abjad = query.abjad or listed.abjad
    initials = query.person or listed.person
    candidates = []
    for i, a in enumerate(qt):
        for j, b in enumerate(lt):
            sim = token_similarity(a, b, params, abjad, initials)
            if sim > 0:
                # ties broken by position so that the result does not depend on argument order
                candidates.append((-sim, abs(i - j), i, j))
    candidates.sort()
    used_q: set[int] = set()
    used_l: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for neg, _, i, j in candidates:
        if i not in used_q and j not in used_l:
            used_q.add(i)
            used_l.add(j)
            pairs.append((i, j, -neg))
    how = "transliterated" if query.script_form or listed.script_form else "tokens"
    return _scored(qt, lt, pairs, query, listed, weights, params, how, used_q, used_l, abjad)


def _scored(qt: list[str], lt: list[str], pairs: list[tuple[int, int, float]], query: PreparedName,
            listed: PreparedName, weights: TokenWeights, params: NameParams, how: str,
            used_q: set[int], used_l: set[int], abjad: bool) -> NameComparison:
    shown: list[tuple[str, str, float]] = []
    num = den = evidence = 0.0
    for i, j, sim in pairs:
        w = (weights.weight(qt[i]) + weights.weight(lt[j])) / 2
        num += sim * w
        den += w
        evidence += w * sim
        shown.append((qt[i], lt[j], round(sim, 3)))
    free_q = [i for i in range(len(qt)) if i not in used_q]
    free_l = [j for j in range(len(lt)) if j not in used_l]
    for side, free, other, other_free, in_query in ((qt, free_q, lt, free_l, True), (lt, free_l, qt, free_q, False)):
        if len(free) < 2 or not other_free:
            continue
        for ia, ib, jo, sim in _merge_unmatched(side, free, other, other_free, params, abjad):
            if ia in free and ib in free and jo in other_free:
                w = weights.weight(other[jo])
                num += sim * w
                den += w
                evidence += w * sim
                free.remove(ia)
                free.remove(ib)
                other_free.remove(jo)
                merged = side[ia] + " " + side[ib]
                shown.append((merged, other[jo], round(sim, 3)) if in_query else (other[jo], merged, round(sim, 3)))
    if not shown:
        return NO_MATCH
    # a fully matched shorter name: the longer one's extra names are likely middle names
    one_side_complete = not free_q or not free_l
    rate = params.unmatched_extra_names if one_side_complete and len(shown) >= 2 else params.unmatched
    den += rate * (sum(weights.weight(qt[i]) for i in free_q) + sum(weights.weight(lt[j]) for j in free_l))
    # legal forms: same class is weak support, a different one weak evidence against
    qc, lc = set(query.org_classes), set(listed.org_classes)
    if qc or lc:
        if qc & lc:
            num += params.org_class_weight
            den += params.org_class_weight
        else:
            den += params.org_class_weight * params.unmatched * (len(qc) + len(lc))
    score = num / den if den else 0.0
    # little evidence (one short or common token) never makes a high score on its own
    if evidence < params.min_evidence:
        score *= (evidence / params.min_evidence) ** 0.5
    return NameComparison(
        score=max(0.0, min(1.0, score)), pairs=tuple(shown),
        unmatched_query=tuple(qt[i] for i in free_q), unmatched_listed=tuple(lt[j] for j in free_l), how=how,
    )
