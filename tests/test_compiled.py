"""The compiled screening modules: in use after `make install`, never stale, same scores as the source."""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dualcheck.screening
from dualcheck import _compiled

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "benchmarks" / "screening" / "pairs.csv"


def test_every_compiled_module_is_built_and_in_use() -> None:
    if os.environ.get(_compiled.PURE_ENV):
        pytest.skip(f"{_compiled.PURE_ENV} asks for the Python source")
    manifest = _compiled._manifest()
    assert sorted(manifest) == sorted(_compiled.COMPILED), "run `make install` to compile the screening modules"
    for module in _compiled.COMPILED:
        __import__(module)
        assert _compiled.loaded[module] == "compiled", module
        assert isinstance(sys.modules[module].__loader__, importlib.machinery.ExtensionFileLoader), module
    assert _compiled.implementation() == "compiled"


def test_an_edited_source_is_loaded_instead_of_its_older_build(monkeypatch: pytest.MonkeyPatch) -> None:
    finder = _compiled._CompiledWhenCurrent()
    name = "dualcheck.screening.names"
    source = Path(dualcheck.screening.__file__).with_name("names.py")
    current = hashlib.sha256(source.read_bytes()).hexdigest()
    monkeypatch.setattr(finder, "manifest", {name: current})
    monkeypatch.delenv(_compiled.PURE_ENV, raising=False)
    spec = finder.find_spec(name, dualcheck.screening.__path__)
    assert spec is not None and spec.origin is not None
    if not spec.origin.endswith(".py"):  # built: the build of this very source is used
        assert isinstance(spec.loader, importlib.machinery.ExtensionFileLoader)
    monkeypatch.setattr(finder, "manifest", {name: "0" * 64})  # the source changed since the build
    spec = finder.find_spec(name, dualcheck.screening.__path__)
    assert spec is not None and spec.origin == str(source)
    monkeypatch.setattr(finder, "manifest", {name: current})
    monkeypatch.setenv(_compiled.PURE_ENV, "1")
    spec = finder.find_spec(name, dualcheck.screening.__path__)
    assert spec is not None and spec.origin == str(source)
    assert finder.find_spec("dualcheck.config", dualcheck.__path__) is None  # other modules: not its business
    monkeypatch.setattr(_compiled, "loaded", {name: "source (stale build)", "dualcheck.screening.index": "compiled"})
    assert _compiled.implementation() == "python"


def _scores(tmp_path: Path, pure: bool) -> bytes:
    out = tmp_path / ("pure.csv" if pure else "compiled.csv")
    env = {**os.environ, _compiled.PURE_ENV: "1" if pure else ""}
    done = subprocess.run([sys.executable, "-m", "dualcheck", "bench", "pairs", str(PAIRS), "--scores", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert ('"implementation": "python"' in done.stdout) == pure, done.stdout
    return out.read_bytes()


def test_compiled_and_source_give_the_same_scores(tmp_path: Path) -> None:
    """Every one of the 6,088 labelled pairs, scored by the Python source and by the compiled modules."""
    pure, compiled = _scores(tmp_path, True), _scores(tmp_path, False)
    assert pure.count(b"\n") == 6089
    assert pure == compiled


def test_health_says_which_implementation_screens(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from dualcheck.api.app import create_app
    from dualcheck.config import Settings

    doc = TestClient(create_app(Settings(database_url=sqlite_db.url), sqlite_db)).get("/health").json()
    assert doc["screening_implementation"] == _compiled.implementation()
    assert doc["screening_implementation"] in {"compiled", "python"}
