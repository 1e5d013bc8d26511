"""Load control-list files into the database as versions (idempotent, one transaction).

Every file is parsed before anything is written, so a malformed file leaves the database as it
was. A file whose content (sha256) is already loaded for its list is a no-op; a changed file is
a new version, valid from the date its content gives. Each new version is recorded in the
ledger ("controls.load") together with its counts, and items of the product register classified
under entries that the new version changed are flagged for review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.controls.models import ControlListVersion, ControlProvision
from dualcheck.controls.sources import ParsedList, Skipped, parse_file, parse_wassenaar
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput


@dataclass(frozen=True)
class LoadResult:
    source: str
    list_name: str | None
    version_id: str | None
    status: str  # loaded | unchanged | skipped
    provisions: int = 0
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "list": self.list_name, "version": self.version_id,
                "status": self.status, "provisions": self.provisions, "detail": self.detail}


def _display(path: Path, base: Path | None) -> str:
    """A path for messages and records: relative to the folder given, never an absolute machine path."""
    if base is not None:
        try:
            return str(Path(base.name) / path.relative_to(base)) if path != base else path.name
        except ValueError:
            pass
    return path.name


def _is_wassenaar_folder(folder: Path) -> bool:
    files = [p for p in folder.iterdir() if p.is_file()]
    return bool(files) and all(p.suffix == ".txt" and "WA-LIST" in p.name for p in files)


def parse_paths(paths: list[Path], *, valid_from: dt.date | None = None,
                on_parsed: Callable[[int], None] | None = None) -> list[ParsedList | Skipped]:
    """Parse every file under the given paths (folders are walked in name order)."""
    parsed: list[ParsedList | Skipped] = []
    for root in paths:
        if not root.exists():
            raise BadInput("no such file or folder", source=root.name)
        base = root if root.is_dir() else None
        stack = [root]
        while stack:
            path = stack.pop(0)
            if path.is_dir():
                if _is_wassenaar_folder(path):
                    files = [(p.name, p.read_bytes()) for p in sorted(path.iterdir())]
                    parsed.append(parse_wassenaar(files, _display(path, base)))
                    if on_parsed:
                        on_parsed(len(files))
                else:
                    stack[:0] = sorted(path.iterdir())
            elif path.is_file() and not path.name.startswith("."):
                parsed.append(parse_file(path, _display(path, base), valid_from=valid_from))
                if on_parsed:
                    on_parsed(1)
    return parsed


def version_id(parsed: ParsedList) -> str:
    return f"{parsed.list_name}:{parsed.valid_from.isoformat()}:{parsed.sha256[:8]}"


def store(session: Session, parsed: ParsedList, actor: str) -> LoadResult:
    existing = session.execute(select(ControlListVersion.id).where(
        ControlListVersion.list_name == parsed.list_name, ControlListVersion.sha256 == parsed.sha256)).scalar()
    if existing:
        return LoadResult(parsed.source, parsed.list_name, existing, "unchanged", len(parsed.provisions))
    vid = version_id(parsed)
    session.add(ControlListVersion(
        id=vid, list_name=parsed.list_name, valid_from=parsed.valid_from, title=parsed.title[:300],
        source=parsed.source[:300], sha256=parsed.sha256, loaded_by=actor, provisions=len(parsed.provisions),
        meta=parsed.meta))
    session.flush()
    rows = [{"version_id": vid, "seq": i, "code": p.code[:80], "entry": p.entry[:40], "parent": p.parent,
             "kind": p.kind, "depth": p.depth, "text": p.text, "data": p.data}
            for i, p in enumerate(parsed.provisions)]
    for start in range(0, len(rows), 2000):
        session.execute(insert(ControlProvision), rows[start:start + 2000])
    ledger.append(session, "controls.load", {
        "list": parsed.list_name, "version": vid, "valid_from": parsed.valid_from.isoformat(),
        "sha256": parsed.sha256, "source": parsed.source, "provisions": len(parsed.provisions)},
        actor=actor, subject=vid)
    return LoadResult(parsed.source, parsed.list_name, vid, "loaded", len(parsed.provisions))


AfterLoad = Callable[[Session, str, str], None]


def load_paths(db: Database, paths: list[Path], *, actor: str, valid_from: dt.date | None = None,
               after_load: AfterLoad | None = None,
               on_parsed: Callable[[int], None] | None = None) -> list[LoadResult]:
    """Parse everything first, then store all new versions in one transaction."""
    parsed = parse_paths(paths, valid_from=valid_from, on_parsed=on_parsed)
    if not any(isinstance(p, ParsedList) for p in parsed):
        raise BadInput("no control-list file found", source=", ".join(p.name for p in paths))
    results: list[LoadResult] = []
    with db.write_session() as session:
        for item in parsed:
            if isinstance(item, Skipped):
                results.append(LoadResult(item.source, None, None, "skipped", detail=item.reason))
                continue
            result = store(session, item, actor)
            results.append(result)
            if result.status == "loaded" and after_load is not None and result.version_id:
                after_load(session, item.list_name, result.version_id)
    return results
