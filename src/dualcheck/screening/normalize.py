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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rigour.names import (
    extract_org_types,
    normalize_name,
    remove_org_types,
    remove_person_prefixes,
    replace_org_types_compare,
)
from rigour.text import ascii_text, metaphone
from rigour.text.scripts import text_scripts

from dualcheck.errors import BadInput

MAX_NAME_LENGTH = 500
PERSON_SCHEMAS = frozenset({"Person"})
# scripts written without (most) vowels: their transliterations are compared by consonant skeleton
ABJAD_SCRIPTS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_VOWELS = re.compile(r"[aeiouyw]+")


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


def _ascii_tokens(text: str) -> list[str]:
    if text.isascii():
        return _NON_WORD.sub(" ", text).split()
    return _NON_WORD.sub(" ", ascii_text(text).lower()).split()


@lru_cache(maxsize=1)
def legal_form_words() -> dict[str, str]:
    path = Path(__file__).resolve().parent / "data" / "legal_forms.yaml"
    return {str(k): str(v) for k, v in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


@lru_cache(maxsize=200_000)
def prepare_name(name: str, schema: str = "LegalEntity") -> PreparedName:
    """Normalise one name for the given followthemoney schema (cached: lists repeat names)."""
    text = clean_text(name)[:MAX_NAME_LENGTH]
    is_person = schema in PERSON_SCHEMAS
    if is_person:
        text = remove_person_prefixes(text)
    normal = normalize_name(text) or ""
    classes: set[str] = set()
    if not is_person and normal:
        found = extract_org_types(normal, generic=True)
        if found:
            classes = {target for _, target in found if target}
            # a name of nothing but legal forms ("OOO", "Limited Liability Company") has no name tokens
            only_forms = not remove_org_types(normal).strip()
            normal = "" if only_forms else replace_org_types_compare(normal, generic=True)
    tokens = _ascii_tokens(normal)
    if not is_person:
        extra = legal_form_words()
        classes |= {extra[t] for t in tokens if t in extra}
        tokens = [t for t in tokens if t not in classes and t not in extra]
    org_classes = tuple(sorted(classes))
    script_form = normal if normal and not normal.isascii() else None
    abjad = bool(script_form) and bool(text_scripts(normal) & ABJAD_SCRIPTS)
    return PreparedName(original=name, tokens=tuple(tokens), org_classes=org_classes, script_form=script_form,
                        abjad=abjad, person=is_person)


@lru_cache(maxsize=400_000)
def phonetic_key(token: str) -> str:
    """A phonetic key for typo- and transliteration-tolerant lookups ("" for digits/short tokens)."""
    if len(token) < 3 or not token.isalpha():
        return ""
    return metaphone(token)


@lru_cache(maxsize=400_000)
def skeleton(token: str) -> str:
    """Consonant skeleton: abjad transliterations (Arabic, Hebrew) carry no vowels."""
    return _VOWELS.sub("", token) if token.isalpha() else token
