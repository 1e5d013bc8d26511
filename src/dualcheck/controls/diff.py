"""Differences between two versions of a control list: entries added, removed and changed.

An entry is changed when any of its lines (items, notes) differs; the change lists the codes
added, removed or reworded with a unified text diff, so a reviewer sees exactly what moved.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.controls.models import ControlListVersion, ControlProvision
from dualcheck.errors import NotFound


def resolve_version(session: Session, list_name: str, ref: str) -> ControlListVersion:
    """A version by id, or the version in force on a YYYY-MM-DD date."""
    row = session.get(ControlListVersion, ref)
    if row is not None:
        return row
    query = select(ControlListVersion).where(ControlListVersion.list_name == list_name)
    try:
        query = query.where(ControlListVersion.valid_from <= dt.date.fromisoformat(ref))
    except ValueError:
        query = query.where(ControlListVersion.id.startswith(ref))
    row = session.execute(query.order_by(ControlListVersion.valid_from.desc(),
                                         ControlListVersion.loaded_at.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{list_name}: no version {ref!r} (give a version id or a YYYY-MM-DD date)")
    return row


def _entry_lines(session: Session, version_id: str) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = defaultdict(list)
    rows = session.execute(select(ControlProvision.entry, ControlProvision.code, ControlProvision.kind,
                                  ControlProvision.text).where(ControlProvision.version_id == version_id)
                           .order_by(ControlProvision.seq))
    for entry, code, kind, text in rows:
        lines[entry].append(f"{code} {'' if kind == 'item' else f'[{kind}] '}{text}")
    return lines


def entry_changes(session: Session, old_id: str, new_id: str) -> dict[str, Any]:
    old, new = _entry_lines(session, old_id), _entry_lines(session, new_id)
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = {}
    for entry in sorted(set(old) & set(new)):
        if old[entry] != new[entry]:
            old_codes = {line.split(" ", 1)[0] for line in old[entry]}
            new_codes = {line.split(" ", 1)[0] for line in new[entry]}
            changed[entry] = {
                "codes_added": sorted(new_codes - old_codes), "codes_removed": sorted(old_codes - new_codes),
                "diff": list(difflib.unified_diff(old[entry], new[entry], old_id, new_id, lineterm="", n=0))}
    return {"added": added, "removed": removed, "changed": changed}


def diff_versions(session: Session, list_name: str, from_ref: str, to_ref: str) -> dict[str, Any]:
    old = resolve_version(session, list_name, from_ref)
    new = resolve_version(session, list_name, to_ref)
    changes = entry_changes(session, old.id, new.id)
    return {"list": list_name, "from": old.id, "to": new.id,
            "from_valid_from": old.valid_from.isoformat(), "to_valid_from": new.valid_from.isoformat(),
            "added": len(changes["added"]), "removed": len(changes["removed"]),
            "changed": len(changes["changed"]),
            "entries_added": changes["added"], "entries_removed": changes["removed"],
            "changes": [{"entry": e, **c} for e, c in changes["changed"].items()]}


def previous_version(session: Session, version_id: str) -> ControlListVersion | None:
    current = session.get(ControlListVersion, version_id)
    if current is None:
        return None
    query = select(ControlListVersion).where(ControlListVersion.list_name == current.list_name,
                                             ControlListVersion.id != current.id,
                                             ControlListVersion.valid_from <= current.valid_from)
    return session.execute(query.order_by(ControlListVersion.valid_from.desc(),
                                          ControlListVersion.loaded_at.desc()).limit(1)).scalar_one_or_none()
