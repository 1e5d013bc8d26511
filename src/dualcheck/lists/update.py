"""`dualcheck lists update`: download each list from its publisher and load it as a new version.

Each list is fetched with timeouts and retries, checked (size, not an HTML error page,
optional sha256, and after parsing an entity count that did not collapse), and loaded in its
own transaction: a failed or truncated download never replaces the last good version, and
one failing list does not stop the others. ``file://`` URLs are read from disk (tests, mirrors).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import yaml

from dualcheck.db.base import utcnow
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput, DualcheckError
from dualcheck.lists.loader import LoadResult, Unit, collect_units, load_units
from dualcheck.lists.store import current_versions

DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 3


@dataclass
class ListSource:
    name: str
    urls: list[str]
    min_bytes: int = 1000
    max_drop: float = 0.5
    sha256: dict[str, str] = field(default_factory=dict)  # url -> expected digest (pinned mirrors)


def read_sources(path: Path | None = None, home: Path | None = None) -> list[ListSource]:
    """The configured sources: the given file, else list-sources.yaml in the home, else the defaults."""
    if path is None and home is not None and (home / "list-sources.yaml").is_file():
        path = home / "list-sources.yaml"
    if path is not None:
        text, origin = path.read_text(encoding="utf-8"), path.name
    else:
        text = resources.files("dualcheck.lists").joinpath("data/update_sources.yaml").read_text(encoding="utf-8")
        origin = "update_sources.yaml"
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise BadInput(f"invalid YAML ({exc})", source=origin) from None
    out = []
    for name, entry in (doc.get("sources") or {}).items():
        if not isinstance(entry, dict) or not entry.get("urls"):
            raise BadInput("each source needs a list of urls", source=origin, location=f"sources.{name}")
        out.append(ListSource(name=name, urls=[str(u) for u in entry["urls"]],
                              min_bytes=int(entry.get("min_bytes", 1000)),
                              max_drop=float(entry.get("max_drop", 0.5)),
                              sha256={str(k): str(v) for k, v in (entry.get("sha256") or {}).items()}))
    return out


def _file_name(url: str) -> str:
    name = Path(urllib.parse.urlparse(url).path).name
    return name or "download"


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
          backoff: float = 1.0) -> bytes:
    """The body at url; transient failures (connection errors, 5xx) are retried with backoff."""
    return fetch_dated(url, timeout=timeout, retries=retries, backoff=backoff)[0]


def _modified(header: str | None) -> dt.date | None:
    try:
        return email.utils.parsedate_to_datetime(header).astimezone(dt.UTC).date() if header else None
    except (TypeError, ValueError):
        return None


def fetch_dated(url: str, *, timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                backoff: float = 1.0) -> tuple[bytes, dt.date | None]:
    """The body at url and the date the publisher last changed it (Last-Modified, or the file's
    modification time), which dates a list whose content carries no date."""
    if url.startswith("file://"):
        path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
        try:
            return path.read_bytes(), dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()
        except OSError as exc:
            raise DualcheckError(f"{url}: cannot read ({exc.strerror})") from None
    last = ""
    for attempt in range(1, retries + 1):
        try:
            response = httpx.get(url, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}"
        else:
            if response.status_code == 200:
                return response.content, _modified(response.headers.get("last-modified"))
            last = f"HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                break  # a client error will not go away by asking again
        if attempt < retries:
            time.sleep(backoff * 2 ** (attempt - 1))
    raise DualcheckError(f"{url}: download failed ({last})")


def check_download(source: ListSource, url: str, data: bytes) -> None:
    if data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise DualcheckError(f"{url}: got an HTML page, not a list file")
    expected = source.sha256.get(url)
    if expected and hashlib.sha256(data).hexdigest() != expected.lower():
        raise DualcheckError(f"{url}: sha256 does not match the configured checksum")


@dataclass
class UpdateResult:
    list_name: str
    ok: bool
    detail: str
    load: LoadResult | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"list": self.list_name, "ok": self.ok, "detail": self.detail,
                **({"version": self.load.version_id, "entities": self.load.entities,
                    "published": self.load.published, "status": self.load.status} if self.load else {})}


def _check_parsed(db: Database, source: ListSource, units: list[Unit]) -> None:
    """The files must hold the expected list, and its entity count must not have collapsed against
    the current version (a cut file that still parses, e.g. a CSV ending early on a row boundary)."""
    parsed = [unit.fmt.parse(unit.source) for unit in units]
    names = {p.list_name for p in parsed}
    if names != {source.name}:
        raise DualcheckError(f"{source.name}: downloaded files hold {', '.join(sorted(names))}")
    with db.session() as session:
        current = current_versions(session).get(source.name)
    count = sum(len(p.records) for p in parsed)
    if current is not None and count < (1 - source.max_drop) * current["entities"]:
        raise DualcheckError(f"{source.name}: new file has {count} entities against {current['entities']} in "
                             f"the current version; refused as truncated (max_drop {source.max_drop})")


def update_list(db: Database, source: ListSource, download_dir: Path, *, actor: str,
                timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                backoff: float = 1.0) -> UpdateResult:
    folder = download_dir / source.name / utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        total = 0
        modified: list[dt.date | None] = []
        for url in source.urls:
            data, changed = fetch_dated(url, timeout=timeout, retries=retries, backoff=backoff)
            modified.append(changed)
            check_download(source, url, data)
            (folder / _file_name(url)).write_bytes(data)
            total += len(data)
        if total < source.min_bytes:  # the whole set: companion files may be tiny
            raise DualcheckError(f"{source.name}: only {total} bytes downloaded (expected at least "
                                 f"{source.min_bytes}): truncated download or error page")
        units = collect_units([folder])
        _check_parsed(db, source, units)
        # a list whose content carries no date is dated by the publisher's server, never by today
        published = max(modified) if modified and None not in modified else None  # type: ignore[type-var]
        (result,) = load_units(db, units, actor=actor, workers=1, published=published)
    except DualcheckError as exc:
        return UpdateResult(source.name, False, str(exc))
    detail = "new version loaded" if result.status == "loaded" else "unchanged since the last download"
    return UpdateResult(source.name, True, detail, result)


def update_lists(db: Database, sources: list[ListSource], download_dir: Path, *, actor: str,
                 only: list[str] | None = None, **kwargs: Any) -> list[UpdateResult]:
    chosen = [s for s in sources if not only or s.name in only]
    unknown = set(only or []) - {s.name for s in sources}
    if unknown:
        raise BadInput(f"no configured source for {', '.join(sorted(unknown))}", source="LIST")
    return [update_list(db, source, download_dir, actor=actor, **kwargs) for source in chosen]
