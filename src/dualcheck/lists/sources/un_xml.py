"""UN Security Council consolidated list, official XML (``CONSOLIDATED_LIST`` with
``INDIVIDUALS`` and ``ENTITIES``). Low-quality aliases are weak aliases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import etree

from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, register, unique_ids
from dualcheck.lists.sources.helpers import clean, country_code, first_date, parse_date, person_name
from dualcheck.lists.sources.ofac_remarks import apply_remark
from dualcheck.lists.sources.xmlfiles import parse_xml, root_is, text, texts, to_dict

ALIAS_QUALITY = {"low": "weakAlias", "f.k.a.": "previousName"}


def _address(rec: Record, el: etree._Element) -> None:
    parts = [text(el, k) for k in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")]
    rec.add("address", ", ".join(p for p in parts if p) or None)
    rec.add("country", country_code(text(el, "COUNTRY")))


def _birth_dates(rec: Record, el: etree._Element) -> None:
    kind = (text(el, "TYPE_OF_DATE") or "").upper()
    if kind == "BETWEEN":
        for year in (text(el, "FROM_YEAR"), text(el, "TO_YEAR")):
            rec.add("birthDate", *parse_date(year))
        return
    rec.add("birthDate", *parse_date(text(el, "DATE")), *parse_date(text(el, "YEAR")))


def _common(rec: Record, el: etree._Element, alias_tag: str, address_tag: str) -> None:
    rec.add_programme(text(el, "UN_LIST_TYPE"))
    rec.add("alias", text(el, "NAME_ORIGINAL_SCRIPT"))
    for alias in el.iterfind(alias_tag):
        quality = (text(alias, "QUALITY") or "").lower()
        rec.add(ALIAS_QUALITY.get(quality, "alias"), text(alias, "ALIAS_NAME"))
    for addr in el.iterfind(address_tag):
        _address(rec, addr)
    rec.add("notes", text(el, "COMMENTS1"))
    rec.add("notes", f"UN reference: {text(el, 'REFERENCE_NUMBER')}" if text(el, "REFERENCE_NUMBER") else None)
    rec.listed_on = first_date(text(el, "LISTED_ON"))


def _individual(el: etree._Element) -> Record:
    rec = Record(f"un-sc-{text(el, 'DATAID')}", "Person", to_dict(el))
    names = [text(el, k) for k in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    rec.add("name", person_name(*names))
    rec.add("firstName", names[0])
    rec.add("title", *texts(el, "TITLE/VALUE"))
    rec.add("position", *texts(el, "DESIGNATION/VALUE"))
    rec.add("nationality", *[country_code(c) for c in texts(el, "NATIONALITY/VALUE")])
    rec.add("gender", (text(el, "GENDER") or "").lower() or None)
    _common(rec, el, "INDIVIDUAL_ALIAS", "INDIVIDUAL_ADDRESS")
    for dob in el.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        _birth_dates(rec, dob)
    for pob in el.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        parts = [text(pob, k) for k in ("CITY", "STATE_PROVINCE", "COUNTRY")]
        rec.add("birthPlace", ", ".join(p for p in parts if p) or None)
    for doc in el.iterfind("INDIVIDUAL_DOCUMENT"):
        kind, number = text(doc, "TYPE_OF_DOCUMENT"), text(doc, "NUMBER")
        if number:
            country = text(doc, "ISSUING_COUNTRY") or text(doc, "COUNTRY_OF_ISSUE")
            apply_remark(rec, f"{kind or 'Identification Number'} {number}" + (f" ({country})" if country else ""))
    return rec


def _entity(el: etree._Element) -> Record:
    rec = Record(f"un-sc-{text(el, 'DATAID')}", "Organization", to_dict(el))
    rec.add("name", text(el, "FIRST_NAME"))
    _common(rec, el, "ENTITY_ALIAS", "ENTITY_ADDRESS")
    return rec


def parse(source: Source) -> ParsedList:
    root = parse_xml(source.data, source.name)
    records = [_individual(el) for el in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    records += [_entity(el) for el in root.iterfind("ENTITIES/ENTITY")]
    for rec in records:
        if rec.entity_id == "un-sc-None":
            raise source.bad("an entry has no DATAID")
    unique_ids(records, source)
    generated = first_date(clean(root.get("dateGenerated")))
    published = dt.date.fromisoformat(generated) if generated and len(generated) == 10 else None
    return ParsedList("un-sc", "un-sc-xml", records, published)


def sniff(head: bytes, path: Path) -> bool:
    return root_is(head, "CONSOLIDATED_LIST")


register(Format("un-sc-xml", sniff, parse))
