"""Read names (only) from the raw public list files, for building evaluation sets.

This is not a list parser for the product (that is the lists domain): it reads just enough of
the OFAC legacy CSV and the UK OFSI CSV to know which names belong to the same entity.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SDN_TYPES = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}
UK_TYPES = {"Individual": "Person", "Entity": "Organization", "Ship": "Vessel"}


@dataclass
class RawEntity:
    source: str
    key: str
    schema: str
    primary: str
    aliases: list[str] = field(default_factory=list)       # a.k.a. / other names of the same entity
    variants: list[str] = field(default_factory=list)      # spelling variants the list marks as such
    script_names: list[str] = field(default_factory=list)  # the name in its original (non-Latin) script
    birth_date: str = ""
    nationality: str = ""
    first_name: str = ""
    last_name: str = ""


def _null(value: str) -> str:
    value = value.strip().rstrip("\x1a").strip()
    return "" if value == "-0-" else value


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="latin-1", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) >= 3 and row[0].strip().isdigit():
                yield [_null(c) for c in row]


def sdn_entities(sdn: Path, alt: Path | None = None) -> dict[str, RawEntity]:
    out: dict[str, RawEntity] = {}
    for row in _rows(sdn):
        schema = SDN_TYPES.get(row[2].lower(), "Organization")
        name = row[1]
        last, first = "", ""
        if schema == "Person" and ", " in name:
            last, first = name.split(", ", 1)
        out[row[0]] = RawEntity("us-ofac-sdn", row[0], schema, name, first_name=first, last_name=last)
    if alt is not None:
        for row in _rows(alt):
            entity = out.get(row[0])
            if entity is not None and row[3] and row[2].lower() == "aka":
                entity.aliases.append(row[3])
    return out


def _uk_full_name(row: dict[str, str]) -> str:
    given = " ".join(row[f"Name {i}"].strip() for i in range(1, 6) if row[f"Name {i}"].strip())
    return " ".join(p for p in (given, row["Name 6"].strip()) if p)


def uk_entities(path: Path) -> dict[str, RawEntity]:
    out: dict[str, RawEntity] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = fh.readlines()[1:]  # row 1 is a "Last Updated" banner
    for row in csv.DictReader(lines):
        gid = row["Group ID"].strip()
        name = _uk_full_name(row)
        if not gid or not name:
            continue
        entity = out.get(gid)
        if entity is None:
            entity = out[gid] = RawEntity("gb-ofsi", gid, UK_TYPES.get(row["Group Type"].strip(), "LegalEntity"), "")
        kind = row["Alias Type"].strip()
        if kind == "Primary name" and not entity.primary:
            entity.primary = name
            entity.first_name = row["Name 1"].strip()
            entity.last_name = row["Name 6"].strip()
            dob = row["DOB"].strip()
            if len(dob) == 10 and dob[2] == "/" and not dob.startswith("00"):
                entity.birth_date = f"{dob[6:]}-{dob[3:5]}-{dob[:2]}"
            entity.nationality = row["Nationality"].strip().split("(")[0].strip()
        elif kind == "Primary name variation":
            entity.variants.append(name)
        elif kind == "AKA":
            entity.aliases.append(name)
        script = row["Name Non-Latin Script"].strip()
        if script and script not in entity.script_names:
            entity.script_names.append(script)
    return {k: v for k, v in out.items() if v.primary}
