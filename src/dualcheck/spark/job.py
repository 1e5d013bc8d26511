"""The Spark side of a screening run: input, the partition function, Parquet output.

The driver pickles the index once and broadcasts it with its SHA-256; every Python worker
process unpickles it on first use and keeps it while the worker is reused
(``spark.python.worker.reuse``, the default): once per executor process, not once per task, and
not again for the next run over the same index. A partition's rows are validated as
``counterparties import`` validates them and screened through ``screening.runs.screen_query``,
the built-in batch's own per-counterparty function.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from dualcheck.errors import BadInput
from dualcheck.screening.counterparties import FIELDS, validate_row
from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.runs import Found, counterparty_query, screen_query

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.broadcast import Broadcast
    from pyspark.sql import DataFrame, SparkSession

INPUT_COLUMNS = ("id", "name", "schema", "country", "birth_date", "aliases")
MAPPING = dict(zip(FIELDS, INPUT_COLUMNS, strict=True))  # our field -> the input's column ("ref" is "id")
REJECTED_SHOWN = 100  # rejected rows reported one by one; all of them are counted

# one output row per hit: the counterparty as screened, the listed entity, the score and why
HIT_COLUMNS = (
    ("id", "string"), ("name", "string"), ("schema", "string"), ("country", "string"), ("birth_date", "string"),
    ("aliases", "array<string>"), ("list", "string"), ("entity_id", "string"), ("entity_name", "string"),
    ("list_version", "string"), ("score", "double"), ("matched_name", "string"), ("explanation", "string"),
)

# driver: the last index shipped, pickled once ((index, digest, bytes)); a worker: the index it loaded
_pickled: tuple[ScreeningIndex, str, bytes] | None = None
_loaded: dict[str, ScreeningIndex] = {}


def ship(spark: SparkSession, index: ScreeningIndex) -> Broadcast:
    """Broadcast the index as (digest, pickle): a worker that already holds it keeps it."""
    global _pickled
    if _pickled is None or _pickled[0] is not index:
        blob = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
        _pickled = (index, hashlib.sha256(blob).hexdigest(), blob)
    return spark.sparkContext.broadcast(_pickled[1:])


def executor_index(shipped: Broadcast) -> ScreeningIndex:
    """The broadcast index in this worker process: unpickled once, kept while the worker is reused."""
    digest, blob = shipped.value
    index = _loaded.get(digest)
    if index is None:
        from dualcheck.screening.service import settle_long_lived

        _loaded.clear()
        index = _loaded[digest] = pickle.loads(blob)
        settle_long_lived()  # as in a long-lived server: the index is never walked by the cyclic GC
    return index


def _hit_row(index: ScreeningIndex, record: dict[str, Any], found: Found) -> tuple[Any, ...]:
    _, list_name, entity_id, score, matched, why = found
    entity = index.get(list_name, entity_id)
    assert entity is not None
    return ("hit", record["ref"], record["name"], record["schema"], record["country"], record["birth_date"],
            list(record["aliases"]), list_name, entity_id, entity.caption, str(entity.version_id), score, matched,
            json.dumps(why, ensure_ascii=False, sort_keys=True))


def screen_partition(rows: Iterable[tuple[dict[str, str], int]], *, shipped: Broadcast, threshold: float,
                     source: str) -> Iterator[tuple[Any, ...]]:
    """Rows of an input file -> ("hit", ...) per hit, ("rejected", line, id, message) per bad row and
    one ("screened", n) per partition."""
    index = executor_index(shipped)
    screened = 0
    for row, line in rows:
        try:
            record = validate_row(row, MAPPING, source=source, line=line)
            query = counterparty_query(SimpleNamespace(**record))
        except BadInput as exc:
            yield ("rejected", line, (row.get("id") or "")[:200], str(exc))
            continue
        screened += 1
        for found in screen_query(index, record["ref"], query, threshold):
            yield _hit_row(index, record, found)
    yield ("screened", screened)


def screen_stored_partition(rows: Iterable[tuple[Any, ...]], *, shipped: Broadcast,
                            threshold: float) -> Iterator[Found]:
    """Stored counterparties (validated when imported) -> their hits, as the built-in batch finds them."""
    index = executor_index(shipped)
    for cp_id, name, schema, country, birth_date, aliases in rows:
        query = counterparty_query(SimpleNamespace(name=name, schema=schema, country=country,
                                                   birth_date=birth_date, aliases=aliases))
        yield from screen_query(index, cp_id, query, threshold)


def default_partitions(spark: SparkSession, rows: int) -> int:
    """Enough tasks to keep every core busy and to spread the work (at least 4 per core), bounded by rows."""
    cores = spark.sparkContext.defaultParallelism
    return max(1, min(max(4 * cores, rows // 20_000), max(rows // 200, 1)))


def screen_stored(spark: SparkSession, index: ScreeningIndex, rows: list[tuple[Any, ...]], threshold: float,
                  partitions: int | None = None) -> list[Found]:
    """Screen stored counterparties ``(id, name, schema, country, birth_date, aliases)`` on Spark."""
    sc = spark.sparkContext
    shipped = ship(spark, index)
    try:
        rdd = sc.parallelize(rows, partitions or default_partitions(spark, len(rows)))
        return rdd.mapPartitions(partial(screen_stored_partition, shipped=shipped, threshold=threshold)).collect()
    finally:
        shipped.destroy()


# -- files --------------------------------------------------------------------------------------

def _is_parquet(path: str) -> bool:
    return path.rstrip("/").lower().endswith((".parquet", ".pq")) or path.rstrip("/").lower().endswith(".parq")


def read_input(spark: SparkSession, path: str) -> tuple[DataFrame, int]:
    """The input as a DataFrame of string columns (ours only) and the number of its first data row
    (2 in a CSV file, after the header; 1 in Parquet)."""
    from pyspark.sql import functions as F

    name = path.rsplit("/", 1)[-1]
    try:
        if _is_parquet(path):
            frame, first = spark.read.parquet(path), 1
        else:  # RFC 4180 quoting; one record per line, so a file splits across tasks and lines stay countable
            frame = (spark.read.option("header", True).option("escape", '"').option("multiLine", False)
                     .option("mode", "PERMISSIVE").option("encoding", "UTF-8").csv(path))
            frame, first = frame.toDF(*[c.lstrip("\ufeff").strip() for c in frame.columns]), 2
    except Exception as exc:  # AnalysisException: missing path, unreadable file
        raise BadInput(f"cannot read ({str(exc).splitlines()[0]})", source=name) from None
    columns = set(frame.columns)
    for required in ("id", "name"):
        if required not in columns:
            raise BadInput(f"missing column {required!r} (columns: id, name and optional "
                           f"schema, country, birth_date, aliases)", source=name, location="header")
    picked = [F.col(c).cast("string").alias(c) if c in columns else F.lit(None).cast("string").alias(c)
              for c in INPUT_COLUMNS]
    return frame.select(*picked), first


@dataclass
class FileResult:
    scored: RDD  # the partition function's output, persisted until the run is written and stored
    screened: int
    rejected: int
    rejected_rows: list[tuple[int, str, str]]  # (line, id, message), the first REJECTED_SHOWN by line

    @property
    def rows(self) -> int:
        return self.screened + self.rejected

    @property
    def hits(self) -> RDD:
        """One tuple per hit, in HIT_COLUMNS order."""
        return self.scored.filter(lambda r: r[0] == "hit").map(lambda r: r[1:])

    def release(self) -> None:
        self.scored.unpersist()


def screen_file(spark: SparkSession, index: ScreeningIndex, path: str, threshold: float,
                partitions: int | None = None) -> FileResult:
    """Screen every row of an input file; nothing is written yet (see ``write_hits``)."""
    from pyspark import StorageLevel

    frame, first = read_input(spark, path)
    source = path.rsplit("/", 1)[-1]
    numbered = frame.rdd.zipWithIndex().map(lambda pair: (pair[0].asDict(), pair[1] + first))
    if partitions:
        numbered = numbered.repartition(partitions)
    elif numbered.getNumPartitions() < 4 * spark.sparkContext.defaultParallelism:  # a small file is one split
        numbered = numbered.repartition(4 * spark.sparkContext.defaultParallelism)
    shipped = ship(spark, index)
    scored = numbered.mapPartitions(partial(screen_partition, shipped=shipped, threshold=threshold, source=source))
    scored = scored.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        screened = scored.filter(lambda r: r[0] == "screened").map(lambda r: r[1]).sum()
        rejected = scored.filter(lambda r: r[0] == "rejected").map(lambda r: r[1:])
        shown = rejected.takeOrdered(REJECTED_SHOWN, key=lambda r: r[0])
        n_rejected = rejected.count() if len(shown) == REJECTED_SHOWN else len(shown)
    finally:
        shipped.unpersist()  # the scores are persisted: the executors no longer need the index
    return FileResult(scored=scored, screened=int(screened), rejected=n_rejected, rejected_rows=list(shown))


def _hits_frame(spark: SparkSession, hits: RDD, constants: dict[str, Any]) -> DataFrame:
    from pyspark.sql import functions as F

    frame = spark.createDataFrame(hits, schema=", ".join(f"{name} {kind}" for name, kind in HIT_COLUMNS))
    for name, value in constants.items():
        frame = frame.withColumn(name, F.lit(value))
    # one sorted partition: the same input gives the same file
    return frame.repartition(1).sortWithinPartitions("id", F.desc("score"), "list", "entity_id")


def has_scheme(path: str) -> bool:
    return "://" in path


def write_hits(spark: SparkSession, hits: RDD, out: str, constants: dict[str, Any]) -> None:
    """Write the hits as Parquet: one file at ``out`` for a local path; Spark's folder of part
    files for a URL (``hdfs://``, ``s3a://``, ...), as a cluster writes it."""
    frame = _hits_frame(spark, hits, constants)
    if has_scheme(out):
        frame.write.mode("overwrite").parquet(out)
        return
    import shutil
    from pathlib import Path

    target = Path(out).resolve()
    staging = target.with_name(f".{target.name}.spark")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        frame.write.mode("overwrite").parquet(staging.as_uri())
        [part] = sorted(staging.glob("part-*.parquet"))
        part.replace(target)  # the whole file or none: never a half-written output
    finally:
        shutil.rmtree(staging, ignore_errors=True)
