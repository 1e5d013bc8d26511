"""What is compared: a screening query and a listed entity, both reduced to the same shape."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from followthemoney import model
from rigour.territories import lookup_territory

from dualcheck.errors import BadInput
from dualcheck.screening.dates import check_date
from dualcheck.screening.normalize import PreparedName, prepared_forms, validate_name

QUERY_SCHEMAS = ("Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane")
NAME_PROPS = ("name", "alias", "previousName")
COUNTRY_PROPS = ("nationality", "country", "citizenship", "jurisdiction")
ID_PROPS = ("passportNumber", "idNumber", "registrationNumber", "imoNumber", "taxNumber", "innCode", "ogrnCode",
            "mmsi", "leiCode", "swiftBic", "vatCode")
_ID_CHARS = re.compile(r"[^0-9A-Z]")


class ListedEntityLike(Protocol):
    """The shape the lists store provides (``dualcheck.lists.store.ListedEntity``)."""

    @property
    def list_name(self) -> str: ...
    @property
    def version_id(self) -> int | str: ...
    @property
    def entity_id(self) -> str: ...
    @property
    def schema(self) -> str: ...
    @property
    def caption(self) -> str: ...
    @property
    def properties(self) -> dict[str, list[str]]: ...
    @property
    def programmes(self) -> Any: ...
    @property
    def weak_aliases(self) -> Any: ...


@dataclass(slots=True)
class Subject:
    schema: str
    names: tuple[PreparedName, ...]
    weak_names: tuple[PreparedName, ...] = ()
    birth_dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    gender: str | None = None
    identifiers: frozenset[str] = frozenset()


@dataclass(slots=True)
class ListedSubject(Subject):
    entity_id: str = ""
    list_name: str = ""
    version_id: int | str = ""
    caption: str = ""
    programmes: tuple[str, ...] = ()
    fingerprint: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def normalise_country(value: str | None, *, field_name: str = "country", strict: bool = True) -> str | None:
    """ISO code (lower case) of a country code or name; BadInput when strict and unknown."""
    if value is None or not str(value).strip():
        return None
    territory = lookup_territory(str(value).strip())
    if territory is None:
        if strict:
            raise BadInput(f"unknown country {value!r}", location=field_name)
        return None
    return str(territory.code).lower()


def normalise_gender(value: str | None) -> str | None:
    if not value:
        return None
    v = str(value).strip().lower()
    if v in ("m", "male", "man", "männlich", "masculin"):
        return "male"
    if v in ("f", "female", "woman", "weiblich", "féminin", "feminin"):
        return "female"
    return None


def normalise_identifier(value: str) -> str:
    return _ID_CHARS.sub("", value.upper())


def check_schema(schema: str | None) -> str:
    if schema is None or schema == "":
        return "LegalEntity"
    for known in QUERY_SCHEMAS:
        if schema.lower() == known.lower():
            return known
    raise BadInput(f"unknown schema {schema!r} (one of {', '.join(QUERY_SCHEMAS)})", location="schema")


def check_birth_date(value: str | None, *, field_name: str = "birth_date") -> str | None:
    """The birth date as an ISO prefix, from any unambiguous form (see dates.py)."""
    return check_date(value, field=field_name)


def query_subject(name: str, *, schema: str | None = None, birth_date: str | None = None,
                  country: str | None = None, countries: list[str] | None = None, gender: str | None = None,
                  identifiers: list[str] | None = None, aliases: list[str] | None = None,
                  strict_country: bool = True) -> Subject:
    """A validated screening query (BadInput names the field at fault)."""
    schema_name = check_schema(schema)
    texts = [validate_name(name)] + [validate_name(a, field=f"aliases[{i}]") for i, a in enumerate(aliases or [])]
    codes = {normalise_country(c, strict=strict_country) for c in [country, *(countries or [])]}
    dob = check_birth_date(birth_date)
    return Subject(
        schema=schema_name,
        names=query_names(texts, schema_name),
        birth_dates=(dob,) if dob else (),
        countries=frozenset(c for c in codes if c),
        gender=normalise_gender(gender),
        identifiers=frozenset(filter(None, (normalise_identifier(i) for i in identifiers or []))),
    )


def query_names(texts: list[str], schema: str) -> tuple[PreparedName, ...]:
    """A query's prepared names. Without a schema (LegalEntity) the party may be a person or an
    organisation: each name is prepared both ways (a person's "Nat" or "Seven" is not rewritten,
    an organisation's legal form is set apart) and each listed name is compared with the form
    prepared as its own kind would be."""
    if schema != "LegalEntity":
        return tuple(form for t in texts for form in prepared_forms(t, schema))
    seen: dict[tuple[str, ...], PreparedName] = {}
    for text in texts:
        for kind in ("LegalEntity", "Person"):
            for form in prepared_forms(text, kind):
                known = seen.get(form.tokens)
                # the same tokens either way: one form, read as a person's (initials count) unless a
                # legal form was found
                if known is None or (form.person and not known.org_classes):
                    seen[form.tokens] = form
    return tuple(seen.values())


def _prepared(values: list[str], schema: str) -> tuple[PreparedName, ...]:
    seen: dict[tuple[str, ...], PreparedName] = {}
    for value in values:
        for prepared in prepared_forms(value, schema):
            if prepared.tokens and prepared.tokens not in seen:
                seen[prepared.tokens] = prepared
    return tuple(seen.values())


def entity_fingerprint(properties: dict[str, list[str]], schema: str) -> str:
    """A hash of what the list says about an entity: a decision stays valid only while it is unchanged."""
    doc = repr((schema, sorted((k, sorted(v)) for k, v in properties.items())))
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


def listed_subject(entity: ListedEntityLike) -> ListedSubject:
    props = entity.properties or {}
    schema = entity.schema if entity.schema in model.schemata else "LegalEntity"
    names = [v for p in NAME_PROPS for v in props.get(p, [])]
    first, last = props.get("firstName", []), props.get("lastName", [])
    if first and last:
        names.append(f"{first[0]} {last[0]}")
    if entity.caption:
        names.insert(0, entity.caption)
    weak = list(props.get("weakAlias", [])) + list(entity.weak_aliases or [])
    countries = {normalise_country(v, strict=False) for p in COUNTRY_PROPS for v in props.get(p, [])}
    genders = props.get("gender", [])
    return ListedSubject(
        schema=schema,
        names=_prepared(names, schema),
        weak_names=_prepared(weak, schema),
        birth_dates=tuple(sorted({d[:10] for d in props.get("birthDate", []) if d[:4].isdigit()})),
        countries=frozenset(c for c in countries if c),
        gender=normalise_gender(genders[0]) if len(genders) == 1 else None,
        identifiers=frozenset(filter(None, (normalise_identifier(v) for p in ID_PROPS for v in props.get(p, [])))),
        entity_id=entity.entity_id, list_name=entity.list_name, version_id=entity.version_id,
        caption=entity.caption or (names[0] if names else entity.entity_id),
        programmes=tuple(entity.programmes or ()),
        fingerprint=entity_fingerprint(props, entity.schema),
    )
