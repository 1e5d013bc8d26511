"""Canada consolidated autonomous sanctions (Special Economic Measures Act), XML: one ``record``
per person, entity or ship, keyed by country regime, schedule and item."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from dualcheck.lists.sources.base import Format, ParsedList, Record, Source, content_id, number_repeats, register
from dualcheck.lists.sources.helpers import country_code, first_date, parse_date, person_name
from dualcheck.lists.sources.xmlfiles import parse_xml, root_is, text, to_dict

_LANGUAGE_LABEL = re.compile(r"^\s*[A-Z][a-z]+:\s*")


def _aliases(value: str | None) -> list[str]:
    """Aliases are comma-joined, some with a language label ("Russian: ...")."""
    if not value:
        return []
    return [_LANGUAGE_LABEL.sub("", part).strip() for part in value.split(",") if part.strip()]


def _record(el: etree._Element) -> Record:
    regime = text(el, "Country")
    imo = text(el, "ShipIMONumber")
    given, last, entity = text(el, "GivenName"), text(el, "LastName"), text(el, "EntityOrShip")
    schema = "Vessel" if imo else ("Person" if (given or last) and not entity else "Organization")
    rec = Record(content_id("ca-sema", regime, text(el, "Schedule"), text(el, "Item")), schema, to_dict(el))
    if schema == "Person":
        rec.add("name", person_name(given, last))
        rec.add("firstName", given)
        rec.add("lastName", last)
        rec.add("title", text(el, "TitleOrShip"))
        rec.add("birthDate", *parse_date(text(el, "DateOfBirthOrShipBuildDate")))
    else:
        rec.add("name", entity)
    if schema == "Vessel":
        rec.add("imoNumber", imo)
        rec.add("type", text(el, "TitleOrShip"))
        rec.add("buildDate", *parse_date(text(el, "DateOfBirthOrShipBuildDate")))
    for alias in el.iterfind("Aliases"):
        rec.add("alias", *_aliases(text(alias)))
    rec.add_programme(f"SEMA {regime}" if regime else None)
    rec.add("country", country_code(regime))
    rec.add("notes", f"Schedule {text(el, 'Schedule')}, item {text(el, 'Item')}" if text(el, "Item") else None)
    rec.listed_on = first_date(text(el, "DateOfListing"))
    return rec


def parse(source: Source) -> ParsedList:
    root = parse_xml(source.data, source.name)
    records = [_record(el) for el in root.iterfind("record")]
    number_repeats(records)
    return ParsedList("ca-sema", "ca-sema-xml", records)


def sniff(head: bytes, path: Path) -> bool:
    return root_is(head, "data-set") and b"<record>" in head and b"<Item>" in head


register(Format("ca-sema-xml", sniff, parse))
