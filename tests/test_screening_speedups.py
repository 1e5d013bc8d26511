"""Screening: the faster forms of the name preparation give exactly what the plain forms give.

Each fast path (a translation table instead of a regex, a rule loop skipped, a word list cut by
length) is compared with the straightforward definition it replaces, on generated tokens.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

from dualcheck.screening import normalize
from dualcheck.screening.normalize import legal_forms, romanisation_key, skeleton
from dualcheck.screening.scoring import Scorer
from dualcheck.screening.subjects import query_subject

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
