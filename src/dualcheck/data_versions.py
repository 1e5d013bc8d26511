"""Which reference data is loaded: the versions every answer names.

Each domain that loads reference data contributes one entry here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dualcheck.lists.store import current_versions as list_versions


def loaded_data_versions(session: Session) -> dict[str, Any]:
    """{"lists": {name: {...}}, "controls": {name: {...}}} for what is loaded now."""
    versions: dict[str, Any] = {"lists": {}, "controls": {}}
    versions["lists"] = list_versions(session)
    return versions
