"""Text as people type it: one normal form before any classification or parameter parsing.

Data sheets mix keyboards and code pages: the micro sign µ (U+00B5, a German keyboard's AltGr+m)
and the Greek μ (U+03BC); superscript exponents (m³/h, ×10⁻⁹); the ohm sign Ω (U+2126); "≤",
"=<", "+/-"; non-breaking and thin spaces; typographic dashes and quotes. `normalise` maps all of
them onto one spelling that the unit table and the criterion patterns know: NFKC first (which
folds super/subscripts, the ohm sign and the compatibility spaces), then the micro sign, minus
signs, dashes, quotes and the ASCII spellings of comparison and plus-minus signs.
"""

from __future__ import annotations

import re
import unicodedata

_REPLACEMENTS = [
    ("μ", "µ"),  # NFKC turns the micro sign into Greek mu; the unit table spells both as the micro sign
    ("\u2212", "-"), ("\u2010", "-"), ("\u2011", "-"), ("\u2012", "-"),  # minus sign, hyphens
    ("\u2013", "–"), ("\u2014", "–"),  # en and em dash: kept as one dash (ranges "8–14 µm")
    ("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u201e", '"'), ("«", '"'), ("»", '"'),
    ("\u00d7", "×"), ("\u2215", "/"), ("\u2044", "/"),  # fraction slash
    ("\u00b7", "·"), ("\u2022", "·"),
]
_ASCII_SIGNS = [
    (re.compile(r"\+\s*/\s*-"), "±"), (re.compile(r">\s*="), "≥"), (re.compile(r"=\s*>"), "≥"),
    (re.compile(r"<\s*="), "≤"), (re.compile(r"=\s*<"), "≤"),
]
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalise(text: str) -> str:
    """One spelling for what keyboards type differently; lengths and positions may change."""
    text = unicodedata.normalize("NFKC", text)
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    for pattern, sign in _ASCII_SIGNS:
        text = pattern.sub(sign, text)
    return _SPACES_RE.sub(" ", text)


_GERMAN_HINT_RE = re.compile(r"[äöüß]|\b(?:der|die|das|und|mit|für|fuer|bei|zur|zum|von|für|eine?|ist|oder|"
                             r"nicht|bis|über|ueber|einer|eines|sowie|auf|aus|im)\b", re.IGNORECASE)


def looks_german(text: str) -> bool:
    """At least two German function words or umlauts: enough to apply the German term table."""
    return len(_GERMAN_HINT_RE.findall(text)) >= 2
