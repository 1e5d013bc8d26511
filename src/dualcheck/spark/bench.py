"""`dualcheck bench spark`: rows/s and peak memory, Spark against the built-in batch, same input, same cores.

The input is generated: person and company names from Faker's name pools (several locales,
recombined at random) with a few per cent of names taken from the loaded lists and varied
(case, word order, a dropped word), so that both engines find hits. Both engines read the same
CSV file; the built-in batch validates each row as the import does and screens with its worker
processes; Spark runs ``dualcheck spark screen``'s job (read, screen, write Parquet) without
storing the run. Memory is the peak resident set of this process and all its children (forked
workers; the JVM and its Python workers), sampled every 0.2 s.
"""

from __future__ import annotations

import csv
import math
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.screening.index import ScreeningIndex

LISTED_SHARE = 0.03
COUNTRIES = ("de", "fr", "it", "es", "pl", "tr", "us", "gb", "cn", "ru", "ae", "ir", "in", "br", "", "")
TARGET_ROWS, TARGET_SECONDS, CORES_PER_EXECUTOR = 50_000_000, 3600, 4


def _name_pools(seed: int) -> tuple[list[str], list[str], list[str]]:
    from faker import Faker

    fake = Faker(["en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "tr_TR", "nl_NL"])
    fake.seed_instance(seed)
    firsts = sorted({fake.first_name() for _ in range(4000)})
    lasts = sorted({fake.last_name() for _ in range(4000)})
    companies = sorted({fake.company() for _ in range(3000)})
    return firsts, lasts, companies


def _vary(name: str, rng: random.Random) -> str:
    words = name.split()
    roll = rng.random()
    if roll < 0.3 or len(words) < 2:
        return name.upper() if roll < 0.15 else name
    if roll < 0.65:
        return " ".join([*words[1:], words[0]])
    if len(words) >= 3:
        del words[rng.randrange(1, len(words) - 1)]
    return " ".join(words)


def generate_rows(n: int, index: ScreeningIndex, seed: int = 7) -> Iterator[tuple[str, str, str, str, str]]:
    """(id, name, schema, country, birth_date) rows, reproducible for a seed and the loaded lists."""
    rng = random.Random(seed)
    firsts, lasts, companies = _name_pools(seed)
    listed = sorted((e.caption, e.schema) for e in index
                    if e.schema in ("Person", "Organization", "Company") and 1 < len(e.caption.split()) < 8)
    for i in range(n):
        country = rng.choice(COUNTRIES)
        if listed and rng.random() < LISTED_SHARE:
            caption, schema = rng.choice(listed)
            yield f"G{i:09d}", _vary(caption, rng), schema, "", ""
        elif rng.random() < 0.6:
            born = f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" \
                if rng.random() < 0.3 else ""
            yield f"G{i:09d}", f"{rng.choice(firsts)} {rng.choice(lasts)}", "Person", country, born
        else:
            yield f"G{i:09d}", rng.choice(companies), "Organization", country, ""


def write_rows(path: Path, rows: Iterator[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "schema", "country", "birth_date"])
        writer.writerows(rows)


def _tree_rss_kb(pid: int) -> int:
    """Resident set of a process and all its descendants, in KiB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


@contextmanager
def peak_memory() -> Iterator[dict[str, float]]:
    """Samples this process tree's resident memory while the block runs; yields {"peak_mb": ...}."""
    import os

    out = {"peak_mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            out["peak_mb"] = max(out["peak_mb"], _tree_rss_kb(os.getpid()) / 1024)
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        out["peak_mb"] = round(out["peak_mb"], 1)


def builtin_batch(index: ScreeningIndex, path: Path, threshold: float, workers: int) -> set[tuple[Any, ...]]:
    """What `counterparties screen` does with a file's rows: validate, build queries, screen with workers."""
    from dualcheck.screening.counterparties import read_rows, validate_row
    from dualcheck.screening.runs import counterparty_query, screen_all
    from dualcheck.spark.job import MAPPING

    queries = []
    for line, row in enumerate(read_rows(path), start=2):
        record = validate_row(row, MAPPING, source=path.name, line=line)
        queries.append((record["ref"], counterparty_query(SimpleNamespace(**record))))
    found = screen_all(index, queries, threshold, workers=workers)
    return {(ref, list_name, entity_id, score) for ref, list_name, entity_id, score, _, _ in found}


def _measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    with peak_memory() as memory:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return result, seconds, memory["peak_mb"]


def bench(db: Database, sizes: list[int], *, master: str, workers: int, conf: dict[str, str], seed: int,
          note: Callable[[str], None]) -> dict[str, Any]:
    from dualcheck._compiled import implementation
    from dualcheck.screening.service import build_index
    from dualcheck.spark.service import run_file
    from dualcheck.spark.session import spark_session

    with db.session() as session:
        index = build_index(session)
    if not len(index):
        raise BadInput("no lists loaded: run `dualcheck lists load` first", location="lists")
    cut = index.scorer.config.threshold
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dualcheck-bench-spark-") as tmp:
        files = {}
        for n in sizes:
            files[n] = Path(tmp) / f"counterparties-{n}.csv"
            write_rows(files[n], generate_rows(n, index, seed))
        # the built-in batch first: no JVM running yet, so its memory is its own
        builtin: dict[int, tuple[set[Any], float, float]] = {}
        for n in sizes:
            note(f"built-in batch, {n} rows, {workers} workers ...")
            builtin[n] = _measure(partial(builtin_batch, index, files[n], cut, workers))
        started = time.perf_counter()
        spark = spark_session(master, conf)
        startup = time.perf_counter() - started
        cores = spark.sparkContext.defaultParallelism
        for n in sizes:
            note(f"spark {master}, {n} rows ...")
            out = Path(tmp) / f"hits-{n}.parquet"
            doc, seconds, peak = _measure(partial(run_file, None, index, str(files[n]), str(out), kind="batch",
                                                  actor="bench", master=master, conf=conf))
            spark_hits = {(h[0], h[6], h[7], h[10]) for h in doc["hit_rows"]}
            found, b_seconds, b_peak = builtin[n]
            spark_rate, builtin_rate = n / seconds, n / b_seconds
            per_core = spark_rate / cores
            cores_needed = math.ceil(TARGET_ROWS / TARGET_SECONDS / per_core)
            results.append({
                "rows": n, "hits": len(found), "same_hits": spark_hits == found,
                "builtin": {"workers": workers, "seconds": round(b_seconds, 1), "rows_per_second": round(builtin_rate),
                            "peak_memory_mb": b_peak},
                "spark": {"master": master, "cores": cores, "seconds": round(seconds, 1),
                          "rows_per_second": round(spark_rate), "peak_memory_mb": peak,
                          "rows_per_second_per_core": round(per_core)},
                "spark_over_builtin_time": round(seconds / b_seconds, 2),
                "scaling": {"target_rows": TARGET_ROWS, "target_seconds": TARGET_SECONDS,
                            "cores_needed": cores_needed,
                            "executors_needed": math.ceil(cores_needed / CORES_PER_EXECUTOR),
                            "cores_per_executor": CORES_PER_EXECUTOR},
            })
    return {"index": {"entities": len(index), "names": index.n_names,
                      "list_versions": {k: v.get("version") for k, v in index.list_versions.items()}},
            "threshold": cut, "implementation": implementation(), "spark_version": spark.version,
            "spark_startup_seconds": round(startup, 1), "results": results}
