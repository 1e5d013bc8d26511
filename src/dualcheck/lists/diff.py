"""What changed in a list between two versions: added, removed and modified entities, and for a
modified entity which fields changed (old -> new).

"Modified" means the source record changed (its content hash differs), which is how the
publisher sees it; the field changes are shown on the followthemoney properties and, where
the properties are unchanged, on the source record's own fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.errors import BadInput
from dualcheck.lists.models import ListEntityRow, ListVersion
from dualcheck.lists.store import changed_ids, list_versions, resolve_version


def _default_refs(session: Session, list_name: str, from_ref: str | None,
                  to_ref: str | None) -> tuple[ListVersion, ListVersion]:
    versions = list_versions(session, list_name)
    if not versions:
        raise BadInput(f"list {list_name} has no loaded version", source="list")
    to_version = resolve_version(session, list_name, to_ref) if to_ref else next(
        (v for v in versions if v.is_current), versions[-1])
    if from_ref:
        return resolve_version(session, list_name, from_ref), to_version
    earlier = [v for v in versions if (v.published, v.id) < (to_version.published, to_version.id)]
    if not earlier:
        raise BadInput(f"list {list_name}: no version before {to_version.published} to compare with",
                       source="FROM")
    return earlier[-1], to_version


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"old": value, "new": value}} for every field whose value differs."""
    return {key: {"old": old.get(key), "new": new.get(key)}
            for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)}


def _rows(session: Session, version_id: int, ids: list[str]) -> dict[str, ListEntityRow]:
    out: dict[str, ListEntityRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = select(ListEntityRow).where(ListEntityRow.version_id == version_id,
                                            ListEntityRow.entity_id.in_(chunk))
        out.update({row.entity_id: row for row in session.execute(query).scalars()})
    return out


def _captions(session: Session, version_id: int, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = select(ListEntityRow.entity_id, ListEntityRow.caption).where(
            ListEntityRow.version_id == version_id, ListEntityRow.entity_id.in_(chunk))
        out.update({eid: caption for eid, caption in session.execute(query)})
    return out


def diff_versions(session: Session, list_name: str, from_ref: str | None = None,
                  to_ref: str | None = None) -> dict[str, Any]:
    """The `lists diff` document: {"list", "from", "to", "added", "removed", "modified", "changes"}."""
    old, new = _default_refs(session, list_name, from_ref, to_ref)
    added, removed, modified = changed_ids(session, old.id, new.id)
    added_ids, removed_ids, modified_ids = sorted(added), sorted(removed), sorted(modified)
    changes: list[dict[str, Any]] = []
    new_captions = _captions(session, new.id, added_ids)
    changes += [{"entity_id": eid, "change": "added", "caption": new_captions.get(eid)} for eid in added_ids]
    old_captions = _captions(session, old.id, removed_ids)
    changes += [{"entity_id": eid, "change": "removed", "caption": old_captions.get(eid)} for eid in removed_ids]
    before, after = _rows(session, old.id, modified_ids), _rows(session, new.id, modified_ids)
    for eid in modified_ids:
        was, now = before[eid], after[eid]
        fields = field_changes(was.entity.get("properties", {}), now.entity.get("properties", {}))
        if was.programmes != now.programmes:
            fields["programmes"] = {"old": was.programmes, "new": now.programmes}
        source_fields = field_changes(was.source_record, now.source_record)
        changes.append({"entity_id": eid, "change": "modified", "caption": now.caption, "fields": fields,
                        "source_fields": source_fields})
    return {
        "list": list_name,
        "from": old.published.isoformat(), "to": new.published.isoformat(),
        "from_version": old.id, "to_version": new.id,
        "added": len(added_ids), "removed": len(removed_ids), "modified": len(modified_ids),
        "changes": changes,
    }
