"""Screening as a service: the process-wide index, single and batch screening, result documents.

The index is built from the current version of every loaded list and cached per database; it is
rebuilt when the set of current list versions changes (checked at most every
``VERSION_CHECK_SECONDS``, so a query does not cost a database round trip). A built index is also
stored under ``DUALCHECK_HOME/indexes`` (keyed by database, list versions, configuration and code),
so that the next process, such as the next `dualcheck screen`, loads it instead of rebuilding.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dualcheck import __version__
from dualcheck.config import get_settings
from dualcheck.db.engine import Database
from dualcheck.errors import ConfigError
from dualcheck.lists.titles import list_title, programme_titles
from dualcheck.screening.index import Hit, ScreeningIndex
from dualcheck.screening.scoring import Scorer, default_scorer
from dualcheck.screening.subjects import Subject, listed_subject

VERSION_CHECK_SECONDS = 5.0
log = logging.getLogger("dualcheck.screening")


def build_index(session: Session, scorer: Scorer | None = None) -> ScreeningIndex:
    """An index over every entity of the current version of every list."""
    from dualcheck.lists.store import current_versions, iter_current_entities

    versions = current_versions(session)
    subjects = (listed_subject(e) for e in iter_current_entities(session))
    return ScreeningIndex(subjects, scorer=scorer or default_scorer(), list_versions=versions)


def _versions_key(versions: dict[str, dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, str(info.get("version"))) for name, info in versions.items()))


@dataclass
class _Cached:
    index: ScreeningIndex
    key: tuple[tuple[str, str], ...]
    checked: float


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


def get_index(db: Database, *, max_age: float = VERSION_CHECK_SECONDS) -> ScreeningIndex:
    """The cached index for this database, rebuilt when the current list versions changed."""
    from dualcheck.lists.store import current_versions

    with _lock:
        cached = _cache.get(db.url)
        now = time.monotonic()
        if cached is not None and now - cached.checked < max_age:
            return cached.index
        with db.session() as session:
            key = _versions_key(current_versions(session))
            if cached is None or cached.key != key:
                cached = _Cached(_stored_or_built(session, db, key), key, now)
                _cache[db.url] = cached
                settle_long_lived()
        cached.checked = now
        return cached.index


def settle_long_lived() -> None:
    """Hide what is alive now (the index, the loaded models and transliteration tables) from the
    cyclic garbage collector: they live as long as the process, and without this every full
    collection walks them again (40 % of `bench pairs`' CPU time before this). Objects frozen
    here are still freed by reference counting when dropped (an index replaced by a newer one)."""
    gc.collect()
    gc.freeze()


def _code_fingerprint() -> str:
    """Changes whenever the screening code or its data files change: a stored index is then stale."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*root.glob("*.py"), *root.glob("data/*")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stored_or_built(session: Session, db: Database, key: tuple[tuple[str, str], ...]) -> ScreeningIndex:
    """The index from DUALCHECK_HOME/indexes when one was stored for the same database, list versions,
    configuration and code; otherwise built (and stored for the next process, e.g. the next CLI call)."""
    if not key:
        return build_index(session)
    name = hashlib.sha256(repr((db.url, key, default_scorer().config.version, _code_fingerprint())).encode())
    path = get_settings().home / "indexes" / f"screening-{name.hexdigest()[:24]}.pickle"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                stored = pickle.load(fh)
            if isinstance(stored, ScreeningIndex):
                stored.scorer = default_scorer()
                return stored
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            log.warning("stored screening index %s unreadable; rebuilding", path.name)
    index = build_index(session)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("screening-*.pickle"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as fh:
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError as exc:
        log.warning("screening index not stored (%s)", exc.strerror)
    return index


def forget_indexes() -> None:
    with _lock:
        _cache.clear()


def hit_document(hit: Hit) -> dict[str, Any]:
    entity = hit.entity
    return {
        "entity_id": entity.entity_id,
        "list": entity.list_name,
        "list_title": list_title(entity.list_name),
        "list_version": entity.version_id,
        "schema": entity.schema,
        "name": entity.caption,
        "matched_name": hit.scored.matched_name,
        "query_name": hit.scored.query_name,
        "programmes": list(entity.programmes),
        "programme_titles": programme_titles(entity.list_name, entity.programmes),
        "score": round(hit.score, 4),
        "explanation": [c.as_dict() for c in hit.scored.explanation],
    }


def query_document(query: Subject, raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": raw.get("name"),
        "schema": query.schema,
        "birth_date": query.birth_dates[0] if query.birth_dates else None,
        "country": sorted(query.countries)[0] if len(query.countries) == 1 else sorted(query.countries) or None,
        "normalised": [" ".join(n.tokens) for n in query.names],
    }


def result_document(index: ScreeningIndex, query: Subject, raw: dict[str, Any], hits: list[Hit],
                    threshold: float) -> dict[str, Any]:
    """The screening result as the CONTRACTS.md `screen` JSON (plus the configuration used, each
    list's publication date and age, and the outcome: a clear result on a stale list is a warning)."""
    from dualcheck.lists.freshness import list_freshness, stale_warnings

    freshness = list_freshness(index.list_versions)
    warnings = stale_warnings(freshness)
    return {
        "query": query_document(query, raw),
        "threshold": threshold,
        "list_versions": {name: info.get("version") for name, info in index.list_versions.items()},
        "lists": freshness,
        "outcome": "hits" if hits else ("warning" if warnings else "clear"),
        "warnings": warnings,
        "configuration": index.scorer.config.summary(),
        "hits": [hit_document(h) for h in hits],
    }


def screen_one(index: ScreeningIndex, query: Subject, raw: dict[str, Any], threshold: float | None = None,
               *, limit: int = 25) -> dict[str, Any]:
    if not index.list_versions:  # "no hits" against no list would be a silent pass
        raise ConfigError("no restricted-party list is loaded: run `dualcheck lists load PATH` "
                          "(or `dualcheck setup`) first")
    cut = index.scorer.config.threshold if threshold is None else threshold
    hits = index.search(query, cut, limit=limit)
    return result_document(index, query, raw, hits, cut)


def ledger_payload(doc: dict[str, Any]) -> dict[str, Any]:
    """What the ledger keeps of a screening: query, versions, configuration and the hits' ids and scores."""
    return {
        "query": doc["query"], "threshold": doc["threshold"], "list_versions": doc["list_versions"],
        "lists": doc.get("lists"), "outcome": doc.get("outcome"), "warnings": doc.get("warnings", []),
        "configuration": doc["configuration"],
        "hits": [{"list": h["list"], "entity_id": h["entity_id"], "score": h["score"],
                  "decision": (h.get("decision") or {}).get("status")} for h in doc["hits"]],
    }


def screen_recorded(db: Database, query: Subject, raw: dict[str, Any], *, actor: str,
                    threshold: float | None = None, limit: int = 25) -> dict[str, Any]:
    """Screen one party, show each hit with the officer's decision on it (if any; one decision
    covers the hits that are the same entity) and record the screening in the ledger, in one
    transaction: the screening of the command line and the web application."""
    from dualcheck import ledger

    index = get_index(db)
    doc = screen_one(index, query, raw, threshold, limit=limit)
    with db.write_session() as session:
        with_decisions(session, index, doc, raw)
        ledger.append(session, "screening.screen", ledger_payload(doc), actor=actor,
                      subject=f"screen:{str(raw.get('name'))[:150]}")
    return doc


def with_decisions(session: Session, index: ScreeningIndex, doc: dict[str, Any], raw: dict[str, Any]) -> None:
    """Group the hits of a screening by listed entity and show on each the decision already
    recorded for this party (who, when, why, and whether the entry changed since)."""
    from dualcheck.screening.decisions import DecisionBook, party_key
    from dualcheck.screening.groups import group_hits, share_group_decisions

    doc["entities"] = group_hits(index, doc["hits"])
    key = party_key(str(raw.get("name") or ""), raw.get("country"))
    book = DecisionBook.load(session, [key])
    for hit in doc["hits"]:
        entity = index.get(hit["list"], hit["entity_id"])
        hit["decision"] = book.state(key, entity) if entity is not None else None
    share_group_decisions(doc["hits"])
