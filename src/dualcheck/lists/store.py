"""Read API of the lists domain: what screening and the API build on.

Names and shapes (stable; other domains depend on them):

- ``ListedEntity`` (frozen dataclass): ``list_name``, ``version_id``, ``entity_id`` (stable
  across versions, e.g. ``us-ofac-sdn-12345``), ``schema`` (followthemoney schema name),
  ``caption``, ``properties`` ({followthemoney property: [values]}: name, alias, weakAlias,
  previousName, firstName, lastName, birthDate, birthPlace, nationality, citizenship, country,
  gender, passportNumber, idNumber, registrationNumber, taxNumber, imoNumber, swiftBic, address,
  notes, program ...; countries are followthemoney codes: ISO alpha-2 in lower case, or a code
  of a former state such as "yucs"; dates are ISO and possibly partial),
  ``programmes``, ``weak_aliases`` (weak a.k.a.s, also in ``properties["weakAlias"]``), and
  ``listed_on`` / ``origin`` (list of origin inside the US CSL) when the list says so.
- ``iter_current_entities(session)``: every entity of the current version of every list.
- ``current_versions(session)``: {list_name: {"version", "published", "entities", "sha256"}}.
- ``version_entities(session, version_id)``: the entities of one version.
- ``changed_entities(session, list_name, from_version_id, to_version_id)``: (added, removed,
  modified) lists of ListedEntity (modified: same id, source record changed; the new state).
- ``get_entity(session, entity_id, version_id=None)``: ``StoredEntity`` with the source record,
  from the given version, else the current version holding it, else the latest one.
- ``list_versions(session, list_name=None)`` and ``resolve_version(session, list_name, ref)``
  (ref: a version id or a publication date YYYY-MM-DD).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from dualcheck.errors import BadInput, NotFound
from dualcheck.lists.models import ListEntityRow, ListVersion


@dataclass(frozen=True)
class ListedEntity:
    list_name: str
    version_id: int
    entity_id: str
    schema: str
    caption: str
    properties: dict[str, list[str]]
    programmes: list[str]
    weak_aliases: list[str]
    listed_on: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class StoredEntity:
    entity: ListedEntity
    source_record: dict[str, Any]
    content_hash: str
    version: dict[str, Any]


_ENTITY_COLUMNS = (ListVersion.list_name, ListEntityRow.version_id, ListEntityRow.entity_id, ListEntityRow.schema,
                   ListEntityRow.caption, ListEntityRow.entity, ListEntityRow.programmes, ListEntityRow.weak_aliases,
                   ListEntityRow.listed_on, ListEntityRow.origin)


def _listed(row: Row[Any]) -> ListedEntity:
    return ListedEntity(list_name=row.list_name, version_id=row.version_id, entity_id=row.entity_id,
                        schema=row.schema, caption=row.caption, properties=row.entity.get("properties", {}),
                        programmes=list(row.programmes), weak_aliases=list(row.weak_aliases),
                        listed_on=row.listed_on, origin=row.origin)


def version_info(version: ListVersion) -> dict[str, Any]:
    """A version as the CLI and the API show it (the `lists status` JSON fields and more)."""
    return {
        "name": version.list_name, "version": version.id, "published": version.published.isoformat(),
        "entities": version.entity_count, "sha256": version.sha256, "current": version.is_current,
        "published_from": version.published_from, "retrieved_at": version.retrieved_at.isoformat(),
        "format": version.source_format, "files": version.source_files,
    }


def iter_current_entities(session: Session, batch: int = 2000) -> Iterator[ListedEntity]:
    query = (select(*_ENTITY_COLUMNS).join(ListVersion, ListVersion.id == ListEntityRow.version_id)
             .where(ListVersion.is_current.is_(True)).order_by(ListEntityRow.id)
             .execution_options(yield_per=batch))
    for row in session.execute(query):
        yield _listed(row)


def current_versions(session: Session) -> dict[str, dict[str, Any]]:
    versions = session.execute(select(ListVersion).where(ListVersion.is_current.is_(True))
                               .order_by(ListVersion.list_name)).scalars()
    return {v.list_name: {"version": v.id, "published": v.published.isoformat(), "entities": v.entity_count,
                          "sha256": v.sha256} for v in versions}


def list_versions(session: Session, list_name: str | None = None) -> list[ListVersion]:
    query = select(ListVersion).order_by(ListVersion.list_name, ListVersion.published, ListVersion.id)
    if list_name is not None:
        query = query.where(ListVersion.list_name == list_name)
    return list(session.execute(query).scalars())


def resolve_version(session: Session, list_name: str, ref: str | int) -> ListVersion:
    """A version of the list by id or publication date (the latest loaded one of that date)."""
    text = str(ref).strip()
    query = select(ListVersion).where(ListVersion.list_name == list_name)
    if text.isdigit():
        query = query.where(ListVersion.id == int(text))
    else:
        try:
            published = dt.date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"{text!r} is neither a version id nor a date YYYY-MM-DD", source="version") from None
        query = query.where(ListVersion.published == published)
    found = session.execute(query.order_by(ListVersion.id.desc()).limit(1)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"list {list_name}: no version {text}")
    return found


def version_entities(session: Session, version_id: int) -> list[ListedEntity]:
    query = (select(*_ENTITY_COLUMNS).join(ListVersion, ListVersion.id == ListEntityRow.version_id)
             .where(ListEntityRow.version_id == version_id).order_by(ListEntityRow.id))
    return [_listed(row) for row in session.execute(query)]


def _hashes(session: Session, version_id: int) -> dict[str, str]:
    rows = session.execute(select(ListEntityRow.entity_id, ListEntityRow.content_hash)
                           .where(ListEntityRow.version_id == version_id))
    return {entity_id: content_hash for entity_id, content_hash in rows}


def changed_ids(session: Session, from_version_id: int, to_version_id: int) -> tuple[set[str], set[str], set[str]]:
    """(added, removed, modified) entity ids between two versions, from the content hashes."""
    old, new = _hashes(session, from_version_id), _hashes(session, to_version_id)
    added = new.keys() - old.keys()
    removed = old.keys() - new.keys()
    modified = {eid for eid in new.keys() & old.keys() if new[eid] != old[eid]}
    return set(added), set(removed), modified


def _entities_by_id(session: Session, version_id: int, ids: Sequence[str]) -> list[ListedEntity]:
    out: list[ListedEntity] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = (select(*_ENTITY_COLUMNS).join(ListVersion, ListVersion.id == ListEntityRow.version_id)
                 .where(ListEntityRow.version_id == version_id, ListEntityRow.entity_id.in_(chunk)))
        out.extend(_listed(row) for row in session.execute(query))
    out.sort(key=lambda e: e.entity_id)
    return out


def changed_entities(session: Session, list_name: str, from_version_id: int, to_version_id: int,
                     ) -> tuple[list[ListedEntity], list[ListedEntity], list[ListedEntity]]:
    """Entities added, removed and modified from one version of a list to another (for re-screening)."""
    for vid in (from_version_id, to_version_id):
        version = session.get(ListVersion, vid)
        if version is None or version.list_name != list_name:
            raise NotFound(f"list {list_name}: no version {vid}")
    added, removed, modified = changed_ids(session, from_version_id, to_version_id)
    return (_entities_by_id(session, to_version_id, sorted(added)),
            _entities_by_id(session, from_version_id, sorted(removed)),
            _entities_by_id(session, to_version_id, sorted(modified)))


def get_entity(session: Session, entity_id: str, version_id: int | None = None) -> StoredEntity:
    query = (select(ListEntityRow, ListVersion).join(ListVersion, ListVersion.id == ListEntityRow.version_id)
             .where(ListEntityRow.entity_id == entity_id))
    if version_id is not None:
        query = query.where(ListEntityRow.version_id == version_id)
    query = query.order_by(ListVersion.is_current.desc(), ListVersion.published.desc(), ListVersion.id.desc())
    found = session.execute(query.limit(1)).first()
    if found is None:
        where = f" in version {version_id}" if version_id is not None else ""
        raise NotFound(f"entity {entity_id} not found{where}")
    row, version = found
    entity = ListedEntity(list_name=version.list_name, version_id=version.id, entity_id=row.entity_id,
                          schema=row.schema, caption=row.caption, properties=row.entity.get("properties", {}),
                          programmes=list(row.programmes), weak_aliases=list(row.weak_aliases),
                          listed_on=row.listed_on, origin=row.origin)
    return StoredEntity(entity=entity, source_record=row.source_record, content_hash=row.content_hash,
                        version=version_info(version))
