"""One settings object, read once from the environment (prefix ``DUALCHECK_``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dualcheck.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything configurable. See docs/operations.md, "Settings"."""

    model_config = SettingsConfigDict(env_prefix="DUALCHECK_", extra="ignore", validate_default=True)

    home: Path = Field(default=Path("./var"), description="Embedded database, indexes, keys, caches.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in home.")
    data_dir: Path | None = Field(default=None, description="Reference data folder.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    cookie_secure: bool = Field(default=False, description="Mark the session cookie Secure even over plain "
                                                              "HTTP (set it behind a TLS-terminating proxy).")
    max_request_bytes: int = Field(default=32 * 1024 * 1024, ge=1024, description="Largest request body accepted.")
    actor: str = Field(default_factory=lambda: os.environ.get("USER") or "system",
                       description="Who is acting, recorded in the ledger for CLI work.")
    list_max_age: str = Field(default="", description="Per-list maximum age in days before a clear screening "
                                                      "result becomes a warning, e.g. 'us-csl=30,eu-fsf=3' "
                                                      "(defaults: lists/data/max_age.yaml).")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'dualcheck.sqlite3').resolve()}"

    @property
    def effective_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir
        for candidate in (REPO_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
            if candidate.is_dir():
                return candidate
        return self.home / "data"

    def ensure_home(self) -> Path:
        """Create the home folder if needed and check that it is writable."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"DUALCHECK_HOME {self.home}: cannot create folder ({exc.strerror})") from exc
        if not os.access(self.home, os.W_OK | os.X_OK):
            raise ConfigError(f"DUALCHECK_HOME {self.home}: folder is not writable")
        return self.home


def settings_error(exc: ValidationError, prefix: str) -> ConfigError:
    """One line naming the environment variable at fault (``prefix`` + field name)."""
    err = exc.errors()[0]
    field = prefix + str(err["loc"][0]).upper() if err["loc"] else f"{prefix}* settings"
    return ConfigError(f"{field}: {err['msg']}")


def load_settings() -> Settings:
    """Read settings from the environment; invalid ones raise ConfigError with one line."""
    try:
        return Settings()
    except ValidationError as exc:
        raise settings_error(exc, "DUALCHECK_") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
