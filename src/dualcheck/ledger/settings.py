"""Ledger settings (prefix ``DUALCHECK_LEDGER_``), read once like the main settings.

- ``CHECKPOINT_EVERY``: sign a checkpoint automatically after every N records (0 turns it off;
  ``dualcheck ledger checkpoint`` makes one on demand).
- ``RETENTION_YEARS``: how long records are kept after the end of the calendar year in which they
  were written. Article 27 of Regulation (EU) 2021/821 asks for at least five years, so a smaller
  value is refused; longer periods are allowed.
- ``KEY_FILE``: the Ed25519 signing key; default ``$DUALCHECK_HOME/keys/ledger-ed25519.pem``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from dualcheck.config import get_settings, settings_error

MINIMUM_RETENTION_YEARS = 5


class LedgerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUALCHECK_LEDGER_", extra="ignore")

    checkpoint_every: int = Field(default=1000, ge=0, description="Automatic checkpoint every N records; 0 = off.")
    retention_years: int = Field(default=MINIMUM_RETENTION_YEARS, ge=MINIMUM_RETENTION_YEARS, le=100,
                                 description="Years kept after the end of the record's calendar year.")
    key_file: Path | None = Field(default=None, description="Ed25519 signing key (PEM).")

    @property
    def effective_key_file(self) -> Path:
        if self.key_file is not None:
            return self.key_file
        return get_settings().home / "keys" / "ledger-ed25519.pem"


@lru_cache(maxsize=1)
def ledger_settings() -> LedgerSettings:
    try:
        return LedgerSettings()
    except ValidationError as exc:
        raise settings_error(exc, "DUALCHECK_LEDGER_") from None


def reset_ledger_settings_cache() -> None:
    ledger_settings.cache_clear()
