"""OFAC legacy remarks: the a.k.a.s, dates, places, nationalities and identifiers that the
legacy CSV and the classic XML keep only as text (``DOB 12 Mar 1962; POB Baghdad, Iraq;
Passport A123 (Iraq); a.k.a. 'ABU ALI'``). Each remark is matched against a table of
prefixes (the table is data: add a line to read one more kind of remark); what no prefix
matches is kept in ``notes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dualcheck.lists.sources.base import Record
from dualcheck.lists.sources.helpers import country_code, id_value, parse_date, split_remarks

IDENTIFIER = "identifier"
DATE = "date"
COUNTRY = "country"
TEXT = "text"

# (remark prefix, followthemoney property, how the rest is read); longest prefixes first.
REMARK_FIELDS: list[tuple[str, str, str]] = sorted([
    ("DOB", "birthDate", DATE),
    ("POB", "birthPlace", TEXT),
    ("nationality", "nationality", COUNTRY),
    ("citizen", "citizenship", COUNTRY),
    ("Gender", "gender", TEXT),
    ("Passport", "passportNumber", IDENTIFIER),
    ("Diplomatic Passport", "passportNumber", IDENTIFIER),
    ("National ID No.", "idNumber", IDENTIFIER),
    ("Identification Number", "idNumber", IDENTIFIER),
    ("Cedula No.", "idNumber", IDENTIFIER),
    ("C.U.R.P.", "idNumber", IDENTIFIER),
    ("D.N.I.", "idNumber", IDENTIFIER),
    ("Electoral Registry No.", "idNumber", IDENTIFIER),
    ("Birth Certificate Number", "idNumber", IDENTIFIER),
    ("Driver's License No.", "idNumber", IDENTIFIER),
    ("SSN", "idNumber", IDENTIFIER),
    ("Tax ID No.", "taxNumber", IDENTIFIER),
    ("V.A.T. Number", "taxNumber", IDENTIFIER),
    ("R.F.C.", "taxNumber", IDENTIFIER),
    ("RFC", "taxNumber", IDENTIFIER),
    ("C.U.I.T.", "taxNumber", IDENTIFIER),
    ("NIT #", "taxNumber", IDENTIFIER),
    ("RUC #", "taxNumber", IDENTIFIER),
    ("RIF #", "taxNumber", IDENTIFIER),
    ("Registration Number", "registrationNumber", IDENTIFIER),
    ("Registration ID", "registrationNumber", IDENTIFIER),
    ("Company Number", "registrationNumber", IDENTIFIER),
    ("Business Registration Number", "registrationNumber", IDENTIFIER),
    ("Business Registration Document #", "registrationNumber", IDENTIFIER),
    ("Business Number", "registrationNumber", IDENTIFIER),
    ("Commercial Registry Number", "registrationNumber", IDENTIFIER),
    ("Folio Mercantil No.", "registrationNumber", IDENTIFIER),
    ("Matricula Mercantil No", "registrationNumber", IDENTIFIER),
    ("Unified Social Credit Code (USCC)", "registrationNumber", IDENTIFIER),
    ("Government Gazette Number", "registrationNumber", IDENTIFIER),
    ("Chamber of Commerce Number", "registrationNumber", IDENTIFIER),
    ("Istanbul Chamber of Comm. No.", "registrationNumber", IDENTIFIER),
    ("C.R. No.", "registrationNumber", IDENTIFIER),
    ("Trade License No.", "registrationNumber", IDENTIFIER),
    ("Economic Register Number (CBLS)", "registrationNumber", IDENTIFIER),
    ("Central Registration System Number", "registrationNumber", IDENTIFIER),
    ("D-U-N-S Number", "dunsCode", IDENTIFIER),
    ("Legal Entity Number", "leiCode", IDENTIFIER),
    ("SWIFT/BIC", "swiftBic", IDENTIFIER),
    ("Vessel Registration Identification IMO", "imoNumber", IDENTIFIER),
    ("MMSI", "mmsi", IDENTIFIER),
    ("Former Vessel Flag", "pastFlags", COUNTRY),
    ("Vessel Year of Build", "buildDate", DATE),
    ("Aircraft Manufacture Date", "buildDate", DATE),
    ("Aircraft Model", "model", TEXT),
    ("Aircraft Manufacturer's Serial Number (MSN)", "serialNumber", IDENTIFIER),
    ("Aircraft Tail Number", "registrationNumber", IDENTIFIER),
    ("Aircraft Operator", "notes", TEXT),
    ("Website", "website", TEXT),
    ("Email Address", "email", TEXT),
    ("Phone Number", "phone", TEXT),
    ("Telephone", "phone", TEXT),
    ("Organization Established Date", "incorporationDate", DATE),
    ("Organization Type:", "legalForm", TEXT),
    # the same facts as named in the XML formats' id and feature types
    ("Birthdate", "birthDate", DATE),
    ("Place of Birth", "birthPlace", TEXT),
    ("Nationality Country", "nationality", COUNTRY),
    ("Citizenship Country", "citizenship", COUNTRY),
    ("Nationality of Registration", "country", COUNTRY),
    ("Public Registration Number", "registrationNumber", IDENTIFIER),
    ("Passport Number", "passportNumber", IDENTIFIER),
], key=lambda row: -len(row[0]))

_QUOTED_ALIAS = re.compile(r"^(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*,?\s*'(.+)'$", re.I)
ALIAS_PROPERTY = {"a.k.a.": "weakAlias", "f.k.a.": "previousName", "n.k.a.": "weakAlias"}


def _reader(kind: str) -> Callable[[str], list[str]]:
    if kind == DATE:
        return lambda rest: parse_date(rest)
    if kind == COUNTRY:
        return lambda rest: [c for c in [country_code(rest)] if c]
    if kind == IDENTIFIER:
        return lambda rest: [v for v in [id_value(rest)[0]] if v]
    return lambda rest: [rest.strip(" :-")] if rest.strip(" :-") else []


_READERS = {kind: _reader(kind) for kind in (DATE, COUNTRY, IDENTIFIER, TEXT)}
# one alternation, longest prefix first, that must end at a word boundary (not "Passports")
_PREFIX = re.compile("(" + "|".join(re.escape(prefix) for prefix, _p, _k in REMARK_FIELDS) + r")(?![A-Za-z])")
_FIELDS = {prefix: (prop, kind) for prefix, prop, kind in REMARK_FIELDS}


def apply_remark(record: Record, remark: str) -> None:
    """Read one remark into the record (alias, date, identifier ...) or keep it in notes."""
    text = remark[5:].strip() if remark.startswith("alt. ") else remark
    if m := _QUOTED_ALIAS.match(text):
        record.add(ALIAS_PROPERTY[m[1].lower()], m[2])
        return
    if m := _PREFIX.match(text):
        prop, kind = _FIELDS[m[1]]
        values = _READERS[kind](text[m.end():])
        if prop == "gender":
            values = [v.lower() for v in values]
        if values:
            record.add(prop, *values)
            return
    record.add("notes", remark)


def apply_remarks(record: Record, remarks: str | None) -> None:
    for remark in split_remarks(remarks):
        apply_remark(record, remark)
