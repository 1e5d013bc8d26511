"""Which modules are compiled (Cython, at install) and which form of each is loaded.

The screening hot path is compiled from its unchanged Python source by ``setup.py``; the build
records the SHA-256 of each source it compiled in ``_compiled.json``. An import finder loads a
compiled module only when its source is unchanged since the build; an edited (or unbuilt)
module loads from source, so the code that runs is always the code in the tree.
``DUALCHECK_PURE_PYTHON=1`` loads every one from source (to compare the two, or to debug).

This file is imported by ``setup.py`` as well, so it needs nothing but the standard library.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

COMPILED = (
    "dualcheck.screening.names",
    "dualcheck.screening.normalize",
    "dualcheck.screening.tokens",
    "dualcheck.screening.features",
    "dualcheck.screening.scoring",
    "dualcheck.screening.subjects",
    "dualcheck.screening.index",
)
MANIFEST = "_compiled.json"
PURE_ENV = "DUALCHECK_PURE_PYTHON"

# module -> "compiled" | "source" | "source (stale build)" | "source (DUALCHECK_PURE_PYTHON)"
loaded: dict[str, str] = {}


def _manifest() -> dict[str, str]:
    try:
        return dict(json.loads((Path(__file__).resolve().parent / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


class _CompiledWhenCurrent(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.manifest = _manifest()

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None:
            return spec
        if not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            loaded[fullname] = "source"
            return spec
        source = Path(spec.origin).parent / (fullname.rpartition(".")[2] + ".py")
        pure = os.environ.get(PURE_ENV, "").strip().lower() in {"1", "true", "yes"}
        if not pure and source.exists() and self.manifest.get(fullname) == _sha256(source):
            loaded[fullname] = "compiled"
            return spec
        if not source.exists():  # an installation without sources: the compiled module is all there is
            loaded[fullname] = "compiled"
            return spec
        loaded[fullname] = f"source ({PURE_ENV})" if pure else "source (stale build)"
        return importlib.util.spec_from_file_location(fullname, source)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install() -> None:
    if not any(isinstance(f, _CompiledWhenCurrent) for f in sys.meta_path):
        sys.meta_path.insert(0, _CompiledWhenCurrent())


def implementation() -> str:
    """"compiled" when every compiled module that has been imported runs compiled, else "python"."""
    forms = set(loaded.values())
    return "compiled" if forms == {"compiled"} else "python"
