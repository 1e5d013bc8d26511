"""Build step: compile the screening hot path with Cython (the metadata is in pyproject.toml).

The modules named in ``dualcheck/_compiled.py`` are compiled from their unchanged Python source;
the compiled and the pure-Python module compute the same scores (tested). Each build writes the
SHA-256 of every compiled source next to the package (``_compiled.json``), so that an edited
source is never shadowed by an older compiled module: ``dualcheck._compiled`` then loads the
source. When no C compiler or Cython is available the package installs without the compiled
modules and runs the same code in pure Python, only slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
sys.path.insert(0, str(SRC / "dualcheck"))
from _compiled import COMPILED, MANIFEST  # noqa: E402  (the list lives with the loader that checks it)

sys.path.pop(0)


def _source(module: str) -> Path:
    return SRC.joinpath(*module.split(".")).with_suffix(".py")


class BuildExtWithManifest(build_ext):
    """Build what can be built; record the source hash of each module that was."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:  # the modules compile independently: one per core
            self.parallel = os.cpu_count() or 1

    def run(self) -> None:
        super().run()
        built = {}
        for ext in self.extensions:
            if Path(self.get_ext_fullpath(ext.name)).exists():
                built[ext.name] = hashlib.sha256(_source(ext.name).read_bytes()).hexdigest()
        target = Path(self.get_ext_fullpath("dualcheck._x")).parent / MANIFEST
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if not built:
            print("dualcheck: no compiled modules (pure Python; screening runs slower)", file=sys.stderr)

    def build_extension(self, ext):  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:  # a missing compiler must not stop the install: the source runs as it is
            print(f"dualcheck: {ext.name} not compiled ({exc}); the Python source is used", file=sys.stderr)


def _extensions() -> list:
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("dualcheck: Cython not available; installing without compiled modules", file=sys.stderr)
        return []
    from setuptools import Extension

    modules = [Extension(name, [str(_source(name).relative_to(HERE))]) for name in COMPILED]
    return cythonize(modules, language_level=3, quiet=True, build_dir="build/cython",
                     compiler_directives={"binding": True, "embedsignature": True,
                                          # Python semantics: annotations are hints, not C type declarations
                                          "annotation_typing": False})


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExtWithManifest})
