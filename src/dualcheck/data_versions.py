"""Which reference data is loaded: the versions every answer names.

Each domain that loads reference data contributes one entry here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dualcheck.controls.service import loaded_versions as controls_versions
from dualcheck.lists.store import current_versions as list_versions


def loaded_data_versions(session: Session) -> dict[str, Any]:
    """{"lists": {name: {...}}, "controls": {name: {...}}} for what is loaded now."""
    versions: dict[str, Any] = {"lists": {}, "controls": {}}
    versions["lists"] = list_versions(session)
    versions["controls"] = controls_versions(session)
    return versions
