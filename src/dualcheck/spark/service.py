"""Spark runs as dualcheck knows runs: one stored run with its counts, list versions, configuration
and (for files) the input's and output's SHA-256 in the ledger; hits above the threshold go into
the review queue like the hits of any batch.

- ``stored_screener``: the engine for ``counterparties screen`` / ``rescreen delta|full --engine spark``
  (the stored counterparties, screened on Spark; storing is ``screening.runs``' own).
- ``run_file``: ``dualcheck spark screen|rescreen INPUT OUT`` for a master too large for the database:
  Parquet out; the counterparties that have hits are stored (by ``id`` as their ref) so that their
  hits can be reviewed, decided and exported like any other.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dualcheck.db.engine import Database
from dualcheck.errors import ConfigError
from dualcheck.screening.counterparties import upsert_records
from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.runs import Found, Screener, record_run
from dualcheck.spark import job
from dualcheck.spark.session import spark_session

REJECTED_RECORDED = 20  # rejected rows named in the run's ledger record (all are counted)


def engine_details(spark: Any, partitions: int | None) -> dict[str, Any]:
    return {"engine": "spark", "master": spark.sparkContext.master, "spark_version": spark.version,
            "partitions": partitions}


def stored_screener(master: str | None = None, conf: dict[str, str] | None = None,
                    partitions: int | None = None) -> tuple[Screener, dict[str, Any]]:
    """The Spark engine for stored counterparties, and what a run records about it."""
    spark = spark_session(master, conf)

    def screen(index: ScreeningIndex, counterparties: list[Any], threshold: float) -> list[Found]:
        rows = [(cp.id, cp.name, cp.schema, cp.country, cp.birth_date, list(cp.aliases or []))
                for cp in counterparties]
        return job.screen_stored(spark, index, rows, threshold, partitions)

    return screen, engine_details(spark, partitions)


def file_sha256(path: str) -> str | None:
    """SHA-256 of a local file (None for a URL or a folder of part files)."""
    local = Path(path)
    if job.has_scheme(path) or not local.is_file():
        return None
    digest = hashlib.sha256()
    with local.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_file(db: Database | None, index: ScreeningIndex, input_path: str, out_path: str, *, kind: str, actor: str,
             threshold: float | None = None, master: str | None = None, conf: dict[str, str] | None = None,
             partitions: int | None = None, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Screen an input file on Spark, write the hits to ``out_path`` (Parquet) and, with a database,
    store the run and load its hits into the review queue. Bad rows are reported and skipped."""
    if not index.list_versions:  # "no hits" against no list would be a silent pass
        raise ConfigError("no restricted-party list is loaded: run `dualcheck lists load PATH` first")
    cut = index.scorer.config.threshold if threshold is None else threshold
    spark = spark_session(master, conf)
    started = time.perf_counter()
    result = job.screen_file(spark, index, input_path, cut, partitions)
    try:
        versions = {name: info.get("version") for name, info in index.list_versions.items()}
        constants = {"threshold": cut, "configuration_version": str(index.scorer.config.version),
                     "list_versions": json.dumps(versions, sort_keys=True)}
        job.write_hits(spark, result.hits, out_path, constants)
        hits = result.hits.collect()
    finally:
        result.release()
    seconds = time.perf_counter() - started
    doc_details = {
        **(details or {}), **engine_details(spark, partitions),
        "input": {"file": input_path.rstrip("/").rsplit("/", 1)[-1], "sha256": file_sha256(input_path),
                  "rows": result.rows, "rejected": result.rejected,
                  "rejected_rows": [{"row": line, "id": ref, "error": message}
                                    for line, ref, message in result.rejected_rows[:REJECTED_RECORDED]]},
        "output": {"file": out_path.rstrip("/").rsplit("/", 1)[-1], "sha256": file_sha256(out_path),
                   "hits": len(hits)},
        "seconds": round(seconds, 2),
    }
    if db is None:
        return {"screened": result.screened, "hits": len(hits), "details": doc_details,
                "rejected_rows": result.rejected_rows, "hit_rows": hits}
    with db.write_session() as session:
        records = {h[0]: dict(zip(("ref", "name", "schema", "country", "birth_date", "aliases"), h[:6], strict=True))
                   for h in hits}
        stored, created, updated = upsert_records(session, records)
        doc_details["review"] = {"counterparties_created": created, "counterparties_updated": updated}
        counterparties = [SimpleNamespace(id=cp.id, name=cp.name, country=cp.country) for cp in stored.values()]
        found: list[Found] = [(stored[h[0]].id, h[6], h[7], h[10], h[11], json.loads(h[12])) for h in hits]
        doc = record_run(session, index, counterparties, found, kind=kind, actor=actor, threshold=cut,
                         details=doc_details, screened=result.screened)
    doc["rejected_rows"] = result.rejected_rows
    return doc
