"""Load list files into versions: detect each file's format from its content, parse everything
first, then write every new version in ONE transaction (with its ledger record), so a bad
file anywhere leaves the database exactly as it was.

Loading bytes that are already loaded is a no-op. A list's current version is the one with the
latest publication date (the latest loaded among equal dates), so loading an old snapshot
after a new one keeps the new one current.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import multiprocessing
import os
import re
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.db.base import utcnow
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.lists import sources
from dualcheck.lists.models import ListVersion
from dualcheck.lists.sources.base import FORMATS, Format, ParsedList, Record, Source, detect
from dualcheck.lists.sources.helpers import country_code

SNIFF_BYTES = 65536
_FULL_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_MONTH = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?![\d-])")
COMPANION_KIND = {"ofac-csv-address": "address", "ofac-csv-alias": "alias", "ofac-csv-comment": "comment"}
INSERT_CHUNK = 2000
PARSE_WORKERS = min(2, os.cpu_count() or 1)


@dataclass
class Unit:
    """One source and its detected format."""

    source: Source
    fmt: Format

    @property
    def files(self) -> list[str]:
        return [self.source.name, *sorted(self.source.companion_names.values())]

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256(self.source.data)
        for kind in sorted(self.source.companions):
            digest.update(self.source.companions[kind])
        return digest.hexdigest()


@dataclass
class LoadResult:
    list_name: str
    version_id: int | None
    published: str
    entities: int
    sha256: str
    files: list[str]
    status: str  # "loaded" or "unchanged"

    def as_dict(self) -> dict[str, Any]:
        return {"list": self.list_name, "version": self.version_id, "published": self.published,
                "entities": self.entities, "sha256": self.sha256, "files": self.files, "status": self.status}


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            found.append(path)
        else:
            raise BadInput("no such file or folder", source=str(path))
    return found


MAX_UNPACKED = 512 * 1024 * 1024  # a list file is a few MB; more is a zip/gzip bomb


def read_source_bytes(path: Path) -> bytes:
    """The file's bytes, unpacked when it is a gzip file or a zip archive holding one file."""
    data = path.read_bytes()
    try:
        if data[:2] == b"\x1f\x8b":
            with gzip.open(io.BytesIO(data)) as fh:
                unpacked = fh.read(MAX_UNPACKED + 1)
        elif data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "[Content_Types].xml" in archive.namelist():
                    return data  # an Office Open XML file (an Excel list), read as it is
                members = [m for m in archive.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise BadInput(f"zip archive holds {len(members)} files; expected one list file",
                                   source=path.name)
                with archive.open(members[0]) as fh:
                    unpacked = fh.read(MAX_UNPACKED + 1)
        else:
            return data
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise BadInput(f"damaged or truncated archive ({exc})", source=path.name) from None
    if len(unpacked) > MAX_UNPACKED:
        raise BadInput(f"unpacks to more than {MAX_UNPACKED // 2**20} MB; refused", source=path.name)
    return unpacked


def collect_units(paths: Iterable[Path], forced_format: str | None = None) -> list[Unit]:
    """Detect every file's format; attach OFAC companion files to their primary file."""
    if forced_format is not None and forced_format not in FORMATS:
        raise BadInput(f"unknown format {forced_format!r}; known: {', '.join(sorted(FORMATS))}", source="--format")
    primaries: list[Unit] = []
    companions: list[tuple[Path, str, bytes]] = []
    for path in _files(paths):
        data = read_source_bytes(path)
        fmt = FORMATS[forced_format] if forced_format else detect(data[:SNIFF_BYTES], path)
        if fmt is None:
            raise BadInput("format not recognised from its content (use --format to name it)", source=path.name)
        if fmt.companion_of:
            companions.append((path, fmt.name, data))
        else:
            primaries.append(Unit(Source(path, data), fmt))
    for path, fmt_name, data in companions:
        owner = _companion_owner(path, fmt_name, primaries)
        kind = COMPANION_KIND[fmt_name]
        owner.source.companions[kind] = data
        owner.source.companion_names[kind] = path.name
    return primaries


def _companion_owner(path: Path, fmt_name: str, primaries: list[Unit]) -> Unit:
    """The primary file of the same set: same folder, same format family, and (when several) the
    one whose file-name stem the companion shares (cons_alt.csv belongs with cons_prim.csv)."""
    family = FORMATS[fmt_name].companion_of
    candidates = [u for u in primaries if u.fmt.name == family and u.source.path.parent == path.parent]
    if len(candidates) > 1:
        prefix = path.name.split("_")[0].lower() if "_" in path.name else ""
        candidates = [u for u in candidates if prefix and u.source.name.lower().startswith(prefix)] or [
            u for u in candidates if "_" not in u.source.name]
    if len(candidates) != 1:
        raise BadInput("companion file without exactly one primary file beside it", source=path.name)
    return candidates[0]


def date_from_name(*names: str) -> tuple[dt.date, str] | None:
    """A YYYY-MM-DD in the file name (or folder name), else a YYYY-MM (taken as the 1st)."""
    for name in names:
        if m := _FULL_DATE.search(name):
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3])), "file name"
            except ValueError:
                continue
    for name in names:
        if m := _MONTH.search(name):
            try:
                return dt.date(int(m[1]), int(m[2]), 1), "file name (month)"
            except ValueError:
                continue
    return None


def publication_date(parsed: ParsedList | Prepared, unit: Unit, option: dt.date | None) -> tuple[dt.date, str] | None:
    """From the content, else a date in the file (or folder) name, else --published; None when none
    gives one: a list is never taken as published on the day it was loaded (it would look fresh)."""
    if parsed.published is not None:
        return parsed.published, "content"
    named = date_from_name(unit.source.path.name, unit.source.path.parent.name)
    if named is not None:
        return named
    if option is not None:
        return option, "option"
    return None


UNDATED = "no publication date in its content or name: load it with --published YYYY-MM-DD"


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def encode_rows(records: list[Record]) -> list[dict[str, Any]]:
    """Entity rows with the JSON columns already serialised and the content hash computed. This
    runs in the parsing workers, so the single writing process only hands rows to the driver."""
    rows = []
    for r in records:
        source = _ENCODE_SORTED(r.source)
        rows.append({
            "entity_id": r.entity_id, "schema": r.schema, "caption": r.caption, "entity": _ENCODE(r.entity()),
            "programmes": _ENCODE(r.programmes), "weak_aliases": _ENCODE(r.properties.get("weakAlias", [])),
            "listed_on": r.listed_on, "origin": r.origin, "source_record": source,
            "content_hash": hashlib.sha256(source.encode("utf-8")).hexdigest(),
        })
    return rows


JSON_COLUMNS = ("entity", "programmes", "weak_aliases", "source_record")
ROW_COLUMNS = ("version_id", "entity_id", "schema", "caption", "entity", "programmes", "weak_aliases", "listed_on",
               "origin", "source_record", "content_hash")


def _insert_sql(dialect: str) -> Any:
    """INSERT taking the JSON columns as serialised text (cast to JSONB on PostgreSQL)."""
    values = [f"CAST(:{c} AS JSONB)" if dialect == "postgresql" and c in JSON_COLUMNS else f":{c}"
              for c in ROW_COLUMNS]
    return text(f"INSERT INTO list_entities ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join(values)})")


def _refresh_current(session: Session, list_name: str) -> None:
    top = session.execute(select(ListVersion.id).where(ListVersion.list_name == list_name)
                          .order_by(ListVersion.published.desc(), ListVersion.id.desc()).limit(1)).scalar_one()
    session.execute(update(ListVersion).where(ListVersion.list_name == list_name)
                    .values(is_current=ListVersion.id == top))


@dataclass
class Prepared:
    """A parsed source ready for the database: its list, date and encoded entity rows."""

    list_name: str
    format: str
    published: dt.date | None
    rows: list[dict[str, Any]]


def _parse(unit: Unit) -> Prepared:
    result = unit.fmt.parse(unit.source)
    if not result.records:
        raise unit.source.bad("no entities found (empty or truncated file?)")
    return Prepared(result.list_name, result.format, result.published, encode_rows(result.records))


def iter_parsed(units: list[Unit], workers: int = PARSE_WORKERS) -> Iterator[tuple[Unit, Prepared]]:
    """Parse the units, on `workers` processes when there are several (parsing is CPU-bound Python;
    the caller writes each result to the database while the next ones are parsed). Results come
    back in the units' order."""
    if workers <= 1 or len(units) <= 1:
        for unit in units:
            yield unit, _parse(unit)
        return
    country_code("Iraq")  # build the country table once, before the workers fork
    window = workers + 1  # parsed results waiting to be written stay few: memory stays flat
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        pending: deque[tuple[Unit, Future[Prepared]]] = deque()
        queue = iter(units)
        try:
            for unit in queue:
                pending.append((unit, pool.submit(_parse, unit)))
                if len(pending) >= window:
                    break
            while pending:
                unit, future = pending.popleft()
                result = future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(_parse, nxt)))
                yield unit, result
        finally:
            for _unit, future in pending:
                future.cancel()


def load_paths(db: Database, paths: Iterable[Path], *, actor: str, published: dt.date | None = None,
               forced_format: str | None = None, advance: Callable[[int], None] | None = None,
               workers: int = PARSE_WORKERS, skip_undated: bool = False) -> list[LoadResult]:
    """Load files and folders; returns one result per source (loaded, unchanged or skipped)."""
    return load_units(db, collect_units(paths, forced_format), actor=actor, published=published, advance=advance,
                      workers=workers, skip_undated=skip_undated)


def load_units(db: Database, units: list[Unit], *, actor: str, published: dt.date | None = None,
               advance: Callable[[int], None] | None = None, workers: int = PARSE_WORKERS,
               skip_undated: bool = False) -> list[LoadResult]:
    """Load detected units (progress: two steps per unit, parsed and written). A unit without a
    publication date fails the whole load (nothing is written), or with ``skip_undated`` is left
    out and reported."""
    with db.session() as session:
        known = {sha: (vid, name, pub, count) for sha, vid, name, pub, count in session.execute(
            select(ListVersion.sha256, ListVersion.id, ListVersion.list_name, ListVersion.published,
                   ListVersion.entity_count))}
    results: list[LoadResult] = []
    fresh: list[Unit] = []
    for unit in units:
        sha = unit.sha256
        if sha in known or any(u.sha256 == sha for u in fresh):
            vid, name, pub, count = known.get(sha, (None, "?", None, 0))
            results.append(LoadResult(name, vid, pub.isoformat() if pub else "", count, sha, unit.files, "unchanged"))
            if advance:
                advance(2)
            continue
        fresh.append(unit)
    retrieved = utcnow()
    with db.write_session() as session:
        insert_rows = _insert_sql(db.kind)
        touched: set[str] = set()
        for unit, result in iter_parsed(fresh, workers):
            if advance:
                advance(1)
            dated = publication_date(result, unit, published)
            if dated is None:
                if skip_undated:
                    results.append(LoadResult(result.list_name, None, "", len(result.rows), unit.sha256, unit.files,
                                              "skipped: " + UNDATED))
                    if advance:
                        advance(1)
                    continue
                raise BadInput(UNDATED, source=unit.source.path.name)
            pub, pub_from = dated
            version = ListVersion(list_name=result.list_name, published=pub, published_from=pub_from,
                                  retrieved_at=retrieved, sha256=unit.sha256, entity_count=len(result.rows),
                                  source_files=unit.files, source_format=result.format, is_current=False,
                                  loaded_by=actor)
            session.add(version)
            session.flush()
            for row in result.rows:
                row["version_id"] = version.id
            for start in range(0, len(result.rows), INSERT_CHUNK):
                session.execute(insert_rows, result.rows[start:start + INSERT_CHUNK])
            touched.add(result.list_name)
            ledger.append(session, "lists.load", {
                "list": result.list_name, "version": version.id, "published": pub.isoformat(),
                "published_from": pub_from, "sha256": unit.sha256, "entities": len(result.rows),
                "format": result.format, "files": unit.files,
            }, actor=actor, subject=f"list:{result.list_name}")
            results.append(LoadResult(result.list_name, version.id, pub.isoformat(), len(result.rows),
                                      unit.sha256, unit.files, "loaded"))
            if advance:
                advance(1)
        for name in sorted(touched):
            _refresh_current(session, name)
    return results


def known_formats() -> list[str]:
    sources.load_all()
    return sorted(name for name, fmt in FORMATS.items() if not fmt.companion_of)


def setup_step(db: Database, data_dir: Path) -> str:
    """`dualcheck setup`: load every list file under <data_dir>/lists (already loaded ones are no-ops)."""
    folder = data_dir / "lists"
    if not folder.is_dir():
        return f"no lists folder in {data_dir.name}; nothing loaded"
    from dualcheck.config import get_settings

    results = load_paths(db, [folder], actor=get_settings().actor, skip_undated=True)
    loaded = [r for r in results if r.status == "loaded"]
    skipped = [r for r in results if r.status.startswith("skipped")]
    said = f"{len(loaded)} list versions loaded, {len(results) - len(loaded) - len(skipped)} unchanged"
    if skipped:
        said += (f", {len(skipped)} skipped for want of a publication date ("
                 + ", ".join(r.files[0] for r in skipped) + "; load with `dualcheck lists load PATH --published`)")
    return said
