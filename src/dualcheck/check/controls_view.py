"""The control-list side of a check: code validity, classification suggestions and the US view.

Uses the controls domain's catalog (the version loaded in the database and in force on the
as-of date). When no control list is loaded, Annex I codes are read from the reference file so
that codes can still be validated; the version then says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dualcheck.controls import codes as codes_mod
from dualcheck.errors import NotFound

PROVISIONS_FILE = Path("controls/eu/annex_i_provisions_02021R0821-20251115.csv")


@dataclass
class CatalogLookup:
    """ControlLookup over the controls domain's ControlCatalog."""

    catalog: Any
    version: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    _us: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        version = self.catalog.version
        self.version = version.id
        self.info = {"source": "database", **version.as_dict(),
                     "others": {k: v.id for k, v in sorted(self.catalog.versions.items())}}

    def is_known(self, code: str) -> bool:
        return bool(self.catalog.is_valid_code(code))

    def suggest(self, text: str, top: int) -> list[dict[str, Any]]:
        from dualcheck.controls.catalog import classify

        return [c.as_dict() for c in classify(self.catalog, text, top)]

    def us_view(self, codes: list[str], destination: str) -> dict[str, Any]:
        return {"items": [self._us_item(code, destination) for code in codes]}

    def _us_item(self, code: str, destination: str) -> dict[str, Any]:
        """The US view of one code for one destination (memoised: the catalog is immutable)."""
        key = (code, destination)
        if key not in self._us:
            self._us[key] = self._us_answer(code, destination)
        return self._us[key]

    def _us_answer(self, code: str, destination: str) -> dict[str, Any]:
        from dualcheck.controls.catalog import us_licence_required

        eccn = codes_mod.entry_of(code)
        entry = self.catalog.lookup_eccn(eccn)
        if entry is None:
            return {"eu_code": code, "eccn": None,
                    "detail": f"no ECCN {eccn} in the loaded US Commerce Control List"}
        required, reasons = us_licence_required(self.catalog, eccn, destination)
        return {"eu_code": code, "eccn": eccn, "reasons_for_control": entry.reasons,
                "licence_required": required, "detail": [r for r in reasons if r]}


@dataclass
class FileLookup:
    """ControlLookup read straight from the Annex I reference file (no catalog loaded)."""

    codes: frozenset[str]
    version: str
    info: dict[str, Any] = field(default_factory=dict)

    def is_known(self, code: str) -> bool:
        return code in self.codes

    def suggest(self, text: str, top: int) -> list[dict[str, Any]]:
        return []  # classification needs the loaded catalog

    def us_view(self, codes: list[str], destination: str) -> dict[str, Any]:
        return {"available": False, "detail": "no US control list loaded: run `dualcheck setup`"}


_file_cache: dict[Path, FileLookup] = {}


def file_lookup(data_dir: Path) -> FileLookup:
    path = data_dir / PROVISIONS_FILE
    cached = _file_cache.get(path)
    if cached is None:
        raw = path.read_bytes()
        rows = csv.DictReader(raw.decode("utf-8").splitlines())
        codes = frozenset(codes_mod.normalise_code(r["path"]) for r in rows if r["kind"] == "item")
        version = f"annex-i-file-{hashlib.sha256(raw).hexdigest()[:12]}"
        cached = FileLookup(codes, version, {"source": "reference file (no control list loaded)",
                                             "id": version, "file": PROVISIONS_FILE.as_posix()})
        _file_cache[path] = cached
    return cached


# Which control-list version is in force is looked up again after this many seconds: a check
# names the version it used, so a cached lookup never hides which list answered.
VERSION_CHECK_SECONDS = 30.0
_lookup_lock = threading.Lock()
_lookups: dict[tuple[str, dt.date], tuple[float, CatalogLookup | FileLookup]] = {}


def control_lookup(session: Session, data_dir: Path, as_of: dt.date) -> CatalogLookup | FileLookup:
    """The lookup for the control lists in force on `as_of`, cached briefly per database."""
    key = (str(session.get_bind().engine.url), as_of)
    now = time.monotonic()
    with _lookup_lock:
        cached = _lookups.get(key)
    if cached is not None and now - cached[0] < VERSION_CHECK_SECONDS:
        return cached[1]
    lookup = _control_lookup(session, data_dir, as_of)
    with _lookup_lock:
        _lookups[key] = (now, lookup)
    return lookup


def forget_lookups() -> None:
    with _lookup_lock:
        _lookups.clear()


def _control_lookup(session: Session, data_dir: Path, as_of: dt.date) -> CatalogLookup | FileLookup:
    try:
        from dualcheck.controls.catalog import load_catalog
    except ImportError:
        return file_lookup(data_dir)
    try:
        return CatalogLookup(load_catalog(session, as_of))
    except NotFound:
        pass
    try:
        lookup = CatalogLookup(load_catalog(session, None))
    except NotFound:
        return file_lookup(data_dir)
    # Only later versions are loaded: use the earliest honest answer we have and say so.
    lookup.info["warning"] = (f"no control-list version in force on {as_of.isoformat()} is loaded; "
                              f"the version valid from {lookup.info.get('valid_from')} was used")
    return lookup
