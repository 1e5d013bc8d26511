"""Screening: the faster forms of the name preparation give exactly what the plain forms give.

Each fast path (a translation table instead of a regex, a rule loop skipped, a word list cut by
length) is compared with the straightforward definition it replaces, on generated tokens.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

from dualcheck.screening import evaluate, names, normalize
from dualcheck.screening.names import NameComparison, NameParams, token_similarity
from dualcheck.screening.normalize import PreparedName, legal_forms, romanisation_key, skeleton
from dualcheck.screening.scoring import Scorer
from dualcheck.screening.subjects import query_subject
from dualcheck.screening.tokens import TokenWeights

# letters the romanisation rules and the legal-form words are made of, so that rules do fire
RULE_LETTERS = "abcdehijknopqrstuvwxyz"
tokens = st.text(alphabet=RULE_LETTERS, min_size=1, max_size=16)


def plain_romanisation_key(token: str) -> str:
    if not token.isalpha():
        return token
    key = token
    for old, new in normalize._ROMANISATION:
        if old in key:
            key = key.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", key)


def plain_skeleton(token: str) -> str:
    if not token.isalpha():
        return token
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouyw]+", "", token))


def plain_corrected(token: str) -> str:
    words = legal_forms().correctable
    if token in words or not token.isascii() or not token.isalpha():
        return token
    if len(token) == 5:
        swapped = [w for w in words if len(w) == 5 and sorted(w) == sorted(token) and OSA.distance(w, token) == 1]
        return swapped[0] if swapped else token
    if len(token) >= 6:
        found = process.extractOne(token, words, scorer=OSA.distance, score_cutoff=1 if len(token) < 9 else 2)
        if found is not None:
            return str(found[0])
    return token


@settings(max_examples=400, deadline=None)
@given(tokens)
def test_romanisation_key_and_skeleton_as_defined(token: str) -> None:
    assert romanisation_key.__wrapped__(token) == plain_romanisation_key(token)
    assert skeleton.__wrapped__(token) == plain_skeleton(token)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(legal_forms().correctable), st.integers(0, 20), st.integers(0, 20),
       st.sampled_from(RULE_LETTERS), st.sampled_from(["swap", "replace", "insert", "delete", "none"]))
def test_legal_word_correction_as_defined(word: str, at: int, other: int, letter: str, edit: str) -> None:
    i, j = at % len(word), other % len(word)
    chars = list(word)
    if edit == "swap":
        chars[i], chars[j] = chars[j], chars[i]
    elif edit == "replace":
        chars[i] = letter
    elif edit == "insert":
        chars.insert(i, letter)
    elif edit == "delete" and len(chars) > 1:
        del chars[i]
    token = "".join(chars)
    assert normalize._corrected.__wrapped__(token) == plain_corrected(token)


def test_legal_word_correction_examples() -> None:
    corrected = normalize._corrected.__wrapped__
    assert corrected("liabiliyt") == "liability"
    assert corrected("jiont") == "joint"
    assert corrected("point") == "point"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_ascii_tokens_as_defined(text: str) -> None:
    text = text.casefold()
    latin = text if text.isascii() else normalize._to_ascii(text)
    assert normalize._ascii_tokens(text) == re.sub(r"[^a-z0-9]+", " ", latin).split()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["Person", "Organization", "Vessel"]), st.sampled_from(["Person", "Organization", "Vessel"]),
       st.sampled_from([None, "1970", "1970-05-01", "1985-02-03"]), st.sampled_from([None, "1970-05-01", "1971"]),
       st.sampled_from([None, "RU", "DE"]), st.sampled_from([None, "RU", "FR"]),
       st.sampled_from([None, "male", "female"]), st.sampled_from([None, "female"]),
       st.sampled_from([None, "AB123"]), st.sampled_from([None, "AB123", "CD999"]))
def test_skipping_idle_qualifiers_changes_no_score(schema_q: str, schema_l: str, dob_q: str | None,
                                                    dob_l: str | None, country_q: str | None,
                                                    country_l: str | None, gender_q: str | None,
                                                    gender_l: str | None, id_q: str | None,
                                                    id_l: str | None) -> None:
    query = query_subject("Ivan Petrov", schema=schema_q, birth_date=dob_q, country=country_q, gender=gender_q,
                          identifiers=[id_q] if id_q else None)
    listed = query_subject("Petrov Ivan Ivanovich", schema=schema_l, birth_date=dob_l, country=country_l,
                           gender=gender_l, identifiers=[id_l] if id_l else None)
    fast = Scorer()
    slow = Scorer()
    slow.skip_idle_qualifiers = False
    assert fast.skip_idle_qualifiers
    a, b = fast.score(query, listed), slow.score(query, listed)
    assert a.score == b.score
    assert [c.as_dict() for c in a.explanation] == [c.as_dict() for c in b.explanation]


# --- name comparison: the fast paths against the plain three-step alignment they shortcut ---------

def plain_merges(side: tuple[str, ...], free: list[int], other: tuple[str, ...], other_free: list[int],
                 params: NameParams, abjad: bool) -> list[tuple[float, tuple[int, ...], int]]:
    found = []
    for start in free:
        run = [start]
        joined = side[start]
        for nxt in range(start + 1, min(start + names.MAX_MERGED, len(side))):
            if nxt not in free:
                break
            run.append(nxt)
            joined += side[nxt]
            for j in other_free:
                if abs(len(joined) - len(other[j])) <= 2:
                    sim = token_similarity(joined, other[j], params, abjad)
                    if sim >= 0.8:
                        found.append((sim, tuple(run), j))
    found.sort(key=lambda f: (-f[0], -len(f[1]), f[1], f[2]))
    return found


def plain_compare_tokens(query: PreparedName, listed: PreparedName, weights: TokenWeights,
                         params: NameParams) -> NameComparison:
    qt, lt = query.tokens, listed.tokens
    abjad, initials, weight = query.abjad != listed.abjad, query.person or listed.person, weights.weight
    used_q: set[int] = set()
    used_l: set[int] = set()
    pairs: list[tuple[str, str, float, float]] = []
    positions: dict[str, list[int]] = {}
    for j, b in enumerate(lt):
        positions.setdefault(b, []).append(j)
    for i, a in enumerate(qt):
        if positions.get(a):
            used_l.add(positions[a].pop(0))
            used_q.add(i)
            pairs.append((a, a, 1.0, weight(a)))
    free_q = [i for i in range(len(qt)) if i not in used_q]
    free_l = [j for j in range(len(lt)) if j not in used_l]
    if free_q and free_l and (len(free_q) > 1 or len(free_l) > 1):
        names._merge_step(qt, lt, free_q, free_l, used_q, used_l, pairs, weight, params, abjad, find=plain_merges)
    candidates = []
    for i, a in enumerate(qt):
        for j, b in enumerate(lt):
            if i not in used_q and j not in used_l and (abjad or abs(len(a) - len(b)) <= 3 or len(a) == 1
                                                        or len(b) == 1):
                sim = token_similarity(a, b, params, abjad, initials)
                if sim > 0:
                    candidates.append((-sim, abs(i - j), i, j))
    for neg, _, i, j in sorted(candidates):
        if i not in used_q and j not in used_l:
            used_q.add(i)
            used_l.add(j)
            pairs.append((qt[i], lt[j], -neg, (weight(qt[i]) + weight(lt[j])) / 2))
    how = "transliterated" if query.script_form or listed.script_form else "tokens"
    return names._scored(qt, lt, pairs, query, listed, weights, params, how, used_q, used_l)


# few letters and short tokens, so that tokens repeat, merge ("abd al" / "abdal") and nearly match
name_tokens = st.lists(st.text(alphabet="abdelr", min_size=1, max_size=6), min_size=1, max_size=5).map(tuple)


@settings(max_examples=600, deadline=None)
@given(name_tokens, name_tokens, st.booleans(), st.booleans(), st.sampled_from(["other", "same", "merged"]),
       st.text(alphabet="abdelr", max_size=2))
def test_name_comparison_fast_paths_as_defined(qt: tuple[str, ...], lt: tuple[str, ...], person: bool,
                                               abjad_q: bool, form: str, extra: str) -> None:
    scorer = Scorer()
    if form == "same":
        lt = qt
    elif form == "merged":  # two adjacent query tokens written as one, give or take a letter or two
        lt = ("".join(qt[:2]) + extra, *lt[:2])
    query = PreparedName("q", qt, (), None, abjad=abjad_q, person=person)
    listed = PreparedName("l", lt, (), None, abjad=False, person=person)
    for a, b in ((query, listed), (listed, query)):
        fast = names._compare_tokens(a, b, scorer.weights, scorer.params)
        assert fast == plain_compare_tokens(a, b, scorer.weights, scorer.params)


def test_bench_pairs_repeat_reports_median_of_cold_runs(data_dir: Path) -> None:
    cases = evaluate.read_cases(Path(__file__).parent / "fixtures" / "screening" / "pairs_small.csv")
    once, scores_once = evaluate.bench_pairs(cases, algorithm="dualcheck", threshold=0.8, scorer=Scorer())
    thrice, scores_thrice = evaluate.bench_pairs(cases, algorithm="dualcheck", threshold=0.8, scorer=Scorer(),
                                                 repeat=3)
    assert scores_thrice == scores_once
    assert "runs" not in once and thrice["runs"] == 3
    assert thrice["pairs_per_second_min"] <= thrice["pairs_per_second"] <= thrice["pairs_per_second_max"]
    assert thrice["f1"] == once["f1"]
