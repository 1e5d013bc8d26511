"""EU consolidated financial sanctions (FSF): the official XML export (``export`` /
``sanctionEntity`` / ``nameAlias`` / ``birthdate`` / ``citizenship`` / ``identification`` /
``address``), and the two DERIVED CSVs found in the reference data (a names/aliases table and
the FSF 1.0 table merged with travel bans). Entity ids use the EU logical id where the file
has it, so the XML and the merged CSV name the same party the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from dualcheck.lists.sources.base import (
    Format,
    ParsedList,
    Record,
    Source,
    content_id,
    number_repeats,
    register,
    unique_ids,
)
from dualcheck.lists.sources.helpers import clean, country_code, first_date, parse_date, person_name
from dualcheck.lists.sources.ofac_remarks import apply_remark
from dualcheck.lists.sources.textfiles import decode, dict_rows
from dualcheck.lists.sources.xmlfiles import parse_xml, root_is, strip_namespaces, to_dict

SCHEMAS = {"person": "Person", "enterprise": "Organization", "p": "Person", "e": "Organization"}
ID_TYPES = {"passport": "Passport", "id": "National ID No.", "regnumber": "Registration Number",
            "fiscalcode": "Tax ID No.", "swiftbic": "SWIFT/BIC", "imo": "Vessel Registration Identification IMO"}


def _attr(el: etree._Element, name: str) -> str | None:
    return clean(el.get(name))


def _xml_entity(el: etree._Element) -> Record:
    subject = el.find("subjectType")
    kind = (_attr(subject, "code") or "") if subject is not None else ""
    schema = SCHEMAS.get(kind.lower(), "LegalEntity")
    rec = Record(f"eu-fsf-{_attr(el, 'logicalId')}", schema, to_dict(el))
    for alias in el.iterfind("nameAlias"):
        whole = _attr(alias, "wholeName") or person_name(_attr(alias, "firstName"), _attr(alias, "middleName"),
                                                         _attr(alias, "lastName"))
        prop = "name" if not rec.properties.get("name") else "alias"
        if (_attr(alias, "strong") or "true").lower() == "false":
            prop = "weakAlias"
        rec.add(prop, whole)
        if schema == "Person":
            rec.add("firstName", _attr(alias, "firstName"))
            rec.add("middleName", _attr(alias, "middleName"))
            rec.add("lastName", _attr(alias, "lastName"))
            rec.add("title", _attr(alias, "title"))
            rec.add("position", _attr(alias, "function"))
            gender = {"m": "male", "f": "female"}.get((_attr(alias, "gender") or "").lower())
            rec.add("gender", gender)
    for birth in el.iterfind("birthdate"):
        rec.add("birthDate", *parse_date(_attr(birth, "birthdate")) or parse_date(_attr(birth, "year")))
        place = ", ".join(p for p in (_attr(birth, "city"), _attr(birth, "place"),
                                      _attr(birth, "countryDescription")) if p)
        rec.add("birthPlace", place or None)
    for cit in el.iterfind("citizenship"):
        rec.add("nationality", country_code(_attr(cit, "countryIso2Code") or _attr(cit, "countryDescription")))
    for ident in el.iterfind("identification"):
        kind_code = (_attr(ident, "identificationTypeCode") or "").lower()
        label = ID_TYPES.get(kind_code, _attr(ident, "identificationTypeDescription") or "Identification Number")
        country = _attr(ident, "countryDescription")
        apply_remark(rec, f"{label} {_attr(ident, 'number') or ''}" + (f" ({country})" if country else ""))
    for addr in el.iterfind("address"):
        parts = [_attr(addr, k) for k in ("street", "poBox", "zipCode", "city", "region", "place",
                                          "countryDescription")]
        rec.add("address", ", ".join(p for p in parts if p) or None)
        rec.add("country", country_code(_attr(addr, "countryIso2Code")))
    for reg in el.iterfind("regulation"):
        rec.add_programme(_attr(reg, "programme"))
        listed = first_date(_attr(reg, "publicationDate"))
        if listed and (rec.listed_on is None or listed < rec.listed_on):
            rec.listed_on = listed
    rec.add("notes", *[clean(r.text) for r in el.iterfind("remark")])
    rec.add("notes", f"EU reference: {_attr(el, 'euReferenceNumber')}" if _attr(el, "euReferenceNumber") else None)
    return rec


def parse_xml_export(source: Source) -> ParsedList:
    root = strip_namespaces(parse_xml(source.data, source.name))
    records = [_xml_entity(el) for el in root.iterfind("sanctionEntity")]
    if any(r.entity_id == "eu-fsf-None" for r in records):
        raise source.bad("a sanctionEntity has no logicalId")
    unique_ids(records, source)
    generated = first_date(root.get("generationDate"))
    published = dt.date.fromisoformat(generated) if generated and len(generated) == 10 else None
    return ParsedList("eu-fsf", "eu-fsf-xml", records, published)


NAMES_REQUIRED = ["Name", "Alias", "Nationality", "Designation", "Sanction Type", "Source"]


def parse_names_csv(source: Source) -> ParsedList:
    """DERIVED names table: one row per subject, aliases comma-joined (the name repeated among them)."""
    records = []
    for _line, row in dict_rows(decode(source.data, source.name), source.name, NAMES_REQUIRED):
        name = clean(row["Name"])
        schema = SCHEMAS.get((clean(row["Designation"]) or "").lower(), "LegalEntity")
        rec = Record(content_id("eu-fsf", name, row["Designation"]), schema, dict(row))
        rec.add("name", name)
        rec.add("alias", *[a for a in (clean(x) for x in (row["Alias"] or "").split(", ")) if a and a != name])
        rec.add("nationality", *[country_code(c) for c in (row["Nationality"] or "").split(",")])
        rec.add("notes", f"measure: {clean(row['Sanction Type'])}" if clean(row["Sanction Type"]) else None)
        records.append(rec)
    number_repeats(records)
    return ParsedList("eu-fsf", "eu-fsf-names-csv", records)


MERGED_REQUIRED = ["Entity_logical_id...2", "Subject_type", "Programme", "Naal_wholename", "Birt_date",
                   "Birt_country", "EU_ref_num", "Leba_publication_date", "type"]


def _merged_key(row: dict[str, str]) -> str | None:
    """FSF rows carry the FSF entity id; the few travel-ban-only rows (no FSF id) carry their own
    logical id in other columns and get a separate id space."""
    fsf = clean(row["Entity_logical_id...2"])
    if fsf:
        return f"eu-fsf-{fsf}"
    travel_ban = clean(row.get("logicalId"))
    if travel_ban:
        return f"eu-fsf-tb-{travel_ban}"
    remark = clean(row.get("remark"))
    return content_id("eu-fsf-tb", remark) if remark else None


def _name_in_remark(remark: str | None) -> str | None:
    """Some travel-ban rows hold only a remark like "['Name', 'Title: ...']": the name is first."""
    if remark and remark.startswith("['"):
        return clean(remark[2:].split("'", 1)[0])
    return None


def _merged_groups(source: Source) -> Iterator[tuple[str, list[dict[str, str]]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for line, row in dict_rows(decode(source.data, source.name), source.name, MERGED_REQUIRED):
        key = _merged_key(row)
        if key is None:
            raise source.bad("neither an FSF entity id nor a travel-ban logical id", f"line {line}")
        groups.setdefault(key, []).append(row)
    yield from groups.items()


def _merged_row(rec: Record, row: dict[str, str]) -> None:
    name = (clean(row["Naal_wholename"]) or clean(row.get("nameAlias.wholeName"))
            or _name_in_remark(clean(row.get("remark"))))
    rec.add("name" if not rec.properties.get("name") else "alias", name)
    rec.add_programme(clean(row["Programme"]))
    if rec.schema == "Person":
        rec.add("birthDate", *parse_date(row["Birt_date"]), *parse_date(row.get("birthdate.year")))
        rec.add("position", clean(row.get("Naal_function")) or clean(row.get("nameAlias.function")))
        rec.add("nationality", country_code(row.get("citizenship.countryDescription")))
    rec.add("country", country_code(row.get("Addr_country")))
    rec.add("notes", clean(row.get("Entity_remark")) or clean(row.get("remark")))
    rec.add("notes", f"EU reference: {clean(row['EU_ref_num'])}" if clean(row["EU_ref_num"]) else None)
    rec.add("notes", f"measure: {clean(row['type'])}" if clean(row["type"]) else None)
    listed = first_date(row["Leba_publication_date"])
    if listed and (rec.listed_on is None or listed < rec.listed_on):
        rec.listed_on = listed


def parse_merged_csv(source: Source) -> ParsedList:
    """DERIVED FSF 1.0 table merged with travel bans: one row per name alias, grouped by entity."""
    records = []
    for entity_id, rows in _merged_groups(source):
        kind = clean(rows[0]["Subject_type"]) or clean(rows[0].get("subjectType.classificationCode")) or ""
        rec = Record(entity_id, SCHEMAS.get(kind.lower(), "LegalEntity"), {"rows": rows})
        for row in rows:
            _merged_row(rec, row)
        records.append(rec)
    return ParsedList("eu-fsf", "eu-fsf-merged-csv", records)


def _header(head: bytes) -> bytes:
    return head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]


def sniff_xml(head: bytes, path: Path) -> bool:
    return root_is(head, "export") and b"sanctionEntity" in head


def sniff_names(head: bytes, path: Path) -> bool:
    return _header(head).strip().replace(b'"', b"") == b"Name,Alias,Nationality,Designation,Sanction Type,Source"


def sniff_merged(head: bytes, path: Path) -> bool:
    first = _header(head)
    return b"Entity_logical_id" in first and b"Naal_wholename" in first


register(Format("eu-fsf-xml", sniff_xml, parse_xml_export))
register(Format("eu-fsf-names-csv", sniff_names, parse_names_csv))
register(Format("eu-fsf-merged-csv", sniff_merged, parse_merged_csv))
