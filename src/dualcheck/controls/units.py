"""Units of the control lists: parse a unit symbol and convert a value to its dimension's base unit.

Annex I writes numbers the Official Journal way (decimal comma, thin-space thousands), and units
in many spellings (µm, μm, um; W/cm2; Giga Samples Per Second). `to_base` returns the value in
the base unit of the dimension (W, m, Hz, J, s, Pa, K, kg, m3, ...); temperatures in °C are
converted to kelvin. An unknown unit raises `BadInput` when the caller asks for it strictly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dualcheck.errors import BadInput

_PREFIX = {"T": 1e12, "G": 1e9, "M": 1e6, "k": 1e3, "": 1.0, "m": 1e-3, "µ": 1e-6, "u": 1e-6, "n": 1e-9,
           "p": 1e-12, "f": 1e-15}

# unit symbol -> (dimension, base symbol, which prefixes it takes)
_BASE = {
    "W": ("power", "W", "TGMkmµun"),
    "Hz": ("frequency", "Hz", "TGMk"),
    "J": ("energy", "J", "kmµun"),
    "s": ("time", "s", "mµunpf"),
    "Pa": ("pressure", "Pa", "GMk"),
    "m": ("length", "m", "kmµunp"),
    "g": ("mass", "kg", "km"),
    "V": ("voltage", "V", "kmMµ"),
    "A": ("current", "A", "kmµ"),
    "N": ("force", "N", "kM"),
    "Ns": ("impulse", "Ns", "kM"),
    "rad": ("angle", "rad", "mµu"),
    "Gy": ("dose", "Gy", "km"),
    "bit": ("bits", "bit", "kMG"),
    "B": ("bytes", "B", "kMGT"),
    "eV": ("particle_energy", "eV", "kMG"),
    "Wh": ("energy_storage", "Wh", "k"),
    "t": ("mass_tonnes", "t", ""),
}
_ALIASES = {
    "%": ("percent", 1.0, "%"), "percent": ("percent", 1.0, "%"), "ppm": ("ppm", 1.0, "ppm"),
    "°C": ("temperature", 1.0, "K"), "ºC": ("temperature", 1.0, "K"), "K": ("temperature", 1.0, "K"),
    "°": ("angle_deg", 1.0, "°"), "degrees": ("angle_deg", 1.0, "°"), "deg": ("angle_deg", 1.0, "°"),
    "dB": ("decibel", 1.0, "dB"), "dBm": ("power_dbm", 1.0, "dBm"), "dBc/Hz": ("phase_noise", 1.0, "dBc/Hz"),
    "bar": ("pressure", 1e5, "Pa"), "mbar": ("pressure", 1e2, "Pa"), "l": ("volume", 1e-3, "m3"),
    "litre": ("volume", 1e-3, "m3"), "litres": ("volume", 1e-3, "m3"), "L": ("volume", 1e-3, "m3"),
    "m3": ("volume", 1.0, "m3"), "m2": ("area", 1.0, "m2"), "cm2": ("area", 1e-4, "m2"),
    "mm2": ("area", 1e-6, "m2"), "cm": ("length", 1e-2, "m"), "g-force": ("acceleration_g", 1.0, "g"),
    "WT": ("app", 1.0, "WT"),
    "Giga Samples Per Second": ("sample_rate", 1e9, "S/s"),
    "GSPS": ("sample_rate", 1e9, "S/s"), "MSPS": ("sample_rate", 1e6, "S/s"),
    "GS/s": ("sample_rate", 1e9, "S/s"), "MS/s": ("sample_rate", 1e6, "S/s"),
    "W/cm2": ("power_density", 1e4, "W/m2"), "kW/cm2": ("power_density", 1e7, "W/m2"),
    "W/kg": ("specific_power", 1.0, "W/kg"), "Wh/kg": ("specific_energy", 1.0, "Wh/kg"),
    "m/s": ("speed", 1.0, "m/s"), "km/s": ("speed", 1e3, "m/s"), "km/h": ("speed", 1 / 3.6, "m/s"),
    "deg/h": ("drift_rate", 1.0, "°/h"), "°/h": ("drift_rate", 1.0, "°/h"), "°/hr": ("drift_rate", 1.0, "°/h"),
    "kg/h": ("mass_flow", 1.0, "kg/h"), "m3/h": ("volume_flow", 1.0, "m3/h"), "m3/hour": ("volume_flow", 1.0, "m3/h"),
    "l/min": ("volume_flow", 0.06, "m3/h"), "mm mrad": ("bpp", 1.0, "mm mrad"), "mm•mrad": ("bpp", 1.0, "mm mrad"),
    "frames/s": ("frame_rate", 1.0, "frames/s"), "fps": ("frame_rate", 1.0, "frames/s"),
    "m3/minute": ("volume_flow", 60.0, "m3/h"), "m3/min": ("volume_flow", 60.0, "m3/h"),
    "g/ml": ("density", 1000.0, "kg/m3"), "g/cm3": ("density", 1000.0, "kg/m3"), "kg/m3": ("density", 1.0, "kg/m3"),
    "g/m": ("linear_density", 1e-3, "kg/m"), "g/m2": ("areal_density", 1e-3, "kg/m2"),
    "milliseconds": ("time", 1e-3, "s"), "microseconds": ("time", 1e-6, "s"), "nanoseconds": ("time", 1e-9, "s"),
    "Weighted TeraFLOPS": ("app", 1.0, "WT"), "cycles": ("cycles", 1.0, "cycles"),
    "h": ("time", 3600.0, "s"), "hours": ("time", 3600.0, "s"), "min": ("time", 60.0, "s"),
    "seconds": ("time", 1.0, "s"), "second": ("time", 1.0, "s"), "kWh": ("energy_storage", 1e3, "Wh"),
    "hp": ("power", 745.7, "W"), "inch": ("length", 0.0254, "m"), "mrad": ("angle", 1e-3, "rad"),
    "µrad": ("angle", 1e-6, "rad"), "microradians": ("angle", 1e-6, "rad"), "G": ("acceleration_g", 1.0, "g"),
    "Gbit/s": ("data_rate", 1e9, "bit/s"), "Gb/s": ("data_rate", 1e9, "bit/s"), "Mbit/s": ("data_rate", 1e6, "bit/s"),
    "Tbit/s": ("data_rate", 1e12, "bit/s"), "bit/s": ("data_rate", 1.0, "bit/s"),
    "Gbps": ("data_rate", 1e9, "bit/s"), "Mbps": ("data_rate", 1e6, "bit/s"), "Tbps": ("data_rate", 1e12, "bit/s"),
    "bits": ("bits", 1.0, "bit"), "Ω": ("resistance", 1.0, "Ω"), "kΩ": ("resistance", 1e3, "Ω"),
    "MΩ": ("resistance", 1e6, "Ω"), "mΩ": ("resistance", 1e-3, "Ω"), "ohm": ("resistance", 1.0, "Ω"),
    "ohms": ("resistance", 1.0, "Ω"), "atom %": ("percent", 1.0, "%"), "atom-%": ("percent", 1.0, "%"),
    "at.%": ("percent", 1.0, "%"), "at. %": ("percent", 1.0, "%"), "at%": ("percent", 1.0, "%"),
    "wt%": ("percent", 1.0, "%"), "wt.%": ("percent", 1.0, "%"), "wt. %": ("percent", 1.0, "%"),
    "weight %": ("percent", 1.0, "%"), "mass %": ("percent", 1.0, "%"), "vol%": ("percent", 1.0, "%"),
    "vol.%": ("percent", 1.0, "%"), "ppb": ("ppm", 1e-3, "ppm"), "mK": ("temperature", 1e-3, "K"),
    "m3/s": ("volume_flow", 3600.0, "m3/h"), "l/h": ("volume_flow", 1e-3, "m3/h"), "L/h": ("volume_flow", 1e-3, "m3/h"),
    "L/min": ("volume_flow", 0.06, "m3/h"), "l/s": ("volume_flow", 3.6, "m3/h"), "L/s": ("volume_flow", 3.6, "m3/h"),
    "psi": ("pressure", 6894.757, "Pa"), "Torr": ("pressure", 133.322, "Pa"), "mTorr": ("pressure", 0.133322, "Pa"),
    "hPa": ("pressure", 100.0, "Pa"), "mm/s": ("speed", 1e-3, "m/s"), "rpm": ("rotation_rate", 1.0, "rpm"),
    "r/min": ("rotation_rate", 1.0, "rpm"), "1/min": ("rotation_rate", 1.0, "rpm"),
    "second of arc": ("angle", 4.84813681e-6, "rad"), "seconds of arc": ("angle", 4.84813681e-6, "rad"),
    "arc sec": ("angle", 4.84813681e-6, "rad"), "arcsec": ("angle", 4.84813681e-6, "rad"),
    "arc-second": ("angle", 4.84813681e-6, "rad"), "arc-seconds": ("angle", 4.84813681e-6, "rad"),
    "arc seconds": ("angle", 4.84813681e-6, "rad"), "Å": ("length", 1e-10, "m"),
    "µF": ("capacitance", 1e-6, "F"), "nF": ("capacitance", 1e-9, "F"), "pF": ("capacitance", 1e-12, "F"),
    "deg/hr": ("drift_rate", 1.0, "°/h"), "°/s": ("drift_rate", 3600.0, "°/h"), "deg/s": ("drift_rate", 3600.0, "°/h"),
    "dBi": ("decibel", 1.0, "dB"), "inches": ("length", 0.0254, "m"),
    "ft": ("length", 0.3048, "m"), "lb": ("mass", 0.45359237, "kg"), "lbs": ("mass", 0.45359237, "kg"),
    "nH": ("inductance", 1e-9, "H"), "µH": ("inductance", 1e-6, "H"), "mH": ("inductance", 1e-3, "H"),
    "T": ("magnetic_field", 1.0, "T"), "mT": ("magnetic_field", 1e-3, "T"), "µT": ("magnetic_field", 1e-6, "T"),
    "nT": ("magnetic_field", 1e-9, "T"), "pT": ("magnetic_field", 1e-12, "T"), "fT": ("magnetic_field", 1e-15, "T"),
    "kpsi": ("pressure", 6894757.0, "Pa"), "lbf": ("force", 4.448222, "N"), "kgf": ("force", 9.80665, "N"),
    "N·s": ("impulse", 1.0, "Ns"), "kN·s": ("impulse", 1e3, "Ns"), "MN·s": ("impulse", 1e6, "Ns"),
    "Gy (Si)": ("dose", 1.0, "Gy"), "Gy(Si)": ("dose", 1.0, "Gy"), "rad(Si)": ("dose", 0.01, "Gy"),
    "rad (Si)": ("dose", 0.01, "Gy"), "krad(Si)": ("dose", 10.0, "Gy"), "krad (Si)": ("dose", 10.0, "Gy"),
    "Mrad(Si)": ("dose", 1e4, "Gy"), "Mrad (Si)": ("dose", 1e4, "Gy"), "µGal": ("gravity", 1e-8, "m/s2"),
    "mGal": ("gravity", 1e-5, "m/s2"), "Gal": ("gravity", 1e-2, "m/s2"),
    "GFLOPS": ("flops", 1e9, "FLOPS"), "TFLOPS": ("flops", 1e12, "FLOPS"),
}


@dataclass(frozen=True)
class Unit:
    symbol: str
    dimension: str
    factor: float
    base: str

    def to_base(self, value: float) -> float:
        if self.dimension == "temperature" and self.symbol in ("°C", "ºC"):
            return value + 273.15
        return value * self.factor


def _build_table() -> dict[str, Unit]:
    table: dict[str, Unit] = {}
    for symbol, (dimension, base, prefixes) in _BASE.items():
        base_factor = 1e-3 if symbol == "g" else 1.0
        for prefix in ["", *prefixes]:
            name = prefix + symbol
            table[name] = Unit(name, dimension, _PREFIX[prefix] * base_factor, base)
            if prefix == "µ":
                table["μ" + symbol] = Unit("μ" + symbol, dimension, _PREFIX[prefix] * base_factor, base)
    for name, (dimension, factor, base) in _ALIASES.items():
        table[name] = Unit(name, dimension, factor, base)
    table["kg"] = Unit("kg", "mass", 1.0, "kg")
    return table


UNITS = _build_table()
UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_NUMBER_RE = re.compile(r"^\s*([-+−]?\d[\d  ]*(?:[.,]\d+)?(?:\s*[x×·*]\s*10\s*\^?\s*[-−+]?\d+|[eE][-+]?\d+)?)"
                        r"\s*(.*?)\s*$")


def parse_number(text: str, *, decimal_comma: bool = False) -> float:
    """'1 000,5' (Official Journal style, decimal_comma) or '1000.5' or '5 x 10^3' -> float.

    Without `decimal_comma` a comma followed by exactly three digits separates thousands
    (vendor style '1,000'); any other comma is a decimal comma.
    """
    text = re.sub(r"[\s\u2009\u202f]", "", text.replace("−", "-"))
    exponent = 0
    match = re.match(r"^(.*?)(?:[x×·*]10\^?|[eE])([-+]?\d+)$", text)
    if match:
        text, exponent = match.group(1), int(match.group(2))
    if "," in text:
        thousands = not decimal_comma and re.fullmatch(r"-?\d{1,3}(,\d{3})+", text) is not None
        text = text.replace(",", "") if thousands else text.replace(",", ".")
    return float(text) * 10 ** exponent


def lookup_unit(symbol: str) -> Unit | None:
    symbol = symbol.strip().replace("μ", "µ")
    return UNITS.get(symbol) or UNITS.get(symbol.replace("µ", "u"))


def parse_quantity(text: str, *, source: str = "spec", location: str | None = None) -> tuple[float, Unit | None]:
    """'2kW' -> (2000.0, Unit(W)); '1,5 J' -> (1.5, J); '42' -> (42.0, None). Unknown unit: BadInput."""
    match = _NUMBER_RE.match(text.replace("μ", "µ"))
    if not match:
        raise BadInput(f"not a number with a unit: {text!r}", source=source, location=location)
    value = parse_number(match.group(1))
    symbol = match.group(2)
    if not symbol:
        return value, None
    unit = lookup_unit(symbol)
    if unit is None:
        raise BadInput(f"unknown unit {symbol!r} in {text!r}", source=source, location=location)
    return unit.to_base(value), unit
