"""Settings: defaults, validation, clear one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualcheck.config import Settings, load_settings
from dualcheck.db.engine import Database
from dualcheck.errors import ConfigError


def test_defaults_use_sqlite_in_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCHECK_HOME", str(tmp_path / "h"))
    s = load_settings()
    assert s.effective_database_url == f"sqlite:///{(tmp_path / 'h' / 'dualcheck.sqlite3').resolve()}"
    assert s.port == 8000 and s.host == "127.0.0.1"


def test_database_url_overrides_and_normalises_postgres_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCHECK_DATABASE_URL", "postgresql://u@h/db")
    assert load_settings().effective_database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(("var", "value", "expected"), [
    ("DUALCHECK_PORT", "70000", "DUALCHECK_PORT"),
    ("DUALCHECK_PORT", "eighty", "DUALCHECK_PORT"),
    ("DUALCHECK_LOG_LEVEL", "LOUD", "DUALCHECK_LOG_LEVEL"),
    ("DUALCHECK_DATABASE_URL", "mysql://x", "DUALCHECK_DATABASE_URL"),
])
def test_invalid_settings_fail_with_one_line(monkeypatch: pytest.MonkeyPatch, var: str, value: str,
                                             expected: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCHECK_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


def test_data_dir_default_is_shared_beside_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUALCHECK_DATA_DIR", raising=False)
    s = Settings()
    assert s.effective_data_dir.name == "data"
    assert (s.effective_data_dir / "lists").is_dir()


def test_data_dir_falls_back_to_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dualcheck.config as config

    monkeypatch.delenv("DUALCHECK_DATA_DIR", raising=False)
    monkeypatch.setattr(config, "REPO_ROOT", tmp_path / "nowhere" / "repo")
    monkeypatch.chdir(tmp_path)
    s = Settings(home=tmp_path / "h")
    assert s.effective_data_dir == tmp_path / "h" / "data"


def test_unwritable_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"DUALCHECK_HOME .*cannot create folder"):
        Settings(home=blocker / "sub").ensure_home()


def test_unreachable_database_is_a_clear_error() -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    with pytest.raises(ConfigError, match=r"database postgresql\+psycopg://postgres@127.0.0.1:1/nothing: "
                                          "cannot connect"):
        db.check_connection()
