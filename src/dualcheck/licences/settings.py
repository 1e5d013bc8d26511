"""Hold settings (prefix ``DUALCHECK_HOLDS_``).

- ``FOUR_EYES``: comma-separated outcomes whose release needs two different officers (default
  ``PROHIBITED``; an empty value turns four-eyes off, and every single-person override of such an
  outcome is then written to the ledger as ``"four_eyes": false``, never silently).
- ``RELEASE_ROLES``: roles that may release or reject holds (default
  ``export_control_officer,compliance_manager``).
- ``OVERRIDE_ROLES``: roles that may release a PROHIBITED outcome (default ``compliance_manager``).
"""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from dualcheck.errors import ConfigError


def _split(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


class HoldSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUALCHECK_HOLDS_", extra="ignore")

    four_eyes: str = "PROHIBITED"
    release_roles: str = "export_control_officer,compliance_manager"
    override_roles: str = "compliance_manager"

    @property
    def four_eyes_outcomes(self) -> frozenset[str]:
        return frozenset(o.upper() for o in _split(self.four_eyes))

    def roles_for(self, outcome: str) -> frozenset[str]:
        return _split(self.override_roles) if outcome == "PROHIBITED" else _split(self.release_roles)

    def as_record(self) -> dict[str, list[str]]:
        """The settings a hold decision was taken under, for its ledger record."""
        return {"four_eyes": sorted(self.four_eyes_outcomes), "release_roles": sorted(_split(self.release_roles)),
                "override_roles": sorted(_split(self.override_roles))}

    @property
    def all_roles(self) -> frozenset[str]:
        return _split(self.release_roles) | _split(self.override_roles)


def hold_settings() -> HoldSettings:
    """Read on every decision (cheap), so a changed setting applies at once and is recorded with it."""
    try:
        return HoldSettings()
    except ValidationError as exc:
        raise ConfigError(f"DUALCHECK_HOLDS_: {exc.errors()[0]['msg']}") from None
