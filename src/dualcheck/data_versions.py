"""Which reference data is loaded: the versions every answer names.

Each domain that loads reference data contributes one entry here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dualcheck.config import get_settings
from dualcheck.controls.service import loaded_versions as controls_versions
from dualcheck.lists.store import current_versions as list_versions
from dualcheck.rules.ruleset import rule_set_versions


def loaded_data_versions(session: Session) -> dict[str, Any]:
    """{"lists": {name: {...}}, "controls": {name: {...}}} for what is loaded now."""
    versions: dict[str, Any] = {"lists": {}, "controls": {}}
    versions["lists"] = list_versions(session)
    versions["controls"] = controls_versions(session)
    versions["rules"] = rule_set_versions(get_settings().effective_data_dir)
    return versions
