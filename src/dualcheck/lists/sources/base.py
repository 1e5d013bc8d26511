"""What every parser produces, and the small registry that detects a file's format from its content.

A parser turns one *source* (a file, or an OFAC legacy CSV set of several files) into a
`ParsedList`: the list's name, its publication date when the file states one, and one
`Record` per listed party. Records carry followthemoney property names; values that a schema
does not have are kept in ``notes`` (as "property: value") so nothing published is dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from followthemoney import model

from dualcheck.errors import BadInput


@lru_cache(maxsize=64)
def schema_properties(schema: str) -> frozenset[str]:
    found = model.get(schema)
    if found is None:
        raise ValueError(f"unknown followthemoney schema {schema!r}")
    return frozenset(name for name, prop in found.properties.items() if prop.type.name != "entity")


@dataclass
class Record:
    """One listed party as parsed: a followthemoney entity plus list-specific extras."""

    entity_id: str
    schema: str
    source: dict[str, Any]
    properties: dict[str, list[str]] = field(default_factory=dict)
    programmes: list[str] = field(default_factory=list)
    listed_on: str | None = None
    origin: str | None = None

    def add(self, prop: str, *values: str | None) -> None:
        """Add cleaned, de-duplicated values; a property the schema lacks goes to notes."""
        for value in values:
            if not value:
                continue
            text = " ".join(value.split()) if isinstance(value, str) else " ".join(str(value).split())
            if not text:
                continue
            target = prop
            if prop not in schema_properties(self.schema):
                target, text = "notes", f"{prop}: {text}"
            bucket = self.properties.get(target)
            if bucket is None:
                self.properties[target] = [text]
            elif text not in bucket:
                bucket.append(text)

    def add_programme(self, *values: str | None) -> None:
        for value in values:
            text = " ".join((value or "").split())
            if text and text not in self.programmes:
                self.programmes.append(text)
                self.add("program", text)

    @property
    def caption(self) -> str:
        for prop in ("name", "alias", "lastName", "weakAlias"):
            if self.properties.get(prop):
                return self.properties[prop][0]
        return self.entity_id

    def entity(self) -> dict[str, Any]:
        return {"id": self.entity_id, "schema": self.schema, "properties": self.properties}


@dataclass
class ParsedList:
    list_name: str
    format: str
    records: list[Record]
    published: dt.date | None = None  # only when the content says so


@dataclass
class Source:
    """A file to parse, with companion files of the same set (OFAC legacy CSV add/alt/comments)."""

    path: Path
    data: bytes
    companions: dict[str, bytes] = field(default_factory=dict)
    companion_names: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    def bad(self, message: str, location: str | None = None, *, file: str | None = None) -> BadInput:
        return BadInput(message, source=file or self.name, location=location)


@dataclass(frozen=True)
class Format:
    name: str
    sniff: Callable[[bytes, Path], bool]  # (first bytes of the file, path) -> is this format
    parse: Callable[[Source], ParsedList]
    companion_of: str | None = None  # for companion files: the format they belong to


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt


def detect(head: bytes, path: Path) -> Format | None:
    for fmt in FORMATS.values():
        if fmt.sniff(head, path):
            return fmt
    return None


def number_repeats(records: list[Record]) -> None:
    """For lists without a publisher id (ids derived from content): a repeated id gets -2, -3 ...
    in file order, so every published row stays one entity and ids stay stable."""
    seen: dict[str, int] = {}
    for rec in records:
        count = seen.get(rec.entity_id, 0) + 1
        seen[rec.entity_id] = count
        if count > 1:
            rec.entity_id = f"{rec.entity_id}-{count}"


def content_id(prefix: str, *parts: str | None) -> str:
    """A short, stable id from the fields that identify a party in a list without ids."""
    import hashlib

    key = "\x1f".join(" ".join((p or "").split()).lower() for p in parts)
    return f"{prefix}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def unique_ids(records: Iterable[Record], source: Source) -> None:
    """A list version may not name two parties with the same id: that is a broken file."""
    seen: set[str] = set()
    for rec in records:
        if rec.entity_id in seen:
            raise source.bad(f"entity {rec.entity_id} appears twice")
        seen.add(rec.entity_id)
