"""Korean names in Hangul, read the ways they are written in Latin letters.

Hangul syllables are decomposed arithmetically (Unicode composes each syllable from an initial,
a vowel and an optional final), so no dictionary is needed. A name is romanised syllable by
syllable, one token per syllable, because Latin spellings split or join the syllables of a given
name freely ("Kim Jong Un", "Kim Jong-un", "Kim Jongun"; the name comparison joins adjacent
tokens).

The main reading follows McCune-Reischauer without diacritics, as North Korean names appear on
the sanctions lists (김정은 -> kim jong un, 리설주 -> ri sol ju, 최룡해 -> choe ryong hae).
South Korean names are mostly spelt otherwise, so ``readings`` adds readings in the Revised
Romanisation and in the popular South Korean spelling (박근혜 -> park geun hye, 이명박 -> lee
myung bak), each with the usual spellings of the surname. The surname is the first syllable, or
a one-syllable word when the name is written in two words ("영철 이"); two-syllable surnames
such as 남궁 are read syllable by syllable like any other.
"""

from __future__ import annotations

from functools import lru_cache

FIRST, LAST = 0xAC00, 0xD7A3
N_VOWELS, N_FINALS = 21, 28

# McCune-Reischauer without diacritics (ŏ -> o, ŭ -> u), initial-position consonants, as the DPRK spells
_MR_INITIALS = ("k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "kh", "th", "ph", "h")
_MR_VOWELS = ("a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
              "yu", "u", "ui", "i")
# Revised Romanisation (South Korea's official system since 2000)
_RR_INITIALS = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h")
_RR_VOWELS = ("a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
              "yu", "eu", "ui", "i")
# finals as they sound at the end of a syllable (both systems agree on these)
_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
           "ng", "t", "t", "k", "t", "p", "t")

# Usual Latin spellings of common surnames (first the most frequent), used by the further readings
SURNAMES: dict[str, tuple[str, ...]] = {
    "김": ("kim", "gim"), "이": ("lee", "yi", "rhee"), "리": ("ri", "lee"), "박": ("park", "pak", "bak"),
    "최": ("choi", "choe"), "정": ("jung", "chung", "jeong", "jong"), "강": ("kang",), "조": ("cho", "jo"),
    "윤": ("yoon", "yun"), "장": ("jang", "chang"), "임": ("lim", "im"), "림": ("rim", "lim"), "한": ("han",),
    "오": ("oh", "o"), "서": ("seo", "suh", "so"), "신": ("shin", "sin"), "권": ("kwon",), "황": ("hwang",),
    "안": ("ahn", "an"), "송": ("song",), "류": ("ryu", "yoo"), "유": ("yoo", "yu"), "홍": ("hong",),
    "전": ("jeon", "chun", "jon"), "고": ("ko", "go"), "문": ("moon", "mun"), "양": ("yang",), "손": ("son", "sohn"),
    "배": ("bae", "pae"), "백": ("baek", "paek"), "허": ("heo", "huh", "ho"), "노": ("noh", "roh", "no"),
    "로": ("ro",), "남": ("nam",), "심": ("shim", "sim"), "하": ("ha",), "곽": ("kwak",), "성": ("sung", "song"),
    "차": ("cha",), "주": ("joo", "ju", "chu"), "우": ("woo", "u"), "구": ("koo", "ku"), "민": ("min",),
    "진": ("jin", "chin"), "지": ("ji", "chi"), "엄": ("um", "eom"), "채": ("chae",), "원": ("won",),
    "천": ("cheon", "chun"), "방": ("bang", "pang"), "공": ("kong",), "현": ("hyun", "hyon"), "함": ("ham",),
    "변": ("byun", "pyon"), "염": ("yeom", "yom"), "여": ("yeo", "yo"), "추": ("choo", "chu"), "도": ("do", "to"),
    "석": ("seok", "suk"), "선": ("sun", "son"), "설": ("seol", "sol"), "길": ("gil", "kil"), "연": ("yeon", "yon"),
    "표": ("pyo",), "명": ("myung", "myong"), "기": ("ki", "gi"), "반": ("ban", "pan"), "왕": ("wang",),
    "금": ("keum", "kum"), "옥": ("ok",), "육": ("yook", "yuk"), "인": ("in",), "제": ("je", "che"),
    "탁": ("tak",), "국": ("kook", "kuk"), "태": ("tae", "thae"), "계": ("kye", "gye"), "량": ("ryang", "yang"),
}


def has_hangul(text: str) -> bool:
    return any(FIRST <= ord(ch) <= LAST for ch in text)


def _parts(syllable: str) -> tuple[int, int, int]:
    code = ord(syllable) - FIRST
    return code // (N_VOWELS * N_FINALS), (code // N_FINALS) % N_VOWELS, code % N_FINALS


def _syllable(syllable: str, initials: tuple[str, ...], vowels: tuple[str, ...]) -> str:
    lead, vowel, final = _parts(syllable)
    return initials[lead] + vowels[vowel] + _FINALS[final]


def _popular(syllable: str, long_u: bool = False) -> str:
    """The popular South Korean spelling of a given-name syllable: RR with "eo" written "u"
    (명 myung, 현 hyun, 성 sung), 영 as "young" and 의 as "eui"; with ``long_u`` an open "u"
    is written "oo" (무 moo, 수 soo, 주 joo)."""
    if syllable == "영":
        return "young"
    if syllable == "의":
        return "eui"
    lead, vowel, final = _parts(syllable)
    spelt = _RR_INITIALS[lead] + _RR_VOWELS[vowel].replace("eo", "u") + _FINALS[final]
    return spelt[:-1] + "oo" if long_u and not final and spelt.endswith("u") and not spelt.endswith("eu") else spelt


_VOICED = {"k": "g", "t": "d", "p": "b"}  # initials voiced after a vowel or a voiced final, inside a given name


def _mr_given(given: str) -> str:
    """A given name in McCune-Reischauer with its inner consonants voiced (리만건 -> man gon)."""
    out: list[str] = []
    previous_final = -1
    for ch in given:
        if not FIRST <= ord(ch) <= LAST:
            out.append(ch)
            previous_final = -1
            continue
        lead, vowel, final = _parts(ch)
        initial = _MR_INITIALS[lead]
        if out and previous_final >= 0 and _FINALS[previous_final] in ("", "n", "m", "ng", "l"):
            initial = _VOICED.get(initial, initial)
        out.append(initial + _MR_VOWELS[vowel] + _FINALS[final])
        previous_final = final
    return " ".join(out)


def romanise(text: str, style: str = "mr") -> str:
    """Every Hangul syllable as a separate Latin token; other characters kept as they are."""
    initials, vowels = (_MR_INITIALS, _MR_VOWELS) if style == "mr" else (_RR_INITIALS, _RR_VOWELS)
    out: list[str] = []
    for ch in text:
        if FIRST <= ord(ch) <= LAST:
            out.append(" " + _syllable(ch, initials, vowels) + " ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _split(words: list[str]) -> tuple[str, str, list[str]] | None:
    """Surname, given name and the other words of a person's name. The surname is a one-syllable
    Hangul word that is a known surname when the name has more than one Hangul word ("영철 이",
    as Western forms write it), else the first syllable of the first Hangul word ("김정은")."""
    hangul = [i for i, w in enumerate(words) if all(FIRST <= ord(ch) <= LAST for ch in w)]
    if not hangul:
        return None
    alone = [i for i in hangul if len(words[i]) == 1 and words[i] in SURNAMES]
    if len(hangul) > 1 and alone:
        at = alone[0]
        return words[at], "".join(words[i] for i in hangul if i != at), [w for i, w in enumerate(words)
                                                                        if i not in hangul]
    at = hangul[0]
    return words[at][0], words[at][1:], [w for i, w in enumerate(words) if i != at]


@lru_cache(maxsize=10_000)
def readings(name: str, person: bool = True) -> tuple[str, ...]:
    """The Latin readings of a name in Hangul, the main one first (none for a name without Hangul).

    A person's name is read surname first: the main reading in McCune-Reischauer as the DPRK
    spells names (이 as "yi", not a lone "i"); then each of the surname's (up to three) usual
    spellings with the given name in the popular South Korean spelling (two ways), in the Revised
    Romanisation and in McCune-Reischauer with voiced inner consonants. Other names: the main
    reading and the Revised Romanisation.
    """
    if not has_hangul(name):
        return ()
    split = _split(name.split()) if person else None
    if split is None:
        return tuple(dict.fromkeys((romanise(name), romanise(name, "rr"))))
    surname, given, others = split
    main_surname = "yi" if surname == "이" else _syllable(surname, _MR_INITIALS, _MR_VOWELS)
    found: dict[str, None] = {romanise(" ".join([main_surname, given, *others])): None}
    spellings = SURNAMES.get(surname) or (_syllable(surname, _RR_INITIALS, _RR_VOWELS),)
    given_forms = (" ".join(_popular(ch) for ch in given), " ".join(_popular(ch, True) for ch in given),
                   romanise(given, "rr"), _mr_given(given))
    for spelling in spellings[:3]:
        for given_form in given_forms:
            found[romanise(" ".join([spelling, given_form, *others]), "rr")] = None
    return tuple(found)
