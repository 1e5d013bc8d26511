"""Controls: codes, units and threshold parsing (no database)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcheck.controls.codes import ancestors, in_same_branch, normalise_code, regime_of
from dualcheck.controls.parameters import combinator, matches, parse_criteria
from dualcheck.controls.quantities import extract_quantities, parse_stated
from dualcheck.controls.text import normalise
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


def test_free_text_quantities_carry_their_kind() -> None:
    found = {(q.kinds[0] if q.kinds else None, q.dimension, round(q.value or 0, 12)) for q in extract_quantities(
        "fibre laser 2 kW output at 1070 nm, positioning accuracy ≤ 4 µm")}
    assert ("power", "power", 2000.0) in found and ("wavelength", "length", 1.07e-6) in found
    accuracy = next(q for q in extract_quantities("positioning accuracy ≤ 4 µm")
                    if q.kinds == ("positioning accuracy",))
    assert (accuracy.shape, accuracy.hi) == ("bound", pytest.approx(4e-6))


@pytest.mark.parametrize(("typed", "expected"), [
    ("4 \u00b5m", "4 µm"), ("4 \u03bcm", "4 µm"), ("10 m\u00b3/h", "10 m3/h"), ("1\u00d710\u207b\u2079 s", "1×10-9 s"),
    ("+/- 2 \u00b5m", "± 2 µm"), (">= 5 W", "≥ 5 W"), ("5\u00a0kW", "5 kW"), ("100 \u2126", "100 Ω")])
def test_text_is_normalised_as_people_type_it(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@pytest.mark.parametrize(("key", "raw", "shape", "lo", "hi"), [
    ("wavelength", "8-14 µm", "range", 8e-6, 14e-6),
    ("positioning accuracy", "< 4 µm", "bound", -math.inf, 4e-6),
    ("positioning accuracy", "better than 4 µm", "bound", -math.inf, 4e-6),
    ("timing", "1.5×10⁻⁹ s", "point", 1.5e-9, 1.5e-9),
    ("flow rate", "up to 10 m³/h", "range", 0.0, 10.0),
    ("enrichment", "20 atom %", "point", 20.0, 20.0),
    ("resistance", "50 Ω", "point", 50.0, 50.0),
    ("purity", "3 ppm boron equivalent", "point", 3.0, 3.0)])
def test_stated_values_are_intervals(key: str, raw: str, shape: str, lo: float, hi: float) -> None:
    stated = parse_stated(key, raw)
    assert stated.shape == shape
    assert stated.lo == pytest.approx(lo) and stated.hi == pytest.approx(hi)


def test_better_than_is_read_per_quantity_and_shown() -> None:
    turning = parse_criteria('Machine tools for turning, that have positioning accuracies with "all compensations '
                             'available" better (less) than 6 μm along any linear axis for machines capable of '
                             'machining diameters greater than 35 mm;')
    assert [(c.kinds[0], c.op) for c in turning] == [("positioning accuracy", "<"), ("diameter", ">")]
    assert turning[0].reading().startswith("have positioning accuracies [positioning accuracy] < 6 µm") or \
        "[positioning accuracy] < 6 µm" in turning[0].reading()
    noise = parse_criteria("Phase noise better than 100 dBc/Hz")  # no parenthesis: the kind decides
    assert noise[0].op == "<" and "read as" in noise[0].note


def test_formula_limits_are_parsed_and_compared() -> None:
    (cmm,) = parse_criteria('Coordinate Measuring Machines (CMM), having a maximum permissible error of length '
                            'measurement (E0,MPE) at any point within the operating range equal to or less (better) '
                            'than (1,7 + L/1000) μm (L is the measured length in mm)')
    assert cmm.kinds[0] == "measurement error" and cmm.per_mm == pytest.approx(1e-9)
    assert cmm.judge(parse_stated("mpe", "1.7 + L/350 µm"))[0] == "met"  # equal at L = 0
    assert cmm.judge(parse_stated("mpe", "2.5 + L/350 µm"))[0] == "not_met"
    assert cmm.judge(parse_stated("mpe", "2.5 µm"))[0] == "undetermined"  # within the limit only from L = 800 mm
    assert cmm.judge(parse_stated("mpe", "2.5 µm"), 1000.0)[0] == "met"


def test_a_criterion_takes_only_a_parameter_of_its_own_kind() -> None:
    (repeatability, travel) = parse_criteria('"Unidirectional positioning repeatability" equal to or less (better) '
                                             'than 0,9 μm along one or more linear axis with a travel length less '
                                             'than 1,0 m;')
    accuracy = parse_stated("positioning accuracy", "4 µm")
    assert not matches(repeatability, accuracy) and not matches(travel, accuracy)
    assert matches(repeatability, parse_stated("repeatability", "0.5 µm"))
    assert matches(travel, parse_stated("x travel", "800 mm"))


@given(st.floats(min_value=1e-3, max_value=1e4), st.sampled_from(["µm", "μm", "um"]))
def test_micro_sign_spellings_agree(value: float, micro: str) -> None:
    typed = parse_stated("accuracy", f"{value:.4f} {micro}")
    assert typed.lo == pytest.approx(parse_stated("accuracy", f"{value:.4f} µm").lo)


@given(st.from_regex(r"[0-9][A-Ea-e][0-9]{3}(\.[a-z0-9]{1,2}){0,4}", fullmatch=True),
       st.sampled_from([".", " ", " . "]))
def test_normalising_is_idempotent_and_separator_blind(code: str, separator: str) -> None:
    once = normalise_code(code)
    assert normalise_code(once) == once
    assert normalise_code(code.replace(".", separator)) == once
    assert once[:5] == code[:5].upper()
