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

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import yaml
from rapidfuzz.distance import OSA, Indel, Levenshtein
from rigour.text.scripts import text_scripts

from dualcheck.errors import ConfigError
from dualcheck.screening.normalize import PreparedName, country_words, phonetic_key, romanisation_key, skeleton
from dualcheck.screening.tokens import TokenWeights


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: it keys the token cache on every call
class NameParams:
    """Tunable numbers of the name comparison (loaded from the scoring configuration)."""

    first_letter_penalty: float = 0.1
    romanisation: float = 0.95
    phonetic: float = 0.85
    skeleton: float = 0.8
    initial: float = 0.7
    unmatched: float = 0.5
    unmatched_extra_names: float = 0.25
    org_class_weight: float = 0.15
    min_evidence: float = 1.0
    nickname: float = 0.9
    acronym: float = 0.85
    number_mismatch: float = 0.75
    nasab_reversed: float = 0.6
    substitution_penalty: float = 0.05
    same_script_difference: float = 0.8


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
    """Similarity of two ASCII tokens in [0, 1] (symmetric); initials count only in person names.

    Within the edit budget the similarity is 1 - edits / length (a transposition is one edit),
    less a penalty when the first letters differ (typos rarely hit the first letter). Phonetic
    keys count for tokens of four letters or more; consonant skeletons only across an abjad.
    """
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
        dist = OSA.distance(a, b, score_cutoff=allowed)
        if dist <= allowed:
            best = 1.0 - dist / max(len(a), len(b)) - (params.first_letter_penalty if a[0] != b[0] else 0.0)
            # a letter replaced by another makes another name more often than a typo does (Salami /
            # Salimi, Khalid / Khalil); swapped and dropped letters cost only their edit
            best -= params.substitution_penalty * _substitutions(a, b)
    if best < params.romanisation and shorter >= 3:
        ra, rb = romanisation_key(a), romanisation_key(b)
        # keys count unless the rules dropped much of a token: "yojong" and "yong" both end as "ong"
        if 5 * min(len(ra), len(rb)) >= 3 * max(len(a), len(b)):
            if ra == rb:
                best = params.romanisation
            elif allowed and shorter >= 4:
                dist = OSA.distance(ra, rb, score_cutoff=allowed)
                if dist <= allowed:
                    best = max(best, params.romanisation - dist / max(len(ra), len(rb))
                               - (params.first_letter_penalty if ra[0] != rb[0] else 0.0))
    if best < params.romanisation and shorter >= 3:
        groups = given_name_groups()
        group = groups.get(a)
        if group is not None and group == groups.get(b):  # Serhiy / Sergei / Siarhei
            best = params.romanisation
    if initials and best < params.nickname and shorter >= 2:
        ga, gb = nicknames_of(a), nicknames_of(b)
        if ga is not None and gb is not None and not ga.isdisjoint(gb):  # Bill / William, Sasha / Oleksandr
            best = params.nickname
    if best < params.phonetic and shorter >= 4:
        key = phonetic_key(a)
        if key and key == phonetic_key(b):
            best = params.phonetic
    if abjad and best < params.skeleton + 0.1:
        sa, sb = skeleton(a), skeleton(b)
        if sa and sa != sb and (a.startswith("al") != b.startswith("al")) and len(a) > 4 and len(b) > 4:
            # the Arabic article is written onto the word ("altkryty") and often left out in Latin ("Tikriti")
            sa, sb = (sa[1:] if a.startswith("al") else sa), (sb[1:] if b.startswith("al") else sb)
        if sa and sa == sb:
            # more consonants in common, more evidence: 1 -> 0.75, 2 -> 0.8, 3 -> 0.85, 4 or more -> 0.9
            best = max(best, params.skeleton + 0.05 * (min(len(sa), 4) - 2))
    return max(0.0, best)


def _substitutions(a: str, b: str) -> int:
    """Letters replaced by others between two tokens: an edit that is neither a dropped, added
    nor swapped letter (Levenshtein counts a swap as two edits, Indel a replacement as two)."""
    lev = Levenshtein.distance(a, b)
    return max(0, Indel.distance(a, b) - lev) if lev <= OSA.distance(a, b) else 0


GIVEN_NAMES_FILE = Path(__file__).resolve().parent / "data" / "given_names.yaml"
NICKNAMES_FILE = Path(__file__).resolve().parent / "data" / "nicknames.yaml"


def _given_name(token: str) -> str:
    return given_name_groups().get(token, token)


@lru_cache(maxsize=100_000)
def nicknames_of(token: str) -> frozenset[str] | None:
    """The given names a token stands for, in full or as a short form; None for any other token."""
    return nickname_groups().get(_given_name(token))


@lru_cache(maxsize=1)
def nickname_groups() -> dict[str, frozenset[str]]:
    """Token -> the given names it stands for, in full or as a usual short form (data file)."""
    doc = yaml.safe_load(NICKNAMES_FILE.read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for group, names in doc["groups"].items():
        if not isinstance(names, list) or not names:
            raise ConfigError(f"{NICKNAMES_FILE.name}: group {group!r} must list a full name and its short forms")
        for name in names:
            found.setdefault(_given_name(str(name)), set()).add(str(group))
    return {name: frozenset(groups) for name, groups in found.items()}


@lru_cache(maxsize=1)
def given_name_groups() -> dict[str, str]:
    """Token -> group of the East Slavic given names written in another language's form (data file)."""
    doc = yaml.safe_load(GIVEN_NAMES_FILE.read_text(encoding="utf-8"))
    groups: dict[str, str] = {}
    for group, names in doc["groups"].items():
        for name in names:
            if groups.get(name, group) != group:
                raise ConfigError(f"{GIVEN_NAMES_FILE.name}: {name!r} is in groups {groups[name]!r} and {group!r}")
            groups[str(name)] = str(group)
    return groups


MAX_MERGED = 3  # "abd al qadir" / "abdalqadir": up to three adjacent tokens written as one


def _merges(side: tuple[str, ...], free: list[int], other: tuple[str, ...], other_free: list[int],
            params: NameParams, abjad: bool) -> list[tuple[float, tuple[int, ...], int]]:
    """Runs of adjacent unmatched tokens that together (nearly) equal one unmatched token opposite."""
    found = []
    free_set = set(free)
    other_lengths = [(j, len(other[j])) for j in other_free]
    # a run only grows longer: past the longest token opposite (+2) no longer run can match
    longest = max(length for _, length in other_lengths) + 2
    for start in free:
        if start + 1 not in free_set:
            continue
        run = [start]
        joined = side[start]
        for nxt in range(start + 1, min(start + MAX_MERGED, len(side))):
            if nxt not in free_set:
                break
            run.append(nxt)
            joined += side[nxt]
            size = len(joined)
            if size > longest:
                break
            for j, length in other_lengths:
                if -2 <= size - length <= 2:
                    sim = token_similarity(joined, other[j], params, abjad)
                    if sim >= 0.8:
                        found.append((sim, tuple(run), j))
    if len(found) > 1:
        found.sort(key=lambda f: (-f[0], -len(f[1]), f[1], f[2]))
    return found



MergeFinder = Callable[[tuple[str, ...], list[int], tuple[str, ...], list[int], "NameParams", bool],
                       list[tuple[float, tuple[int, ...], int]]]


def _merge_step(qt: tuple[str, ...], lt: tuple[str, ...], free_q: list[int], free_l: list[int],
                used_q: set[int], used_l: set[int], pairs: list[tuple[str, str, float, float]],
                weight: Callable[[str], float], params: NameParams, abjad: bool,
                find: MergeFinder | None = None) -> bool:
    """Pair runs of adjacent tokens on either side with one token opposite; True when any was paired.

    Merges from both sides are ranked together, by similarity, run length and the tokens
    themselves (never by which side is the query), so the result does not depend on argument order.
    """
    find = find or _merges
    ranked = []
    for in_query, side, other, free, other_free in ((True, qt, lt, free_q, free_l), (False, lt, qt, free_l, free_q)):
        for sim, run, j in find(side, free, other, other_free, params, abjad):
            ranked.append((-sim, -len(run), " ".join(side[k] for k in run), other[j], in_query, run, j))
    ranked.sort(key=lambda m: m[:4])
    merged_any = False
    for neg_sim, _, joined, single, in_query, run, j in ranked:
        used, other_used = (used_q, used_l) if in_query else (used_l, used_q)
        if j in other_used or any(k in used for k in run):
            continue
        used.update(run)
        other_used.add(j)
        merged_any = True
        shown = (joined, single) if in_query else (single, joined)
        pairs.append((shown[0], shown[1], -neg_sim, weight(single)))
    return merged_any


def compare_names(query: PreparedName, listed: PreparedName, weights: TokenWeights,
                  params: NameParams) -> NameComparison:
    """Compare two prepared names; symmetric in its two arguments.

    Names in another script are compared through their transliteration, so two names written in
    the same script compare exactly as they do in that script.
    """
    if not query.tokens or not listed.tokens:
        return NO_MATCH
    if query.script_form and listed.script_form and query.script_form != listed.script_form:
        same = _same_script_comparison(query, listed, weights, params)
        if same is not None:
            return same
    if (len(query.tokens) == 1) != (len(listed.tokens) == 1) and not (query.person or listed.person):
        short, long_ = (query, listed) if len(query.tokens) == 1 else (listed, query)
        if _is_acronym_of(short.tokens[0], long_):
            pair = (query.tokens[0], " ".join(listed.tokens)) if short is query else (" ".join(query.tokens),
                                                                                    listed.tokens[0])
            return NameComparison(params.acronym, ((*pair, params.acronym),), (), (), "acronym")
    return _compare_tokens(query, listed, weights, params)


def _same_script_comparison(query: PreparedName, listed: PreparedName, weights: TokenWeights,
                            params: NameParams) -> NameComparison | None:
    """Two names in the same script (other than Latin) compared in that script, not through their
    romanisation: 王伟 and 王薇 read alike and are two people; written alike but for spacing or
    punctuation they compare through their transliteration. None when the scripts differ."""
    q_script, l_script = _script_key(query.script_form), _script_key(listed.script_form)
    if q_script[0] is None or q_script[0] != l_script[0]:
        return None
    if q_script[1] == l_script[1]:  # the same letters: spacing, punctuation, ё / е, hamza, ZWNJ
        return None
    in_script = _compare_tokens(_script_tokens(query, q_script[2]), _script_tokens(listed, l_script[2]),
                                weights, params)
    # written in one script, another letter is another name more often than a typo (Гусев / Гусаев)
    return replace(in_script, score=in_script.score * params.same_script_difference, how="same script")


@lru_cache(maxsize=50_000)
def _script_key(form: str | None) -> tuple[str | None, str, tuple[str, ...]]:
    """The script of a name written in one non-Latin script, its letters folded (no spaces,
    punctuation, marks, ZWNJ, ё as е, hamza forms as the bare letter), and its folded words."""
    if not form:
        return None, "", ()
    scripts = text_scripts(form) - {"Common", "Inherited", "Latin"}
    if len(scripts) != 1:
        return None, "", ()
    folded = form.translate(_SCRIPT_FOLD)
    words = tuple(w for w in ("".join(ch for ch in word if unicodedata.category(ch)[0] in "LN")
                              for word in folded.split()) if w)
    return next(iter(scripts)), "".join(words), words


# letters written in two ways within one script that make no other name
_SCRIPT_FOLD = str.maketrans({"ё": "е", "Ё": "Е", "\u200c": "", "\u200d": "", "أ": "ا", "إ": "ا", "آ": "ا",
                              "ؤ": "و", "ئ": "ي", "ى": "ي", "ة": "ه", "\u0621": "", "ي": "ی", "ك": "ک"})


def _script_tokens(name: PreparedName, words: tuple[str, ...]) -> PreparedName:
    return PreparedName(original=name.original, tokens=words, org_classes=name.org_classes,
                        script_form=name.script_form, person=name.person)


STOP_WORDS = frozenset({"of", "and", "the", "for", "de", "del", "la", "el", "des", "du", "der", "und", "y", "e",
                        "di", "da", "do", "dos", "das", "in", "on", "at"})
_LETTER_WORDS = re.compile(r"[^\W\d_]+")


def _is_acronym_of(token: str, name: PreparedName) -> bool:
    """Whether a word of two to six letters is the initials of the other name's words (with or
    without its small words and legal form: ELN / Ejército de Liberación Nacional)."""
    return 2 <= len(token) <= 6 and token.isalpha() and token in _initials(name.original, name.tokens)


@lru_cache(maxsize=50_000)
def _initials(original: str, tokens: tuple[str, ...]) -> frozenset[str]:
    words = [w for w in _LETTER_WORDS.findall(original.casefold()) if w]
    ascii_words = [_first_ascii(w) for w in words]
    found = {"".join(ascii_words), "".join(a for a, w in zip(ascii_words, words, strict=True) if w not in STOP_WORDS),
             "".join(t[0] for t in tokens)}
    return frozenset(f for f in found if len(f) >= 2)


def _first_ascii(word: str) -> str:
    latin = unicodedata.normalize("NFKD", word[0])[0]
    return latin if latin.isascii() else ""


def _compare_tokens(query: PreparedName, listed: PreparedName, weights: TokenWeights,
                    params: NameParams) -> NameComparison:
    qt, lt = query.tokens, listed.tokens
    weight = weights.lookup
    how = "transliterated" if query.script_form or listed.script_form else "tokens"
    if qt == lt:  # the same tokens in the same order: step 1 pairs each with itself, nothing is left over
        every = set(range(len(qt)))
        return _scored(qt, lt, [(a, a, 1.0, weight(a)) for a in qt], query, listed, weights, params, how,
                       every, every)
    abjad = query.abjad != listed.abjad  # skeletons bridge an abjad and a vowelled script only
    initials = query.person or listed.person
    used_q: set[int] = set()
    used_l: set[int] = set()
    pairs: list[tuple[str, str, float, float]] = []  # shown query part, listed part, similarity, weight
    links: list[tuple[int, int]] = []  # positions of single tokens paired (for the order of a nasab chain)
    # 1. equal tokens (the k-th occurrence on one side with the k-th on the other: symmetric)
    if not set(qt).isdisjoint(lt):
        positions: dict[str, list[int]] = {}
        for j, b in enumerate(lt):
            positions.setdefault(b, []).append(j)
        for i, a in enumerate(qt):
            js = positions.get(a)
            if js:
                j = js.pop(0)
                pairs.append((a, a, 1.0, weight(a)))
                links.append((i, j))
                used_q.add(i)
                used_l.add(j)
    # 2. tokens written together on one side and apart on the other ("Abd al-Qadir" / "Abdalqadir")
    free_q = [] if len(used_q) == len(qt) else [i for i in range(len(qt)) if i not in used_q]
    free_l = [] if len(used_l) == len(lt) else [j for j in range(len(lt)) if j not in used_l]
    if free_q and free_l and (len(free_q) > 1 or len(free_l) > 1):
        merged_any = _merge_step(qt, lt, free_q, free_l, used_q, used_l, pairs, weight, params, abjad)
        if merged_any:
            free_q = [i for i in free_q if i not in used_q]
            free_l = [j for j in free_l if j not in used_l]
    # 3. the best fuzzy pairs among the rest
    if free_q and free_l:
        candidates = []
        for i in free_q:
            a = qt[i]
            len_a = len(a)
            for j in free_l:
                b = lt[j]
                # tokens of very different length can only be an initial or an abjad skeleton
                if (abjad or abs(len_a - len(b)) <= 3 or len_a == 1 or len(b) == 1
                        or (initials and nicknames_of(a) is not None and nicknames_of(b) is not None)):
                    sim = token_similarity(a, b, params, abjad, initials)
                    if sim > 0:
                        # ties broken by position so that the result does not depend on argument order
                        candidates.append((-sim, abs(i - j), i, j))
        if len(candidates) > 1:
            candidates.sort()
        for neg, _, i, j in candidates:
            if i not in used_q and j not in used_l:
                used_q.add(i)
                used_l.add(j)
                pairs.append((qt[i], lt[j], -neg, (weight(qt[i]) + weight(lt[j])) / 2))
                links.append((i, j))
    result = _scored(qt, lt, pairs, query, listed, weights, params, how, used_q, used_l)
    if NASAB in qt and NASAB in lt and _order_differs(qt, links):
        # "A bin B" is A, the son of B: the same names in another order are another person
        result = replace(result, score=result.score * params.nasab_reversed, how="nasab order differs")
    return result


NASAB = "bin"  # ibn, bint, binti, b. are read as this word in persons' names (normalize.py)


def _order_differs(qt: tuple[str, ...], links: list[tuple[int, int]]) -> bool:
    """Whether the paired names (other than the "bin" between them) stand in another order opposite."""
    listed_order = [j for i, j in sorted(links) if qt[i] != NASAB]
    return any(a > b for a, b in pairwise(listed_order))


def _scored(qt: tuple[str, ...], lt: tuple[str, ...], pairs: list[tuple[str, str, float, float]],
            query: PreparedName, listed: PreparedName, weights: TokenWeights, params: NameParams, how: str,
            used_q: set[int], used_l: set[int]) -> NameComparison:
    if not pairs:
        return NO_MATCH
    num = den = 0.0
    for _, _, sim, w in pairs:
        num += sim * w
        den += w
    evidence = num
    unmatched_q = () if len(used_q) == len(qt) else tuple([t for i, t in enumerate(qt) if i not in used_q])
    unmatched_l = () if len(used_l) == len(lt) else tuple([t for j, t in enumerate(lt) if j not in used_l])
    # a fully matched shorter name: the longer one's extra names are likely middle names
    one_side_complete = not unmatched_q or not unmatched_l
    rate = params.unmatched_extra_names if one_side_complete and len(pairs) >= 2 else params.unmatched
    if unmatched_q or unmatched_l:
        weight = weights.lookup
        den += rate * (sum([weight(t) for t in unmatched_q]) + sum([weight(t) for t in unmatched_l]))
    # legal forms: same class is weak support, a different one weak evidence against
    if query.org_classes or listed.org_classes:
        qc, lc = set(query.org_classes), set(listed.org_classes)
        if qc & lc:
            num += params.org_class_weight
            den += params.org_class_weight
        else:
            den += params.org_class_weight * params.unmatched * (len(qc) + len(lc))
    score = num / den if den else 0.0
    # a number on one side only, or another number: another vessel, fund or subsidiary (Ocean Star II / III)
    if unmatched_q or unmatched_l:
        if any(t.isdigit() for t in unmatched_q) or any(t.isdigit() for t in unmatched_l):
            score *= params.number_mismatch
        elif not (query.person or listed.person) and not country_words().isdisjoint((*unmatched_q, *unmatched_l)):
            score *= params.number_mismatch  # ... or a country on one side only: a national subsidiary
    # little evidence (one short or common token) never makes a high score on its own
    if evidence < params.min_evidence:
        score *= (evidence / params.min_evidence) ** 0.5
    return NameComparison(
        score=max(0.0, min(1.0, score)), pairs=tuple([(a, b, round(sim, 3)) for a, b, sim, _ in pairs]),
        unmatched_query=unmatched_q, unmatched_listed=unmatched_l, how=how,
    )
