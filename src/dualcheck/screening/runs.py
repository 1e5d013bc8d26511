"""Screening the stored counterparties: in batch (all of them against all lists) and as delta
re-screening (all of them against only the entities a new list version added or changed).

A run stores its hits; a hit is "new" when the counterparty's previous run had no hit on that
entity. Officers' decisions apply (a cleared hit on an unchanged entry is kept but not open).
Large batches are spread over worker processes that share the index (fork, copy-on-write).
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.db.base import utcnow
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput, NotFound
from dualcheck.screening.decisions import DecisionBook, party_key
from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.models import Counterparty, RunHit, ScreeningRun
from dualcheck.screening.scoring import Scorer, default_scorer
from dualcheck.screening.subjects import Subject, listed_subject, query_subject

Found = tuple[int, str, str, float, str, list[dict[str, Any]]]  # counterparty, list, entity, score, name, why
CHUNK = 500
RUN_HIT_LIMIT = 50  # at most this many hits per counterparty and run

_worker_index: ScreeningIndex | None = None
_worker_threshold = 0.0


def counterparty_query(cp: Any) -> Subject:
    """The query for a stored counterparty (or any object with its fields, validated as on import)."""
    return query_subject(cp.name, schema=cp.schema, birth_date=cp.birth_date, country=cp.country,
                         aliases=list(cp.aliases or []), strict_country=False)


def screen_query(index: ScreeningIndex, key: Any, query: Subject, threshold: float) -> list[Found]:
    """One counterparty's hits in a run (every engine, in-process or distributed, screens through this)."""
    return [(key, hit.entity.list_name, hit.entity.entity_id, round(hit.score, 4), hit.scored.matched_name,
             [c.as_dict() for c in hit.scored.explanation])
            for hit in index.search(query, threshold, limit=RUN_HIT_LIMIT)]


def _screen_chunk(chunk: Sequence[tuple[int, Subject]]) -> list[Found]:
    index, out = _worker_index, []
    assert index is not None
    for cp_id, query in chunk:
        out.extend(screen_query(index, cp_id, query, _worker_threshold))
    return out


def screen_all(index: ScreeningIndex, queries: list[tuple[int, Subject]], threshold: float, *, workers: int = 1,
               advance: Callable[[int], None] | None = None) -> list[Found]:
    """Screen every query; with workers > 1 the chunks go to forked processes sharing the index."""
    global _worker_index, _worker_threshold
    _worker_index, _worker_threshold = index, threshold
    chunks = [queries[i:i + CHUNK] for i in range(0, len(queries), CHUNK)]
    found: list[Found] = []
    try:
        if workers > 1 and len(chunks) > 1 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for chunk, result in zip(chunks, pool.imap(_screen_chunk, chunks), strict=True):
                    found.extend(result)
                    if advance:
                        advance(len(chunk))
        else:
            for chunk in chunks:
                found.extend(_screen_chunk(chunk))
                if advance:
                    advance(len(chunk))
    finally:
        _worker_index = None
    return found


def _previous_hits(session: Session) -> set[tuple[int, str, str]]:
    """(counterparty, list, entity) of each counterparty's hits in the latest run that screened it fully."""
    last = session.execute(select(func.max(ScreeningRun.id)).where(ScreeningRun.kind.in_(("batch", "full")))
                           ).scalar_one_or_none()
    if last is None:
        return set()
    rows = session.execute(select(RunHit.counterparty_id, RunHit.list_name, RunHit.entity_id)
                           .where(RunHit.run_id >= last))
    return {(a, b, c) for a, b, c in rows}


# an engine other than the built-in one: (index, stored counterparties, threshold) -> their hits
Screener = Callable[[ScreeningIndex, list[Counterparty], float], list[Found]]


def run_screening(db: Database, index: ScreeningIndex, *, kind: str, actor: str, threshold: float | None = None,
                  workers: int = 1, details: dict[str, Any] | None = None,
                  advance: Callable[[int], None] | None = None, screener: Screener | None = None) -> dict[str, Any]:
    """Screen all stored counterparties against ``index``; store the run, its hits and a ledger record."""
    cut = index.scorer.config.threshold if threshold is None else threshold
    with db.session() as session:
        counterparties = list(session.execute(select(Counterparty).order_by(Counterparty.id)).scalars())
    if screener is None:
        queries = [(cp.id, counterparty_query(cp)) for cp in counterparties]
        found = screen_all(index, queries, cut, workers=workers, advance=advance)
    else:
        found = screener(index, counterparties, cut)
    return store_run(db, index, counterparties, found, kind=kind, actor=actor, threshold=cut, details=details)


def store_run(db: Database, index: ScreeningIndex, counterparties: Sequence[Any], found: list[Found], *,
              kind: str, actor: str, threshold: float, details: dict[str, Any] | None = None,
              screened: int | None = None) -> dict[str, Any]:
    """Store a run's hits (officers' decisions applied, new hits marked) with one ledger record."""
    with db.write_session() as session:
        return record_run(session, index, counterparties, found, kind=kind, actor=actor, threshold=threshold,
                          details=details, screened=screened)


def record_run(session: Session, index: ScreeningIndex, counterparties: Sequence[Any], found: list[Found],
               *, kind: str, actor: str, threshold: float, details: dict[str, Any] | None = None,
               screened: int | None = None) -> dict[str, Any]:
    """``store_run`` in the caller's transaction. ``counterparties`` holds at least every counterparty
    with a hit; ``screened`` (how many were screened) defaults to their number."""
    by_id = {cp.id: cp for cp in counterparties}
    keys = {cp.id: party_key(cp.name, cp.country) for cp in counterparties}
    entities = {(e.list_name, e.entity_id): e for e in index}
    previous = _previous_hits(session)
    book = DecisionBook.load(session, keys.values())
    run = ScreeningRun(kind=kind, started_at=utcnow(), actor=actor, threshold=threshold,
                       list_versions={k: v.get("version") for k, v in index.list_versions.items()},
                       configuration=index.scorer.config.summary(), details=details or {})
    session.add(run)
    session.flush()
    new_hits = 0
    for cp_id, list_name, entity_id, score, matched, why in found:
        entity = entities[(list_name, entity_id)]
        state = book.state(keys[cp_id], entity)
        is_new = (cp_id, list_name, entity_id) not in previous
        new_hits += is_new
        session.add(RunHit(run_id=run.id, counterparty_id=cp_id, list_name=list_name, entity_id=entity_id,
                           score=score, matched_name=matched, is_new=is_new, explanation=why,
                           decision_status=(state["status"] if state and state["in_force"] else None)))
    run.screened = len(by_id) if screened is None else screened
    run.hits, run.new_hits, run.finished_at = len(found), new_hits, utcnow()
    session.flush()
    doc = run_document(run)
    ledger.append(session, "screening.run", doc, actor=actor, subject=f"run:{run.id}")
    return doc


def delta_index(db: Database, scorer: Scorer, list_name: str, from_version: int, to_version: int,
                ) -> tuple[ScreeningIndex, dict[str, Any]]:
    """An index over only the entities added or modified between two versions of a list."""
    from dualcheck.lists.store import changed_entities

    with db.session() as session:
        added, removed, modified = changed_entities(session, list_name, from_version, to_version)
    subjects = [listed_subject(e) for e in (*added, *modified)]
    details = {"list": list_name, "from": from_version, "to": to_version, "added": len(added),
               "removed": len(removed), "modified": len(modified)}
    versions: dict[str, dict[str, object]] = {list_name: {"version": to_version}}
    return ScreeningIndex(subjects, scorer=scorer, list_versions=versions), details


def rescreen_after_load(db: Database, loaded: Sequence[dict[str, Any]], *, actor: str, workers: int = 1,
                        threshold: float | None = None) -> list[dict[str, Any]]:
    """Delta re-screening started by a list load: for each list that got a new current version,
    screen the stored counterparties against the entries it added or changed (against all of its
    entries when it is the list's first version). One summary per loaded list, run or not, and why.
    """
    from dualcheck.lists.store import list_versions, version_entities

    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Counterparty)) or 0
    done: list[dict[str, Any]] = []
    for row in loaded:
        name, version = row["list"], row["version"]
        summary: dict[str, Any] = {"list": name, "version": version}
        done.append(summary)
        if row.get("status") != "loaded":
            summary["skipped"] = "version already loaded"
            continue
        if not stored:
            summary["skipped"] = "no stored counterparties"
            continue
        with db.session() as session:
            versions = list(list_versions(session, name))
            current = next((v for v in versions if v.is_current), None)
            if current is None or current.id != version:
                summary["skipped"] = "an older snapshot: the current version is unchanged"
                continue
            # ordered by publication date, then load order: the version before the current one
            older = [v.id for v in versions if (v.published, v.id) < (current.published, current.id)]
            subjects = [] if older else [listed_subject(e) for e in version_entities(session, version)]
        scorer = default_scorer()  # the delta needs the scorer only, not an index over every list
        if older:
            delta, details = delta_index(db, scorer, name, older[-1], version)
        else:
            delta = ScreeningIndex(subjects, scorer=scorer, list_versions={name: {"version": version}})
            details = {"list": name, "from": None, "to": version, "added": len(subjects), "removed": 0,
                       "modified": 0}
        details["trigger"] = "lists.load"
        summary["run"] = run_screening(db, delta, kind="delta", actor=actor, threshold=threshold,
                                       workers=workers, details=details)
    return done


def latest_change(db: Database, list_name: str) -> tuple[int, int]:
    """The current version of a list and the version before it (by publication date, then load order)."""
    from dualcheck.lists.store import list_versions

    with db.session() as session:
        versions = [v for v in list_versions(session, list_name)]
    current = [v for v in versions if v.is_current]
    if not current:
        raise NotFound(f"list {list_name} is not loaded")
    older = [v for v in versions if (v.published, v.id) < (current[0].published, current[0].id)]
    if not older:
        raise BadInput(f"list {list_name} has only one version: nothing to compare", location="list")
    return older[-1].id, current[0].id


def run_document(run: ScreeningRun) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None, "actor": run.actor,
            "threshold": run.threshold, "list_versions": run.list_versions, "configuration": run.configuration,
            "screened": run.screened, "hits": run.hits, "new_hits": run.new_hits, "details": run.details}


def run_hits(session: Session, run_id: int, *, only_new: bool = False) -> list[dict[str, Any]]:
    run = session.get(ScreeningRun, run_id)
    if run is None:
        raise NotFound(f"screening run {run_id} not found")
    query = (select(RunHit, Counterparty).join(Counterparty, Counterparty.id == RunHit.counterparty_id)
             .where(RunHit.run_id == run_id).order_by(Counterparty.ref, RunHit.score.desc()))
    if only_new:
        query = query.where(RunHit.is_new.is_(True))
    return [{"counterparty_ref": cp.ref, "counterparty_name": cp.name, "list": h.list_name, "entity_id": h.entity_id,
             "matched_name": h.matched_name, "score": h.score, "is_new": h.is_new,
             "decision": h.decision_status, "explanation": h.explanation}
            for h, cp in session.execute(query)]


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


EXPORT_COLUMNS = ("counterparty_ref", "counterparty_name", "list", "entity_id", "matched_name", "score", "is_new",
                  "decision", "why")


def export_hits(rows: list[dict[str, Any]], path: Path) -> int:
    """Write a run's hits to CSV or XLSX (by the file's suffix); returns the number of rows."""
    def flat(row: dict[str, Any]) -> list[Any]:
        why = "; ".join(f"{c['feature']} {c['contribution']:+.3f}" for c in row["explanation"])
        return [row["counterparty_ref"], row["counterparty_name"], row["list"], row["entity_id"],
                row["matched_name"], row["score"], row["is_new"], row["decision"] or "", why]

    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("hits")
        sheet.append(list(EXPORT_COLUMNS))
        for row in rows:
            sheet.append(flat(row))
        book.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_COLUMNS)
            writer.writerows(flat(r) for r in rows)
    else:
        raise BadInput("export to a .csv or .xlsx file", source=str(path))
    return len(rows)
