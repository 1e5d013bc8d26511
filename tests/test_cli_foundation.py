"""The command line: help everywhere, one-line errors with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from dualcheck.cli import app


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dualcheck", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def _all_command_paths() -> list[list[str]]:
    cmd = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(c, prefix: list[str]) -> None:  # type: ignore[no-untyped-def]
        paths.append(prefix)
        for name, sub in getattr(c, "commands", {}).items():
            walk(sub, [*prefix, name])

    walk(cmd, [])
    return paths


def test_every_command_has_help() -> None:
    cmd = typer.main.get_command(app)
    paths = _all_command_paths()
    assert len(paths) > 5
    for path in paths:
        c = cmd
        for name in path:
            c = c.commands[name]  # type: ignore[attr-defined]
        assert (c.help or "").strip(), f"dualcheck {' '.join(path)} has no help text"
    r = run("db", "upgrade", "--help")
    assert r.returncode == 0 and "Apply migrations" in r.stdout


@pytest.mark.parametrize("args", [["nonsense"], ["db", "status", "--bogus"], ["serve", "--port", "99999"]])
def test_bad_usage_is_one_line_exit_2(args: list[str]) -> None:
    r = run(*args)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("dualcheck")


def test_bad_setting_is_one_line_exit_2() -> None:
    r = run("db", "status", env={"DUALCHECK_PORT": "0"})
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [
        "dualcheck: DUALCHECK_PORT: Input should be greater than or equal to 1"]


def test_unreachable_database_is_one_line_exit_2() -> None:
    r = run("db", "status", env={"DUALCHECK_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x"})
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "cannot connect" in r.stderr


def test_unwritable_home_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    r = run("db", "status", env={"DUALCHECK_HOME": str(tmp_path / "f" / "home")})
    assert r.returncode == 2 and "DUALCHECK_HOME" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_db_upgrade_status_json_and_ledger_verify(tmp_path: Path) -> None:
    r = run("db", "status", "--format", "json")
    assert r.returncode == 0 and '"up_to_date": false' in r.stdout
    r = run("db", "upgrade")
    assert r.returncode == 0, r.stderr
    r = run("db", "status", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert '"up_to_date": true' in r.stdout
    r = run("ledger", "verify")
    assert r.returncode == 0 and r.stdout.startswith("ledger intact: 0 records")


def test_setup_without_data_folder(tmp_path: Path) -> None:
    env = {"DUALCHECK_DATA_DIR": str(tmp_path / "no-data")}
    r = run("setup", env=env)
    assert r.returncode == 2 and "DUALCHECK_DATA_DIR" in r.stderr and "folder not found" in r.stderr
    r = run("setup", "--missing-ok", env=env)  # what `make run` does: serve even with nothing to load
    assert r.returncode == 0 and "no reference data loaded" in r.stderr
