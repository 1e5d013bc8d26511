"""Property tests for the parsers' helpers: dates, names, countries, remarks and identifiers."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dualcheck.lists.sources.base import Record
from dualcheck.lists.sources.helpers import (
    country_code,
    id_value,
    parse_date,
    reorder_comma_name,
    split_remarks,
)
from dualcheck.lists.sources.ofac_remarks import apply_remarks

ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
names = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=0x24F), min_size=1,
                max_size=12)


@given(st.text(max_size=40))
def test_parse_date_never_raises_and_returns_real_iso_dates(text: str) -> None:
    for found in parse_date(text):
        assert ISO.match(found)
        parts = [int(p) for p in found.split("-")]
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


@given(dates)
def test_every_written_form_of_a_date_reads_back(day: dt.date) -> None:
    iso = day.isoformat()
    assert parse_date(day.strftime("%d %b %Y")) == [iso]
    assert parse_date(day.strftime("%d/%m/%Y")) == [iso]
    assert parse_date(day.strftime("%m/%d/%Y"), day_first=False) == [iso]
    assert parse_date(iso) == [iso]
    assert parse_date(f"circa {day.year}") == [str(day.year)]
    assert parse_date(day.strftime("%b %Y")) == [iso[:7]]
    assert parse_date(day.strftime("00/00/%Y")) == [str(day.year)]
    assert parse_date(f"{day.year} to {day.year + 1}") == [str(day.year), str(day.year + 1)]


@given(names, names)
def test_comma_names_are_reordered_given_name_first(last: str, first: str) -> None:
    full, given_name, family = reorder_comma_name(f"{last}, {first}")
    assert (full, given_name, family) == (f"{first.strip()} {last.strip()}", first.strip(), last.strip()) or \
        not first.strip() or not last.strip()


@given(st.lists(st.text(alphabet="abcdefgh XYZ.-0123456789", min_size=1, max_size=15), min_size=1, max_size=6))
def test_remarks_split_into_their_parts(parts: list[str]) -> None:
    expected = [" ".join(p.split()).rstrip(".").strip() for p in parts]  # whitespace is collapsed
    assert split_remarks("; ".join(parts)) == [p for p in expected if p]


@given(names)
def test_a_quoted_alias_keeps_its_semicolon(alias: str) -> None:
    found = split_remarks(f"DOB 1962; a.k.a. '{alias}; {alias}'; POB Paris")
    assert found == ["DOB 1962", f"a.k.a. '{alias}; {alias}'", "POB Paris"]


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_remarks_never_raise_and_only_add_valid_properties(remarks: str) -> None:
    record = Record("x", "Person", {})
    apply_remarks(record, remarks)
    assert all(values for values in record.properties.values())


@given(st.from_regex(r"[A-Z][0-9]{6,9}", fullmatch=True), st.sampled_from(["Iraq", "Russia", "Korea, North"]))
@settings(deadline=None)
def test_identifier_value_and_country_are_split(number: str, country: str) -> None:
    assert id_value(f"{number} ({country}) expires 01 Jan 2030") == (number, country)
    record = Record("x", "Person", {})
    apply_remarks(record, f"Passport {number} ({country}); alt. Passport {number}")
    assert record.properties["passportNumber"] == [number]


@given(st.text(max_size=30))
@settings(deadline=None)  # the first call builds the country-name table
def test_country_code_is_none_or_a_followthemoney_country(text: str) -> None:
    code = country_code(text)  # ISO alpha-2, or a followthemoney code for a former state ("YU" -> "yucs")
    assert code is None or re.match(r"^[a-z]{2}([a-z0-9-]*)$", code)


def test_country_names_as_lists_write_them() -> None:
    assert [country_code(c) for c in ("Korea, North", "Belarus / Bélarus", "IRQ", "Türkiye", "Burma")] == [
        "kp", "by", "iq", "tr", "mm"]
