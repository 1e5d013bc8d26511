"""OFAC XML: the classic format (``sdnList``/``sdnEntry``) and the enhanced format
(``sanctionsData``, usually zipped). Both serve the SDN and the consolidated non-SDN lists.

Identifiers and features arrive as typed text ("Passport", "Birthdate", "SWIFT/BIC" ...);
they are read through the same table as the legacy remarks, so the three OFAC formats give
the same properties for the same entry.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import etree

from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, register, unique_ids
from dualcheck.lists.sources.helpers import country_code, first_date, person_name
from dualcheck.lists.sources.ofac_csv import SCHEMAS, list_name_for
from dualcheck.lists.sources.ofac_remarks import apply_remark, apply_remarks
from dualcheck.lists.sources.xmlfiles import parse_xml, root_is, strip_namespaces, text, texts, to_dict

ALIAS_TYPES = {"a.k.a.": "alias", "f.k.a.": "previousName", "n.k.a.": "alias"}


def _published(value: str | None) -> dt.date | None:
    found = first_date(value, day_first=False)
    return dt.date.fromisoformat(found) if found and len(found) == 10 else None


def _classic_entry(el: etree._Element, list_name: str) -> Record:
    uid = text(el, "uid") or ""
    schema = SCHEMAS.get((text(el, "sdnType") or "").lower(), "Organization")
    rec = Record(f"{list_name}-{uid}", schema, to_dict(el))
    first, last = text(el, "firstName"), text(el, "lastName")
    rec.add("name", person_name(first, last))
    if schema == "Person":
        rec.add("firstName", first)
        rec.add("lastName", last)
        rec.add("position", text(el, "title"))
    rec.add_programme(*texts(el, "programList/program"))
    for aka in el.iterfind("akaList/aka"):
        prop = ALIAS_TYPES.get((text(aka, "type") or "").lower(), "alias")
        if prop == "alias" and (text(aka, "category") or "").lower() == "weak":
            prop = "weakAlias"
        rec.add(prop, person_name(text(aka, "firstName"), text(aka, "lastName")))
    for addr in el.iterfind("addressList/address"):
        parts = [text(addr, k) for k in ("address1", "address2", "address3", "city", "stateOrProvince",
                                          "postalCode", "country")]
        rec.add("address", ", ".join(p for p in parts if p) or None)
        rec.add("country", country_code(text(addr, "country")))
    for item in el.iterfind("dateOfBirthList/dateOfBirthItem"):
        apply_remark(rec, f"DOB {text(item, 'dateOfBirth') or ''}")
    rec.add("birthPlace", *texts(el, "placeOfBirthList/placeOfBirthItem/placeOfBirth"))
    rec.add("nationality", *[country_code(c) for c in texts(el, "nationalityList/nationality/country")])
    rec.add("citizenship", *[country_code(c) for c in texts(el, "citizenshipList/citizenship/country")])
    for ident in el.iterfind("idList/id"):
        country = text(ident, "idCountry")
        apply_remark(rec, f"{text(ident, 'idType') or ''} {text(ident, 'idNumber') or ''}"
                          + (f" ({country})" if country else ""))
    vessel = el.find("vesselInfo")
    if vessel is not None and schema == "Vessel":
        rec.add("callSign", text(vessel, "callSign"))
        rec.add("type", text(vessel, "vesselType"))
        rec.add("flag", country_code(text(vessel, "vesselFlag")))
        rec.add("tonnage", text(vessel, "tonnage"))
        rec.add("grossRegisteredTonnage", text(vessel, "grossRegisteredTonnage"))
    apply_remarks(rec, text(el, "remarks"))
    return rec


def parse_classic(source: Source) -> ParsedList:
    root = strip_namespaces(parse_xml(source.data, source.name))
    list_name = list_name_for(source.path)
    records = [_classic_entry(el, list_name) for el in root.iterfind("sdnEntry")]
    unique_ids(records, source)
    return ParsedList(list_name, "ofac-xml", records, _published(text(root, "publshInformation/Publish_Date")))


ENHANCED_SCHEMAS = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}


def _enhanced_names(rec: Record, el: etree._Element) -> None:
    for name in el.iterfind("names/name"):
        primary = text(name, "isPrimary") == "true"
        weak = text(name, "isLowQuality") == "true"
        prop = "name" if primary else ALIAS_TYPES.get((text(name, "aliasType") or "").lower(), "alias")
        if weak and prop == "alias":
            prop = "weakAlias"
        for tr in name.iterfind("translations/translation"):
            first, last = text(tr, "formattedFirstName"), text(tr, "formattedLastName")
            full = person_name(first, last) if (first or last) else text(tr, "formattedFullName")
            rec.add(prop, full)
            if primary and rec.schema == "Person" and text(tr, "isPrimary") == "true":
                rec.add("firstName", first)
                rec.add("lastName", last)


def _enhanced_entity(el: etree._Element, list_name: str) -> Record:
    uid = el.get("id") or ""
    schema = ENHANCED_SCHEMAS.get((text(el, "generalInfo/entityType") or "").lower(), "Organization")
    rec = Record(f"{list_name}-{uid}", schema, to_dict(el))
    _enhanced_names(rec, el)
    rec.add_programme(*texts(el, "sanctionsPrograms/sanctionsProgram"))
    for addr in el.iterfind("addresses/address"):
        parts = texts(addr, "translations/translation/addressParts/addressPart/value")
        country = text(addr, "country")
        rec.add("address", ", ".join([*parts, country] if country else parts) or None)
        rec.add("country", country_code(country))
    for feature in el.iterfind("features/feature"):
        apply_remark(rec, f"{text(feature, 'type') or ''} {text(feature, 'value') or ''}".strip())
    for doc in el.iterfind("identityDocuments/identityDocument"):
        country = text(doc, "issuingCountry")
        apply_remark(rec, f"{text(doc, 'type') or ''} {text(doc, 'documentNumber') or ''}"
                          + (f" ({country})" if country else ""))
    listed = [sl.get("datePublished") for sl in el.iterfind("sanctionsLists/sanctionsList") if sl.get("datePublished")]
    rec.listed_on = min(listed) if listed else None
    return rec


def parse_enhanced(source: Source) -> ParsedList:
    root = strip_namespaces(parse_xml(source.data, source.name))
    lists = " ".join(texts(root, "publicationInfo/filters/sanctionsLists/sanctionsList")).lower()
    list_name = "us-ofac-nonsdn" if "consolidated" in lists else "us-ofac-sdn"
    records = [_enhanced_entity(el, list_name) for el in root.iterfind("entities/entity")]
    unique_ids(records, source)
    published = first_date(text(root, "publicationInfo/dataAsOf"))
    return ParsedList(list_name, "ofac-enhanced-xml", records,
                      dt.date.fromisoformat(published) if published and len(published) == 10 else None)


def sniff_classic(head: bytes, path: Path) -> bool:
    return root_is(head, "sdnList")


def sniff_enhanced(head: bytes, path: Path) -> bool:
    return root_is(head, "sanctionsData")


register(Format("ofac-xml", sniff_classic, parse_classic))
register(Format("ofac-enhanced-xml", sniff_enhanced, parse_enhanced))
