"""Small, pure helpers shared by the parsers: text, dates, countries, names and OFAC remarks.

They are property-tested (tests/test_lists_helpers.py): none of them may raise on odd input,
and the dates they return are always ISO 8601 (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Any

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def clean(value: str | None) -> str | None:
    """Collapse whitespace; empty text, OFAC's ``-0-`` and R's ``NA`` become None."""
    if not value:
        return None
    text = " ".join(value.split())
    if text in ("", "-0-", "NA"):
        return None
    return text


def _valid(year: int, month: int = 1, day: int = 1) -> bool:
    if not 1000 <= year <= 2999:
        return False
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def iso_date(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """An ISO date of the precision given; None when the parts do not form a real date."""
    if month is None:
        return f"{year:04d}" if _valid(year) else None
    if day is None:
        return f"{year:04d}-{month:02d}" if _valid(year, month) else None
    return f"{year:04d}-{month:02d}-{day:02d}" if _valid(year, month, day) else None


_APPROXIMATE = re.compile(r"^(?:circa|approximately|approx\.?|about|ca\.?)\s+", re.I)
_RANGE = re.compile(r"\s+(?:to|-|–)\s+")
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")
_DMY_TEXT = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def parse_date(text: str | None, *, day_first: bool = True) -> list[str]:
    """Dates in the forms lists use: ``12 Mar 1962``, ``Mar 1962``, ``1962``, ``circa 1962``,
    ``1962 to 1964`` (both ends), ISO dates, and ``dd/mm/yyyy`` (``mm/dd/yyyy`` when
    ``day_first`` is false); ``00`` day or month parts lower the precision (UK ``00/00/1962``).
    Returns ISO dates, possibly partial, or [] when nothing can be read."""
    value = clean(text)
    if not value:
        return []
    value = _APPROXIMATE.sub("", value)
    parts = _RANGE.split(value)
    if len(parts) > 1:
        return [d for part in parts for d in parse_date(part, day_first=day_first)]
    if m := _ISO.match(value):
        year, month, day = int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None
        if day == 0:
            day = None
        if month == 0:
            month, day = None, None
        found = iso_date(year, month, day)
        return [found] if found else []
    if m := _DMY_TEXT.match(value):
        month = MONTHS.get(m[2].lower())
        if month is None:
            return []
        found = iso_date(int(m[3]), month, int(m[1]) if m[1] else None)
        return [found] if found else []
    if m := _SLASHED.match(value):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        day, month = (first, second) if day_first else (second, first)
        if month == 0:
            found = iso_date(year)
        elif day == 0:
            found = iso_date(year, month)
        else:
            found = iso_date(year, month, day)
        return [found] if found else []
    return []


def first_date(text: str | None, *, day_first: bool = True) -> str | None:
    found = parse_date(text, day_first=day_first)
    return found[0] if found else None


def _norm_country(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_only).split())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Territory names, weak names and codes -> followthemoney country code, from rigour's data.
    Built directly (about 0.3 s) rather than through rigour's fuzzy lookup index, whose
    transliteration of every name costs seconds per process; list files name countries plainly."""
    from rigour._core import territories_jsonl
    from rigour.data import iter_jsonl_text
    from rigour.territories import get_territories

    by_code = {t.code: t for t in get_territories()}
    names: dict[str, str] = {}
    for data in iter_jsonl_text(territories_jsonl()):
        territory = by_code.get(data["code"])
        if territory is None or not territory.ftm_country:
            continue
        code = territory.ftm_country
        keys = [*data.get("names_weak", []), *data.get("names_strong", []), territory.full_name, territory.name]
        keys += [c for c in (territory.code, territory.alpha3, *territory.other_codes) if c]
        for key in keys:
            if key:
                names[_norm_country(key)] = code  # strong names last: they win over weak ones
    return names


@lru_cache(maxsize=4096)
def country_code(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (lower case, as followthemoney stores it) for a country name or code.
    Bilingual names such as ``Belarus / Bélarus`` and ``Korea, North`` forms are tried part by part."""
    value = clean(text)
    if not value:
        return None
    names = _country_names()
    candidates = [value, *value.split(" / ")]
    if "," in value:
        head, tail = (p.strip() for p in value.split(",", 1))
        candidates += [f"{tail} {head}", head]
    for candidate in candidates:
        code = names.get(_norm_country(candidate))
        if code:
            return code
    return None


def person_name(*parts: str | None) -> str | None:
    """Join given-name-first name parts, skipping empty ones."""
    joined = " ".join(p for p in (clean(x) for x in parts) if p)
    return joined or None


def reorder_comma_name(name: str) -> tuple[str, str | None, str | None]:
    """OFAC writes individuals as ``LAST, First``: return (full name, first name, last name)."""
    if "," not in name:
        return name, None, None
    last, first = (p.strip() for p in name.split(",", 1))
    if not first or not last:
        return name, None, None
    return f"{first} {last}", first, last



def add_us_style_name(rec: Any, name: str, title: str | None) -> None:
    """The primary name of a US list record: individuals as ``LAST, First`` with their title."""
    if rec.schema == "Person":
        full, first, last = reorder_comma_name(name)
        rec.add("name", full)
        rec.add("firstName", first)
        rec.add("lastName", last)
        rec.add("position", title)
    else:
        rec.add("name", name)

def split_list(value: str | None, separator: str = ";") -> list[str]:
    """Split a joined field (``a; b; c``) into clean parts."""
    if not value:
        return []
    return [p for p in (clean(x) for x in value.split(separator)) if p]


def split_remarks(remarks: str | None) -> list[str]:
    """Split OFAC remarks on ``;`` outside single quotes (a quoted alias may hold one)."""
    value = clean(remarks)
    if not value:
        return []
    parts = value.split(";") if "'" not in value else _split_outside_quotes(value)
    out = []
    for part in parts:
        part = part.strip().rstrip(".").strip()
        if part:
            out.append(part)
    return out


def _split_outside_quotes(value: str) -> list[str]:
    """Split on ";" and glue back pieces while a quoted alias is still open (odd quote count)."""
    parts: list[str] = []
    for piece in value.split(";"):
        if parts and _open_quote(parts[-1]):
            parts[-1] += ";" + piece
        else:
            parts.append(piece)
    return parts


def _open_quote(text: str) -> bool:
    """True when text opens a quote it does not close (apostrophes inside words do not count)."""
    return len(_QUOTE.findall(text)) % 2 == 1


_QUOTE = re.compile(r"(?:^|(?<=[\s(]))'|'(?=$|[\s.,;)])")


_ID_VALUE = re.compile(r"^(?P<num>.+?)(?:\s*\((?P<country>[^)]*)\))?(?:\s*(?:issued|expires|Issue Date|"
                       r"Expire Date|Expiration Date)\b.*)?$", re.I)


def id_value(text: str) -> tuple[str | None, str | None]:
    """``A1234 (Iraq) expires 2020`` -> ("A1234", "Iraq")."""
    m = _ID_VALUE.match(text.strip())
    if not m:
        return clean(text), None
    return clean(m["num"].strip(" ,#:")), clean(m["country"])
