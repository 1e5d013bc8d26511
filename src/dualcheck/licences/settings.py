"""Hold settings (prefix ``DUALCHECK_HOLDS_``).

- ``FOUR_EYES``: comma-separated outcomes whose release needs two different users (default
  ``PROHIBITED``; an empty value turns four-eyes off, and every single-person override of such an
  outcome is then written to the ledger as ``"four_eyes": false``, never silently).
- ``RELEASE_ROLES``: roles that may release or reject holds (default ``compliance_manager``).
- ``OVERRIDE_ROLES``: roles that may release a PROHIBITED outcome (default ``compliance_manager``).

Both role settings name the server's roles (``dualcheck.auth.roles``); an unknown name is refused
when the settings are read, so a misspelt role never silently leaves holds without anyone to decide.
"""

from __future__ import annotations

import os
import threading

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dualcheck.auth.roles import ROLES
from dualcheck.config import settings_error

PREFIX = "DUALCHECK_HOLDS_"


def _split(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


class HoldSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    four_eyes: str = "PROHIBITED"
    release_roles: str = "compliance_manager"
    override_roles: str = "compliance_manager"

    @field_validator("release_roles", "override_roles")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        unknown = sorted(_split(value) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role {', '.join(unknown)} (roles: {', '.join(ROLES)})")
        if not _split(value):
            raise ValueError("at least one role is needed")
        return value

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


_lock = threading.Lock()
_cached: tuple[tuple[tuple[str, str], ...], HoldSettings] | None = None


def _environment() -> tuple[tuple[str, str], ...]:
    """The variables HoldSettings reads (pydantic-settings matches names case-insensitively)."""
    return tuple(sorted((k.upper(), v) for k, v in os.environ.items() if k.upper().startswith(PREFIX)))


def hold_settings() -> HoldSettings:
    """The hold settings for the current environment, so a changed setting applies at once and is
    recorded with the decision. Building a settings object costs milliseconds, comparing the few
    DUALCHECK_HOLDS_ variables microseconds: the object is rebuilt only when they changed."""
    global _cached
    env = _environment()
    cached = _cached
    if cached is not None and cached[0] == env:
        return cached[1]
    try:
        settings = HoldSettings()
    except ValidationError as exc:
        raise settings_error(exc, "DUALCHECK_HOLDS_") from None
    with _lock:
        _cached = (env, settings)
    return settings


def reset_hold_settings_cache() -> None:
    global _cached
    with _lock:
        _cached = None
