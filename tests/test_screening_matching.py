"""Screening: normalisation, name similarity and scoring (no database)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dualcheck.errors import BadInput
from dualcheck.screening.names import compare_names
from dualcheck.screening.normalize import prepare_name
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.subjects import query_subject

SCORER = default_scorer()
THRESHOLD = SCORER.config.threshold


def score(a: str, b: str, schema: str = "Person", **extra: str) -> float:
    return SCORER.score(query_subject(a, schema=schema, **extra), query_subject(b, schema=schema)).score


@pytest.mark.parametrize(("a", "b"), [
    ("Vladimir Putin", "PUTIN, Vladimir Vladimirovich"),      # word order, missing patronymic
    ("Vladimr Puttin", "Vladimir Putin"),                     # typos
    ("Владимир Путин", "Vladimir Putin"),                     # Cyrillic
    ("Mohammed Ali", "Muhammad Aly"),                         # transliteration variants
    ("Yevgeniy Murov", "Evgeny MUROV"),                       # romanisation conventions
    ("Osama bin Laden", "Usama bin Ladin"),
    ("Abd al-Qadir Mutni", "Abdalqadir Mutni"),               # tokens written together
    ("John Smith", "John William Smith"),                     # missing middle name
    ("Serhiy CHEREVKO", "Sergei CHEREVKO"),                   # Ukrainian and Russian form of one name
    ("Aleh Mikalaevich SHULIAKOUSKI", "Oleg Nikolaevich SHULIAKOUSKI"),  # Belarusian and Russian
    ("Saleh Mesfer Saleh AL SHAER", "صالح مسفر صالح الشاعر"),  # the Arabic article written onto the word
    ("Mayzar Abdu SAWAN", "ميزار عبد الصوان"),
    ("ISAM ALI MOHAMED ALOUCHE", "عصام علي محمد علوش"),           # ain read as a vowel
])
def test_name_variants_of_one_person_match(a: str, b: str) -> None:
    assert score(a, b) >= THRESHOLD


@pytest.mark.parametrize(("a", "b"), [
    ("George Bush", "George Habbash"),
    ("Claudia Sierra", "Claudia Guerra"),
    ("Ali", "Ali Mohammed Hassan"),                           # one common token is not a match
    ("Kim Jong Un", "Kim Jong Nam"),
    ("Hassan Rouhani", "Hassan Nasrallah"),
])
def test_different_people_with_similar_names_do_not_match(a: str, b: str) -> None:
    assert score(a, b) < THRESHOLD


def test_legal_forms_are_one_class_and_never_a_match_on_their_own() -> None:
    cyrillic, latin = prepare_name("ООО Ромашка", "Organization"), prepare_name("Romashka LLC", "Organization")
    assert cyrillic.org_classes == latin.org_classes == ("llc",)
    assert score("Romashka Limited Liability Company", "ООО Ромашка", "Organization") >= THRESHOLD
    assert score("CORP", "ACME CORP", "Organization") == 0.0
    assert score("OOO", "OOO Vasilek", "Organization") == 0.0
    assert score("Acme Trading LLC", "Apex Trading LLC", "Organization") < THRESHOLD
    # a misspelt legal form is still a legal form
    assert score("LIMITED LIABILIYT COMPANY INFERIT", "LIMITED LIABILITY COMPANY INFERIT", "Organization") >= 0.95


def test_qualifiers_move_the_score_and_explain_themselves() -> None:
    listed = query_subject("Ivan Petrov", schema="Person", birth_date="1970-05-01", country="RU")
    same = SCORER.score(query_subject("Ivan Petrov", schema="Person", birth_date="1970-05-01", country="ru"), listed)
    other = SCORER.score(query_subject("Ivan Petrov", schema="Person", birth_date="1985", country="FR"), listed)
    assert same.score > other.score
    features = {c.feature: c for c in other.explanation}
    assert features["dob_year_disjoint"].contribution < 0 and features["country_mismatch"].contribution < 0
    assert "1985" in features["dob_year_disjoint"].detail
    vessel = SCORER.score(query_subject("Ivan Petrov", schema="Vessel"), listed)
    assert vessel.score == 0.0  # a person is never a vessel


def test_identifiers_decide() -> None:
    listed = query_subject("Golden Star", schema="Vessel", identifiers=["IMO 9187629"])
    assert SCORER.score(query_subject("Sea Breeze", schema="Vessel", identifiers=["IMO9187629"]), listed).score >= 0.95
    different = SCORER.score(query_subject("Golden Star", schema="Vessel", identifiers=["IMO 1234567"]), listed)
    assert different.score < THRESHOLD


@pytest.mark.parametrize("bad", ["", "   ", "\t\n", "x" * 10_000])
def test_unusable_names_are_bad_input(bad: str) -> None:
    with pytest.raises(BadInput, match="name"):
        query_subject(bad)


def test_other_bad_fields_name_the_field() -> None:
    with pytest.raises(BadInput, match="schema"):
        query_subject("Acme", schema="Spaceship")
    with pytest.raises(BadInput, match="country"):
        query_subject("Acme", country="Atlantis")
    with pytest.raises(BadInput, match="birth_date"):
        query_subject("Acme", birth_date="01/02/1970")


def test_control_characters_and_mixed_scripts_give_sane_results() -> None:
    assert prepare_name("Vladimir\x00\x07 Putin\u200b", "Person").tokens == ("vladimir", "putin")
    assert 0.0 <= score("Vladimir Путин", "Vladimir Putin") <= 1.0
    assert score("Vladimir Путин", "Vladimir Putin") >= THRESHOLD


names = st.lists(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Zs", "Pd")), min_size=1,
                         max_size=12), min_size=1, max_size=5).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(names, names)
@example("AAAAAAØĿ", "A AAAAAAOA")  # tokens written together on both sides: merges ranked side-blind
def test_name_score_is_bounded_and_symmetric(a: str, b: str) -> None:
    pa, pb = prepare_name(a, "Person"), prepare_name(b, "Person")
    ab = compare_names(pa, pb, SCORER.weights, SCORER.params).score
    ba = compare_names(pb, pa, SCORER.weights, SCORER.params).score
    assert 0.0 <= ab <= 1.0
    assert ab == pytest.approx(ba)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Vladimir", "Putin", "Müller", "José", "Zoë", "Ángel", "Dmitri", "Øster", "Chloé"]),
                min_size=1, max_size=4, unique=True), st.randoms())
def test_case_accents_and_order_do_not_change_the_score(tokens: list[str], rnd) -> None:  # type: ignore[no-untyped-def]
    listed = " ".join(tokens)
    shuffled = tokens[:]
    rnd.shuffle(shuffled)
    variant = unicodedata.normalize("NFKD", " ".join(shuffled).upper())
    variant = "".join(ch for ch in variant if not unicodedata.combining(ch))
    assert score(variant, listed) == pytest.approx(score(listed, listed))


def test_cross_script_reference_pairs(data_dir: Path) -> None:
    """The cross-script pairs shipped with the data: Cyrillic, Hangul and Chinese names of several
    tokens must reach their minimum. The misses are known: single-token names are held low on
    purpose (Abdullah, David, Moshe), kanji and hanja need a dictionary (山田太郎, 金正恩)."""
    rows = [r for r in csv.reader((data_dir / "eval" / "screening" / "cross_script_pairs.csv").open(encoding="utf-8"))
            if r and not r[0].startswith("#") and len(r) >= 3]
    assert len(rows) == 22
    reached = {query for query, expected, minimum, *_ in rows if score(query, expected) >= float(minimum)}
    must = {"Владимир Путин", "Иван Иванов", "Александр Петров", "Дмитрий Медведев", "김정은", "박지성", "이민호",
            "李明", "习近平", "王伟", "Νικόλαος", "خالد محمود"}
    assert must <= reached, sorted(must - reached)


def test_given_name_groups_are_data_and_do_not_overlap() -> None:
    from dualcheck.screening.names import given_name_groups

    groups = given_name_groups()
    assert groups["uladzimir"] == groups["volodymyr"] == groups["vladimir"]
    assert groups["aleh"] == groups["oleg"] != groups["olga"]
    assert "alexander" in groups and "sasha" not in groups  # forms of one name, not nicknames
