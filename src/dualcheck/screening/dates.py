"""Dates as clients write them, cleaned to ISO prefixes (YYYY, YYYY-MM, YYYY-MM-DD).

Like followthemoney's date type, a date keeps only the precision it was given ("July 1969" is
1969-07). Any unambiguous form is read: year first with any separator (1969-7-16, 1969/07/16,
1969.07.16, 19690716), day first with dots (16.07.1969, the European way), day and month
around a slash or dash when only one order is a real date (16/07/1969, 07/16/1969), and month
names in English, German, French or Spanish (16 July 1969, Jul 16, 1969, 16-Jul-1969). A date
that reads two ways (05/06/1969) or none (1969-02-30) is refused with the reason, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re

from dualcheck.errors import BadInput

_MONTHS = {
    # English, German, French, Spanish names and their usual abbreviations
    "january": 1, "jan": 1, "januar": 1, "janvier": 1, "janv": 1, "enero": 1, "ene": 1,
    "february": 2, "feb": 2, "februar": 2, "fevrier": 2, "fevr": 2, "fev": 2, "febrero": 2,
    "march": 3, "mar": 3, "marz": 3, "maerz": 3, "mars": 3, "marzo": 3,
    "april": 4, "apr": 4, "avril": 4, "avr": 4, "abril": 4, "abr": 4,
    "may": 5, "mai": 5, "mayo": 5,
    "june": 6, "jun": 6, "juni": 6, "juin": 6, "junio": 6,
    "july": 7, "jul": 7, "juli": 7, "juillet": 7, "juil": 7, "julio": 7,
    "august": 8, "aug": 8, "aout": 8, "agosto": 8, "ago": 8,
    "september": 9, "sep": 9, "sept": 9, "septembre": 9, "septiembre": 9,
    "october": 10, "oct": 10, "oktober": 10, "okt": 10, "octobre": 10, "octubre": 10,
    "november": 11, "nov": 11, "novembre": 11, "noviembre": 11,
    "december": 12, "dec": 12, "dezember": 12, "dez": 12, "decembre": 12, "diciembre": 12, "dic": 12,
}
_YEAR_FIRST = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_LAST = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_WORDS = re.compile(r"[a-z]+|\d+")
_TIME = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_FOLD = str.maketrans("éèêûôäöüà", "eeeuoaoua")


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    """The ISO prefix, or ValueError when no such day exists."""
    if not 1000 <= year <= 2999:
        raise ValueError(f"year {year} is out of range")
    if month is None or month == 0:
        return f"{year:04d}"
    if day is None or day == 0:
        if not 1 <= month <= 12:
            raise ValueError(f"there is no month {month}")
        return f"{year:04d}-{month:02d}"
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"there is no day {year:04d}-{month:02d}-{day:02d}") from None


def clean_date(value: str) -> str:
    """The ISO form of a date as written; ValueError saying why it cannot be read unambiguously."""
    text = _TIME.sub("", " ".join(value.strip().split()))
    if m := _YEAR_FIRST.match(text):
        return _iso(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    if m := _COMPACT.match(text):
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    if m := _MONTH_YEAR.match(text):
        return _iso(int(m[2]), int(m[1]))
    if m := _YEAR_LAST.match(text):
        first, sep, second, year = int(m[1]), m[2], int(m[3]), int(m[4])
        if first == 0 or second == 0:  # "00/00/1969", "00/07/1969": the lists' unknown day (and month)
            return _iso(year, second or first or None)
        if sep == "." or first == second or first > 12:
            return _iso(year, second, first)  # day first: the dotted European form, or the only reading
        if second > 12:
            return _iso(year, first, second)  # month first (07/16/1969)
        raise ValueError(f"{value!r} reads as {_iso(year, second, first)} or {_iso(year, first, second)} "
                         "(write it as YYYY-MM-DD)")
    words = _WORDS.findall(text.casefold().translate(_FOLD))
    months = [_MONTHS[w] for w in words if w in _MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(months) == 1 and len(words) == len(numbers) + 1 and numbers:
        years = [int(n) for n in numbers if len(n) == 4]
        days = [int(n) for n in numbers if len(n) <= 2]
        if len(years) == 1 and len(days) <= 1 and len(numbers) == len(years) + len(days):
            return _iso(years[0], months[0], days[0] if days else None)
    raise ValueError(f"{value!r} is not a date (write it as YYYY-MM-DD)")


class BadDate(BadInput):
    """A date that cannot be read unambiguously: a batch skips the row (and counts it) instead of
    refusing the whole file."""


def check_date(value: object, *, field: str, source: str | None = None) -> str | None:
    """A cleaned date or None when empty; BadInput naming the field when it cannot be read."""
    if value is None or not str(value).strip():
        return None
    try:
        return clean_date(str(value))
    except ValueError as exc:
        raise BadDate(str(exc), source=source, location=field) from None
