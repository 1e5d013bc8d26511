"""Name normalisation for screening: one prepared form per name, computed once.

A name is casefolded and tokenised (rigour), legal forms of organisations are replaced by their
generic class (``OOO``, ``LLC``, ``Limited Liability Company`` all become ``llc``) so that they
compare equal without carrying a match on their own, person prefixes ("Mr", "Dr") are dropped,
and every token is transliterated to ASCII. Tokens in a non-Latin script are kept as well so
that two names written in the same script can be compared in that script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from operator import methodcaller
from pathlib import Path

import normality
import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA
from rigour._core import person_name_prefixes_list
from rigour.names import (
    extract_org_types,
    remove_org_types,
    remove_person_prefixes,
    replace_org_types_compare,
)
from rigour.text import ascii_text, metaphone
from rigour.text.normalize import Normalize, normalize
from rigour.text.scripts import text_scripts

from dualcheck.errors import BadInput
from dualcheck.screening import korean

MAX_NAME_LENGTH = 500
# what rigour's normalize_name does, without building the flags on every call
_NAME_FLAGS = Normalize.CASEFOLD | Normalize.NAME
PERSON_SCHEMAS = frozenset({"Person"})
CRAFT_SCHEMAS = frozenset({"Vessel", "Airplane"})  # names without legal forms ("Baltic Leader II")
# scripts written without (most) vowels: their transliterations are compared by consonant skeleton
ABJAD_SCRIPTS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
# the same on ASCII text as a table (a third of the regex's cost): every other ASCII character is a separator
_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if _NON_WORD.fullmatch(chr(c))})
_VOWELS = re.compile(r"[aeiouyw]+")
_DOUBLED = re.compile(r"(.)\1+")
# a function, not the template r"\1": re expands a template in Python on every match, five times slower
_FIRST_GROUP = methodcaller("group", 1)


@dataclass(frozen=True, slots=True)
class PreparedName:
    """A name ready for comparison: ASCII tokens, legal-form classes, original-script form."""

    original: str
    tokens: tuple[str, ...]
    org_classes: tuple[str, ...]
    script_form: str | None
    abjad: bool = False
    person: bool = False

    @property
    def compact(self) -> str:
        return "".join(self.tokens)

    def __bool__(self) -> bool:
        return bool(self.tokens or self.org_classes)


def clean_text(text: str) -> str:
    """Drop control characters and squash whitespace; keeps letters of every script."""
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return " ".join(text.split())


def validate_name(name: object, *, field: str = "name") -> str:
    """The cleaned name, or BadInput naming the field when it is unusable."""
    if not isinstance(name, str):
        raise BadInput("must be a text", location=field)
    cleaned = clean_text(name)
    if not cleaned:
        raise BadInput("is empty", location=field)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise BadInput(f"is longer than {MAX_NAME_LENGTH} characters ({len(cleaned)})", location=field)
    return cleaned


# Cyrillic in the common English romanisation (Шевченко -> shevchenko), as rigour spells it. A
# table, because transliterating each new Cyrillic name through ICU costs a third of a millisecond,
# and Cyrillic is most of the non-Latin names on the lists; other scripts go through rigour.
_CYRILLIC = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u", "ђ": "dj", "ј": "j",
    "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
})
_CYRILLIC_OR_ASCII = re.compile(r"^[\x00-\x7f\u0400-\u04ff]*$")


_LATIN_SPECIALS = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "đ": "d", "ł": "l", "ı": "i", "þ": "th",
                                  "œ": "oe", "ð": "d", "ŋ": "ng", "ħ": "h"})
# rigour romanises these scripts itself; any other script goes straight to ICU (normality), which
# is what rigour would fall back to after a slow first pass
_RIGOUR_SCRIPTS = frozenset({"Greek", "Armenian", "Georgian"})
_URDU = str.maketrans({"\u0679": "t", "\u0688": "d", "\u0691": "r"})
_URDU_LETTERS = re.compile("[\u0679\u0688\u0691]")


def _to_ascii(text: str) -> str:
    if _CYRILLIC_OR_ASCII.match(text):
        latin = text.translate(_CYRILLIC)
        if latin.isascii():
            return latin
    if all(ch < "\u0250" or "\u1e00" <= ch <= "\u1eff" for ch in text):  # Latin with diacritics
        stripped = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
        latin = stripped.translate(_LATIN_SPECIALS)
        if latin.isascii():
            return latin
    if korean.has_hangul(text):  # syllable by syllable, as Korean names are written in Latin letters
        text = korean.romanise(text)
        if text.isascii():
            return text
    if text_scripts(text) & _RIGOUR_SCRIPTS:
        return ascii_text(text).lower()
    if "\u0639" in text:  # ain: ICU writes it as a mark that is lost; Latin spellings write a vowel (Abd, Ali, Omar)
        text = text.replace("\u0639", "a")
    if _URDU_LETTERS.search(text):  # Urdu's retroflex letters, which ICU drops (انڈس / Indus, ٹیکنیکل / Technical)
        text = text.translate(_URDU)
    return normality.ascii_text(text).lower()


def _ascii_tokens(text: str) -> list[str]:
    latin = text if text.isascii() else _to_ascii(text)
    if latin.isascii():
        return latin.translate(_ASCII_NON_WORD).split()
    return _NON_WORD.sub(" ", latin).split()


@dataclass(frozen=True)
class LegalForms:
    words: dict[str, str]
    written_together: tuple[tuple[str, str], ...]  # longest first
    correctable: tuple[str, ...]
    # the written-together forms an ASCII name can contain (none today: they are Chinese, Japanese, Korean)
    written_together_ascii: tuple[tuple[str, str], ...] = ()
    # generic words in other languages and scripts -> the English word: single words, phrases by their
    # first word (longest first), the first words of both (a name with none of them is left alone), and
    # the words of scripts written without spaces
    generic_words: dict[str, str] = field(default_factory=dict)
    generic_phrases: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = field(default_factory=dict)
    generic_heads: frozenset[str] = frozenset()
    generic_together: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=1)
def legal_forms() -> LegalForms:
    path = Path(__file__).resolve().parent / "data" / "legal_forms.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    together = sorted(((str(k), str(v)) for k, v in doc["written_together"].items()), key=lambda kv: -len(kv[0]))
    single: dict[str, str] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for written, meaning in (doc.get("generic_words") or {}).items():
        words = tuple(str(written).split())
        if len(words) == 1:
            single[words[0]] = str(meaning)
        else:
            phrases.setdefault(words[0], []).append((words, str(meaning)))
    generic_together = sorted(((str(k), str(v)) for k, v in (doc.get("generic_written_together") or {}).items()),
                              key=lambda kv: -len(kv[0]))
    return LegalForms(words={str(k): str(v) for k, v in doc["words"].items()}, written_together=tuple(together),
                      correctable=tuple(str(w) for w in doc["correctable"]),
                      written_together_ascii=tuple((w, f) for w, f in together if w.isascii()),
                      generic_words=single,
                      generic_phrases={k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in phrases.items()},
                      generic_heads=frozenset(single) | frozenset(phrases), generic_together=tuple(generic_together))


def _translate_generic(normal: str, forms: LegalForms) -> str:
    """Generic words of other languages ("شركة", "торговая", "贸易") replaced by the English word they mean."""
    if not normal.isascii():
        for written, meaning in forms.generic_together:
            if written in normal:
                normal = normal.replace(written, meaning)
        normal = " ".join(normal.split())
    tokens = normal.split(" ")
    if forms.generic_heads.isdisjoint(tokens):
        return normal
    out, i = [], 0
    while i < len(tokens):
        token = tokens[i]
        for phrase, meaning in forms.generic_phrases.get(token, ()):
            if tuple(tokens[i:i + len(phrase)]) == phrase:
                out.append(meaning)
                i += len(phrase)
                break
        else:
            out.append(forms.generic_words.get(token, token))
            i += 1
    return " ".join(out)


def _correct_legal_words(normal: str, forms: LegalForms) -> str:
    """Misspelt legal-form words ("liabiliyt") back to their spelling, so the legal form is recognised."""
    return " ".join(_corrected(token) for token in normal.split(" "))


@lru_cache(maxsize=100_000)
def _corrected(token: str) -> str:
    if token in _correctable_set() or not token.isascii() or not token.isalpha():
        return token
    if len(token) == 5:
        # five letters: only swapped letters ("jiont"), a substitution would turn "point" into "joint"
        swapped = [w for w in _five_letter_anagrams().get("".join(sorted(token)), ()) if OSA.distance(w, token) == 1]
        return swapped[0] if swapped else token
    if len(token) >= 6:
        cutoff = 1 if len(token) < 9 else 2
        found = process.extractOne(token, _correctable_near(len(token), cutoff), scorer=OSA.distance,
                                   score_cutoff=cutoff)
        if found is not None:
            return str(found[0])
    return token


@lru_cache(maxsize=1)
def _correctable_set() -> frozenset[str]:
    return frozenset(legal_forms().correctable)


@lru_cache(maxsize=1)
def _five_letter_anagrams() -> dict[str, tuple[str, ...]]:
    """Five-letter correctable words by their sorted letters (in the configured order)."""
    found: dict[str, tuple[str, ...]] = {}
    for word in legal_forms().correctable:
        if len(word) == 5:
            key = "".join(sorted(word))
            found[key] = (*found.get(key, ()), word)
    return found


@lru_cache(maxsize=64)
def _correctable_near(length: int, edits: int) -> tuple[str, ...]:
    """The correctable words a token of this length can reach within the edits: each edit changes the
    length by one at most, so the others need not be compared (same order, so the same choice)."""
    return tuple(w for w in legal_forms().correctable if abs(len(w) - length) <= edits)


@lru_cache(maxsize=1)
def _prefix_heads() -> frozenset[str]:
    """First words of the honorifics rigour removes ("Mr", "Dr", "His Excellency"): most names
    start with none of them, and the removal regex is slow."""
    return frozenset(p.split()[0].strip(".").casefold() for p in person_name_prefixes_list() if p.split())


@lru_cache(maxsize=200_000)
def prepare_name(name: str, schema: str = "LegalEntity") -> PreparedName:
    """Normalise one name for the given followthemoney schema (cached: lists repeat names)."""
    text = clean_text(name)[:MAX_NAME_LENGTH]
    is_person = schema in PERSON_SCHEMAS
    if is_person and text.split(" ", 1)[0].strip(".").casefold() in _prefix_heads():
        text = remove_person_prefixes(text)
    normal = normalize(text, _NAME_FLAGS) or ""
    classes: set[str] = set()
    forms = legal_forms()
    if not is_person and normal and schema not in CRAFT_SCHEMAS:
        for written, form in forms.written_together if not normal.isascii() else forms.written_together_ascii:
            if written in normal:
                normal = normal.replace(written, " ").strip()
                classes.add(form)
        if normal.isascii() and _GLUED_LEGAL_FORM.search(normal):
            normal = _GLUED_LEGAL_FORM.sub(r"\1 \2", normal)  # "boschgmbh" -> "bosch gmbh"
        normal = _translate_generic(normal, forms)
        normal = _correct_legal_words(normal, forms)
        found = extract_org_types(normal, generic=True)
        if found:
            classes |= {target for _, target in found if target}
            # a name of nothing but legal forms ("OOO", "Limited Liability Company") has no name tokens
            only_forms = not remove_org_types(normal).strip()
            normal = "" if only_forms else replace_org_types_compare(normal, generic=True)
    tokens = _ascii_tokens(normal)
    if any(not t.isalpha() for t in tokens):
        tokens = [_DIGIT_IN_WORD.sub(_digit_as_letter, t) if not t.isdigit() else t for t in tokens]
    if is_person and len(tokens) > 2 and not _NASAB_WORDS.keys().isdisjoint(tokens[1:-1]):
        tokens = [tokens[0], *(_NASAB_WORDS.get(t, t) for t in tokens[1:-1]), tokens[-1]]  # ibn, bint, b. -> bin
    if not is_person:
        tokens = canonical_words(tokens)
        extra = forms.words
        classes |= {extra[t] for t in tokens if t in extra}
        tokens = [t for t in tokens if t not in classes and t not in extra]
    org_classes = tuple(sorted(classes))
    script_form = normal if normal and not normal.isascii() else None
    abjad = bool(script_form) and bool(text_scripts(normal) & ABJAD_SCRIPTS)
    return PreparedName(original=name, tokens=tuple(tokens), org_classes=org_classes, script_form=script_form,
                        abjad=abjad, person=is_person)


# a legal form written onto the name before it ("BoschGmbH"): only forms no ordinary word ends with
_GLUED_LEGAL_FORM = re.compile(r"\b([a-z]{3,})(gmbh|llc|ltd|plc|ooo|oao|pjsc)\b")
# "son of" / "daughter of" in Arabic names and their Malay forms, read as one word between two names
_NASAB_WORDS = {"ibn": "bin", "bint": "bin", "binti": "bin", "bte": "bin"}
# a digit written for the letter it resembles, between two letters ("Dm1try", "M0hammed")
_DIGIT_IN_WORD = re.compile(r"(?<=[a-z])[013457]+(?=[a-z])")
_DIGIT_LETTERS = str.maketrans("013457", "oieast")
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
WORD_FORMS_FILE = Path(__file__).resolve().parent / "data" / "word_forms.yaml"


def _digit_as_letter(found: re.Match[str]) -> str:
    return found.group(0).translate(_DIGIT_LETTERS)


@lru_cache(maxsize=1)
def word_forms() -> dict[str, str]:
    """Word -> canonical form (sector words, abbreviations, number words as digits: data file)."""
    doc = yaml.safe_load(WORD_FORMS_FILE.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for section in ("sector", "abbreviations", "numbers"):
        for word, form in doc[section].items():
            table[str(word)] = str(form)
    return table


_ROMAN = re.compile(r"^(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
# what follows a number written as digits in an ordinal ("1-ya", "2-oy" in Russian), and signs before one
_ORDINAL_ENDINGS = frozenset({"ya", "yy", "yi", "ye", "oye", "oy", "iy", "go", "er", "re", "eme"})
_NUMBER_SIGN_GLUED = re.compile(r"^(?:no|nr)(\d+)$")
_NUMBER_SIGNS = frozenset({"no", "nr", "nos", "num", "number"})


def _roman_value(numeral: str) -> int:
    values = [_ROMAN_VALUES[ch] for ch in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


@lru_cache(maxsize=1)
def country_words() -> frozenset[str]:
    """Country names of one word, in English (rigour's territories) and in their own languages
    (word_forms.yaml, national): in a company name they mark a national subsidiary."""
    from rigour.territories import get_territories
    doc = yaml.safe_load(WORD_FORMS_FILE.read_text(encoding="utf-8"))
    english = {t.name.casefold() for t in get_territories() if t.is_country and " " not in t.name}
    return frozenset(english | {str(w) for w in doc.get("national") or ()})


def canonical_words(tokens: list[str]) -> list[str]:
    """Organisation and vessel name words in their canonical form: "Intl" -> international,
    "Airlines" -> air, "Twenty-First" / "21st" -> 21, "Seven" -> 7."""
    table = word_forms()
    out: list[str] = []
    for position, token in enumerate(tokens):
        word = table.get(token, token)
        if position and word is token and len(token) <= 7 and _ROMAN.match(token):
            word = str(_roman_value(token))  # "Marine Vega XXI" -> 21 (never the first word: "Li", "Vi")
        if word is token and (m := _NUMBER_SIGN_GLUED.match(token)):
            word = m.group(1)  # "No.8" -> 8
        if out and out[-1].isdigit() and word in _ORDINAL_ENDINGS:
            continue  # "1-ya" -> 1
        if word in _NUMBER_SIGNS and position + 1 < len(tokens) and tokens[position + 1][0].isdigit():
            continue  # "No. 8" -> 8
        if word[0].isdigit() and not word.isdigit() and (m := _ORDINAL_DIGITS.match(word)):
            word = m.group(1)
        if word.isdigit() and out and out[-1].isdigit():
            before, now = int(out[-1]), int(word)
            if before >= 20 and before % 10 == 0 and before < 100 and now < 10 and token != word:
                out[-1] = str(before + now)  # "twenty one" -> 21
                continue
            if 0 < before < 10 and now in (100, 1000) and token != word:
                out[-1] = str(before * now)  # "three hundred" -> 300
                continue
            if before >= 100 and before % 100 == 0 and now < 100 and token != word:
                out[-1] = str(before + now)  # "three hundred twenty" -> 320
                continue
        out.append(word)
    return out


_TRAILING_BRACKET = re.compile(r"^(.*\S)\s*\(\s*([A-Za-z][A-Za-z.&-]{1,9})\s*\)\s*$")


def without_acronym(name: str) -> str | None:
    """The name without an acronym written after it in brackets ("Rosoboronexport OJSC (ROE)"),
    or None. An acronym is one upper-case word whose letters appear, in order, in the name and
    start with its first letter; any other bracket ("(Deutschland)", "(UK)") is part of the name."""
    found = _TRAILING_BRACKET.match(name)
    if found is None:
        return None
    rest, short = found.group(1), found.group(2).replace(".", "").replace("&", "").replace("-", "")
    if not short.isupper() or len(short) < 2:
        return None
    letters = iter(ch for ch in rest.casefold() if ch.isalpha())
    if rest[:1].casefold() != short[0].casefold() or not all(ch in letters for ch in short.casefold()):
        return None
    return rest


@lru_cache(maxsize=200_000)
def prepared_forms(name: str, schema: str = "LegalEntity") -> tuple[PreparedName, ...]:
    """The prepared name and, for a name in Hangul, its Latin readings (see korean.py): a
    person's name takes the main reading's tokens, and each further reading is shown as the
    name with the reading in brackets."""
    main = prepare_name(name, schema)
    if "(" in name and (short := without_acronym(name)) is not None:
        plain = prepare_name(short, schema)
        if plain.tokens and plain.tokens != main.tokens:
            return (main, PreparedName(original=name, tokens=plain.tokens, org_classes=plain.org_classes,
                                       script_form=plain.script_form, abjad=plain.abjad, person=plain.person))
    if name.isascii() or not korean.has_hangul(name):
        return (main,)
    forms: list[PreparedName] = []
    for i, reading in enumerate(korean.readings(clean_text(name), schema in PERSON_SCHEMAS)):
        form = prepare_name(reading, schema)
        if i == 0 and main.person:  # the surname-aware reading replaces the syllable-by-syllable one
            main = PreparedName(original=name, tokens=form.tokens, org_classes=main.org_classes,
                                script_form=main.script_form, person=True)
        elif form.tokens and all(form.tokens != f.tokens for f in (main, *forms)):
            forms.append(PreparedName(original=f"{name} ({reading})", tokens=form.tokens,
                                      org_classes=main.org_classes or form.org_classes,
                                      script_form=main.script_form, person=form.person))
    return (main, *forms)


@lru_cache(maxsize=400_000)
def phonetic_key(token: str) -> str:
    """A phonetic key for typo- and transliteration-tolerant lookups ("" for digits/short tokens)."""
    if len(token) < 3 or not token.isalpha():
        return ""
    return metaphone(token)


@lru_cache(maxsize=400_000)
def skeleton(token: str) -> str:
    """Consonant skeleton: abjad transliterations (Arabic, Hebrew) carry no vowels nor doubled letters."""
    if not token.isalpha():
        return token
    return _DOUBLED.sub(_FIRST_GROUP, _VOWELS.sub("", token))


# Spellings that differ only by romanisation convention (Yevgeniy / Evgeny, Mikhail / Michail,
# Shevchenko / Schewtschenko, Yusuf / Jusuf) share this key; the order of the rules matters.
_ROMANISATION = (
    ("shch", "sh"), ("tsch", "ch"), ("sch", "sh"), ("tch", "ch"), ("kh", "h"), ("ch", "h"), ("zh", "j"),
    ("dj", "j"), ("dzh", "j"), ("ph", "f"), ("ck", "k"), ("gh", "q"), ("q", "k"), ("w", "v"), ("ts", "c"), ("tz", "c"),
    ("ou", "u"), ("oo", "u"), ("ee", "i"), ("iy", "i"), ("yi", "i"), ("ij", "i"), ("ye", "e"), ("yu", "u"),
    ("ju", "u"), ("ya", "a"), ("ja", "a"), ("yo", "o"), ("jo", "o"), ("y", "i"), ("j", "i"), ("x", "ks"),
)


# a token none of the rules applies to skips the loop (no rule can then apply after another)
_ANY_ROMANISATION = re.compile("|".join(re.escape(old) for old, _ in _ROMANISATION))


@lru_cache(maxsize=400_000)
def romanisation_key(token: str) -> str:
    if not token.isalpha():
        return token
    key = token
    if _ANY_ROMANISATION.search(key) is None:
        return _DOUBLED.sub(_FIRST_GROUP, key)
    for old, new in _ROMANISATION:
        if old in key:
            key = key.replace(old, new)
    return _DOUBLED.sub(_FIRST_GROUP, key)
