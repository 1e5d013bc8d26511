"""Korean names in Hangul against their Latin spellings (North and South Korean conventions)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from dualcheck.screening import korean
from dualcheck.screening.evaluate import bench_pairs, read_cases
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.subjects import query_subject

KOREAN_PAIRS = Path(__file__).resolve().parents[1] / "benchmarks" / "screening" / "pairs_korean.csv"


def _score(a: str, b: str, schema: str = "Person") -> tuple[float, str]:
    scored = default_scorer().score(query_subject(a, schema=schema), query_subject(b, schema=schema))
    return scored.score, scored.query_name


def test_syllables_are_read_one_by_one_in_the_north_korean_spelling() -> None:
    assert korean.romanise("김정은") == "kim jong un"
    assert korean.romanise("최룡해") == "choe ryong hae"
    assert korean.romanise("Kim 여정") == "Kim yo jong"  # other characters are kept
    assert korean.romanise("박근혜", "rr") == "bak geun hye"


def test_readings_give_south_korean_spellings_with_the_usual_surnames() -> None:
    assert korean.readings("김정은")[0] == "kim jong un"
    assert "park geun hye" in korean.readings("박근혜")
    assert "lee myung bak" in korean.readings("이명박")
    assert korean.readings("이명박")[0] == "yi myong pak"  # the surname is never a lone "i"
    assert "ri man gon" in korean.readings("리만건")  # inner consonant voiced
    assert korean.readings("영철 이")[0] == "yi yong chol"  # surname last, as Western forms write it
    assert korean.readings("Kim Jong Un") == ()
    assert korean.readings("삼성전자", person=False) == ("sam song jon ja", "sam seong jeon ja")


@given(st.integers(min_value=korean.FIRST, max_value=korean.LAST))
def test_every_hangul_syllable_reads_as_latin_letters(code: int) -> None:
    for style in ("mr", "rr"):
        reading = korean.romanise(chr(code), style)
        assert reading.isascii() and reading.isalpha()


def test_hangul_names_match_their_latin_spellings_and_not_their_relatives() -> None:
    threshold = default_scorer().config.threshold
    assert _score("김정은", "Kim Jong Un")[0] == 1.0
    assert _score("김정은", "KIM Jong-Un")[0] == 1.0
    score, shown = _score("박근혜", "Park Geun-hye")
    assert score >= threshold and shown == "박근혜 (park geun hye)"  # the explanation names the reading
    assert _score("김정은", "Kim Jong Nam")[0] < threshold
    assert _score("박근혜", "Park Chung-hee")[0] < threshold
    assert _score("김정은", "김정남")[0] < threshold
    # "yo jong" joined is not "yong", although the romanisation rules reduce both to "ong"
    assert _score("김여정", "Kim Yong Chol")[0] < threshold
    assert _score("Kim Yo Jong", "Kim Yong Chol")[0] < threshold


def test_the_korean_pair_set_scores_well() -> None:
    """The committed Korean set (52 pairs, written by hand from names on the lists and in the news)."""
    cases = read_cases(KOREAN_PAIRS)
    doc, _ = bench_pairs(cases, algorithm="dualcheck", threshold=default_scorer().config.threshold,
                         scorer=default_scorer())
    assert doc["n"] == 52 and doc["recall"] >= 0.95 and doc["precision"] >= 0.9
