"""Controls: codes, units and threshold parsing (no database)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcheck.controls.codes import ancestors, in_same_branch, normalise_code, regime_of
from dualcheck.controls.parameters import combinator, extract_quantities, parse_criteria
from dualcheck.controls.units import parse_number, parse_quantity
from dualcheck.errors import BadInput


@pytest.mark.parametrize(("raw", "expected"), [
    ("5a002 a 1", "5A002.a.1"), ("5A002.a.1.", "5A002.a.1"), (" 6A005 ", "6A005"), ("1C350.46", "1C350.46")])
def test_codes_are_normalised(raw: str, expected: str) -> None:
    assert normalise_code(raw) == expected


def test_branch_relation_and_ancestors() -> None:
    assert ancestors("6A005.a.6.b.2") == ["6A005", "6A005.a", "6A005.a.6", "6A005.a.6.b"]
    assert in_same_branch("5A002.a.1", "5A002.a") and in_same_branch("5A002", "5A002.a")
    assert not in_same_branch("5A002.b", "5A002.a")
    assert not in_same_branch("5A0021", "5A002")


@pytest.mark.parametrize(("entry", "regime"), [
    ("5A002", "Wassenaar"), ("9A120", "MTCR"), ("3A228", "NSG"), ("2B350", "Australia Group"),
    ("1C450", "CWC"), ("3A501", "EU"), ("0B001", "NSG")])
def test_regime_comes_from_the_number(entry: str, regime: str) -> None:
    assert regime_of(entry) == regime


@pytest.mark.parametrize(("text", "base"), [
    ("2kW", 2000.0), ("1070 nm", 1.07e-6), ("1,5 J", 1.5), ("3 GSPS", 3e9), ("125 °C", 398.15),
    ("200 MPa", 2e8), ("40 GHz", 4e10), ("500 mW", 0.5), ("25 litres", 0.025)])
def test_quantities_convert_to_base_units(text: str, base: float) -> None:
    value, _unit = parse_quantity(text)
    assert math.isclose(value, base, rel_tol=1e-9)


def test_unknown_unit_is_bad_input_naming_it() -> None:
    with pytest.raises(BadInput, match="unknown unit 'parsecs'"):
        parse_quantity("3 parsecs", source="--spec", location="parameter range")


def test_official_journal_numbers() -> None:
    assert parse_number("1 000,5", decimal_comma=True) == 1000.5
    assert parse_number("1,000") == 1000.0  # vendor thousands separator
    assert parse_number("0,002", decimal_comma=True) == 0.002


@given(st.floats(min_value=0.001, max_value=1e6), st.sampled_from(["W", "Hz", "J", "Pa", "m"]))
def test_prefixes_scale_consistently(value: float, unit: str) -> None:
    plain, _ = parse_quantity(f"{value:.6f} {unit}")
    kilo, _ = parse_quantity(f"{value:.6f} k{unit}") if unit != "m" else parse_quantity(f"{value:.6f} km")
    assert math.isclose(kilo, plain * 1000, rel_tol=1e-9)


def test_criteria_ranges_and_combination() -> None:
    crits = parse_criteria("Output wavelength of 150 nm or more but not exceeding 510 nm and output power "
                           "exceeding 30 W;")
    assert [(c.quantity, c.op, c.dimension) for c in crits] == [
        ("output wavelength", ">=", "length"), ("output wavelength", "<=", "length"), ("output power", ">", "power")]
    assert math.isclose(crits[1].value, 510e-9)
    band = parse_criteria("Operating at frequencies from 40 GHz to 230 GHz and having any of the following:")
    assert [(c.op, c.value) for c in band] == [(">=", 4e10), ("<=", 2.3e11)]
    assert combinator("'Single transverse mode' output and any of the following:") == "any"
    assert combinator("Reaction vessels having all of the following:") == "all"


def test_free_text_quantities() -> None:
    assert (2000.0, "power") in extract_quantities("fibre laser 2 kW output at 1070 nm")


@given(st.from_regex(r"[0-9][A-Ea-e][0-9]{3}(\.[a-z0-9]{1,2}){0,4}", fullmatch=True),
       st.sampled_from([".", " ", " . "]))
def test_normalising_is_idempotent_and_separator_blind(code: str, separator: str) -> None:
    once = normalise_code(code)
    assert normalise_code(once) == once
    assert normalise_code(code.replace(".", separator)) == once
    assert once[:5] == code[:5].upper()
