"""The reviewed red-flag catalogue (data/catalogue.yaml) and the Common High Priority List."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dualcheck.errors import BadInput, ConfigError
from dualcheck.rules.countries import member_states

CATALOGUE_FILE = Path(__file__).with_name("data") / "catalogue.yaml"
CHPL_FILE = Path("controls") / "hs" / "common_high_priority_list_CHPL_2024-02-23.csv"
SEVERITIES = ("info", "caution", "high")


@dataclass(frozen=True)
class FlagDef:
    id: str
    severity: str
    text: str
    action: str
    citation: str
    wording: str


@dataclass(frozen=True)
class ChplEntry:
    hs6: str
    tier_code: str
    tier: str
    description: str


@dataclass(frozen=True)
class Catalogue:
    version: str
    flags: dict[str, FlagDef]
    scan_flags: dict[str, FlagDef]
    transshipment_points: frozenset[str]
    high_risk_transit: frozenset[str]
    art12g_partners: frozenset[str]
    eu_member_states: frozenset[str]
    price_premium_pct: float
    forwarder_words: tuple[str, ...]
    free_zone: re.Pattern[str]
    po_box: re.Pattern[str]

    def flag(self, flag_id: str, evidence: dict[str, Any]) -> dict[str, Any]:
        """One output flag: the catalogue entry with the evidence from the input."""
        d = self.flags.get(flag_id) or self.scan_flags[flag_id]
        return {"id": d.id, "severity": d.severity, "text": d.text, "evidence": evidence,
                "action": d.action, "citation": d.citation}


def _flag_defs(raw: Any, where: str) -> dict[str, FlagDef]:
    out: dict[str, FlagDef] = {}
    if not isinstance(raw, list):
        raise ConfigError(f"{CATALOGUE_FILE.name}: {where} must be a list")
    for n, entry in enumerate(raw):
        loc = f"{where}[{n}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{CATALOGUE_FILE.name}: {loc} must be a mapping")
        for key in ("id", "severity", "text", "action", "citation", "wording"):
            if not entry.get(key):
                raise ConfigError(f"{CATALOGUE_FILE.name}: {loc}.{key} is missing")
        if entry["severity"] not in SEVERITIES:
            raise ConfigError(f"{CATALOGUE_FILE.name}: {loc}.severity must be one of {', '.join(SEVERITIES)}")
        if entry["id"] in out:
            raise ConfigError(f"{CATALOGUE_FILE.name}: {loc}.id {entry['id']} is repeated")
        cites = entry["citation"] if isinstance(entry["citation"], list) else [entry["citation"]]
        out[entry["id"]] = FlagDef(id=entry["id"], severity=entry["severity"], text=" ".join(entry["text"].split()),
                                   action=" ".join(entry["action"].split()),
                                   citation="; ".join(" ".join(str(c).split()) for c in cites),
                                   wording=entry["wording"])
    return out


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The packaged catalogue, validated once."""
    doc = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    th = doc["thresholds"]
    return Catalogue(
        version=str(doc["version"]),
        flags=_flag_defs(doc.get("flags"), "flags"),
        scan_flags=_flag_defs(doc.get("scan_flags"), "scan_flags"),
        transshipment_points=frozenset(doc["transshipment_points"]["codes"]),
        high_risk_transit=frozenset(doc["high_risk_transit"]["codes"]),
        art12g_partners=frozenset(doc["art12g_partner_countries"]["codes"]),
        # a shipment inside the Union is not an export to a third country (Art. 12g does not apply):
        # the Member States come from the one country table
        eu_member_states=member_states(),
        price_premium_pct=float(th["price_premium_pct"]),
        forwarder_words=tuple(str(w).lower() for w in th["forwarder_words"]),
        free_zone=re.compile(th["free_zone_pattern"], re.IGNORECASE),
        po_box=re.compile(th["po_box_pattern"], re.IGNORECASE),
    )


@lru_cache(maxsize=4)
def load_chpl(data_dir: Path) -> dict[str, ChplEntry]:
    """HS6 -> CHPL entry, read from the reference data (`controls/hs/...CHPL_2024-02-23.csv`)."""
    path = data_dir / CHPL_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the Common High Priority List ({exc.strerror}); "
                          "set DUALCHECK_DATA_DIR") from None
    reader = csv.DictReader(text.splitlines())
    need = {"hs6", "tier_code", "tier", "hs6_short_description"}
    missing = need - set(reader.fieldnames or ())
    if missing:
        raise BadInput(f"missing column(s) {', '.join(sorted(missing))}", source=str(path), location="header")
    out: dict[str, ChplEntry] = {}
    for n, row in enumerate(reader, start=2):
        hs6 = (row["hs6"] or "").strip()
        if not re.fullmatch(r"\d{6}", hs6):
            raise BadInput(f"hs6 {hs6!r} is not six digits", source=str(path), location=f"row {n}")
        out[hs6] = ChplEntry(hs6=hs6, tier_code=row["tier_code"].strip(), tier=row["tier"].strip(),
                             description=(row["hs6_short_description"] or "").strip())
    return out


def hs6_of(hs_code: str | None) -> str | None:
    """The first six digits of an HS/CN/HTS code ('8542.31.00' -> '854231'); None if fewer digits."""
    if not hs_code:
        return None
    digits = re.sub(r"[\s.\-]", "", str(hs_code))
    return digits[:6] if re.fullmatch(r"\d{6,}", digits) else None
