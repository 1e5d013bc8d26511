"""Quality and speed measurements behind `dualcheck bench pairs` and `dualcheck bench screen`."""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dualcheck._compiled import implementation
from dualcheck.errors import BadInput
from dualcheck.screening.dates import BadDate, check_date
from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.names import given_name_groups, nickname_groups, nicknames_of, token_similarity
from dualcheck.screening.normalize import phonetic_key, prepare_name, prepared_forms, romanisation_key, skeleton
from dualcheck.screening.scoring import Scorer
from dualcheck.screening.service import settle_long_lived
from dualcheck.screening.subjects import QUERY_SCHEMAS, Subject, query_subject

ALGORITHMS = ("dualcheck", "nomenklatura:logic-v1", "nomenklatura:logic-v2")
TRUE_VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True, slots=True)
class Case:
    schema: str
    name1: str
    name2: str
    is_match: bool
    kind: str = ""  # the optional `kind` column: figures are also reported per kind


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInput(f"cannot read ({exc.strerror})", source=str(path)) from None
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise BadInput(f"missing column {missing[0]!r}", source=str(path), location="header")
        yield from enumerate(reader, start=2)


def read_cases(path: Path) -> list[Case]:
    cases = []
    for line, row in _rows(path, ("schema", "name1", "name2", "is_match")):
        label = TRUE_VALUES.get((row.get("is_match") or "").strip().lower())
        if label is None:
            raise BadInput(f"is_match must be true or false, not {row.get('is_match')!r}", source=str(path),
                           location=f"row {line}, field is_match")
        schema = (row.get("schema") or "").strip() or "LegalEntity"
        if schema not in QUERY_SCHEMAS:
            raise BadInput(f"unknown schema {schema!r}", source=str(path), location=f"row {line}, field schema")
        for field in ("name1", "name2"):
            if not (row.get(field) or "").strip():
                raise BadInput("is empty", source=str(path), location=f"row {line}, field {field}")
        cases.append(Case(schema, row["name1"], row["name2"], label, (row.get("kind") or "").strip()))
    if not cases:
        raise BadInput("no cases", source=str(path))
    return cases


def _dualcheck_scorer(scorer: Scorer) -> Callable[[Case], float]:
    # the cases are validated when read (names not empty, known schema): only names to compare
    def score(case: Case) -> float:
        return scorer.score(Subject(case.schema, prepared_forms(case.name1, case.schema)),
                            Subject(case.schema, prepared_forms(case.name2, case.schema))).score
    return score


def _nomenklatura_scorer(name: str) -> Callable[[Case], float]:
    try:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm
    except ImportError:
        raise BadInput("nomenklatura is not installed (install the bench extra)", location="--algorithm") from None
    algorithm = get_algorithm(name)
    if algorithm is None:
        raise BadInput(f"nomenklatura has no algorithm {name!r}", location="--algorithm")
    config = algorithm.default_config()
    counter = iter(range(10**12))

    def entity(schema: str, name: str) -> Any:
        proxy = model.make_entity(schema)
        proxy.id = f"e{next(counter)}"
        proxy.add("name", name)
        return proxy

    def score(case: Case) -> float:
        return float(algorithm.compare(entity(case.schema, case.name1), entity(case.schema, case.name2), config).score)
    return score


WARM_UP_NAMES = ("Иван Петров", "محمد علي", "习近平", "김정은", "Αλέξανδρος", "משה", "Müller GmbH", "ООО Ромашка")


def clear_caches() -> None:
    """Start cold: the name caches would otherwise make a second run look faster than it is.

    The transliteration libraries build their tables on first use (about half a second); that
    one-time start-up is done here, before the clock starts, and the caches emptied after it. What
    is alive then is settled out of the garbage collector's way, as `get_index` does for a server.
    """
    given_name_groups()  # data files, read once per process
    nickname_groups()
    for name in WARM_UP_NAMES:
        prepared_forms(name, "Person")
        prepared_forms(name, "Organization")
    for cached in (prepared_forms, prepare_name, token_similarity, phonetic_key, skeleton, romanisation_key,
                   nicknames_of):
        cached.cache_clear()
    settle_long_lived()


def metrics(labels: list[bool], scores: list[float], threshold: float) -> dict[str, float]:
    tp = sum(1 for y, s in zip(labels, scores, strict=True) if y and s >= threshold)
    fp = sum(1 for y, s in zip(labels, scores, strict=True) if not y and s >= threshold)
    fn = sum(1 for y, s in zip(labels, scores, strict=True) if y and s < threshold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def per_kind(cases: list[Case], scores: list[float], threshold: float) -> dict[str, dict[str, Any]]:
    """Precision, recall and F1 per kind of case, with the count and the errors of each direction."""
    groups: dict[str, list[tuple[bool, float]]] = {}
    for case, score in zip(cases, scores, strict=True):
        groups.setdefault(case.kind or "(none)", []).append((case.is_match, score))
    out: dict[str, dict[str, Any]] = {}
    for kind in sorted(groups):
        labels = [y for y, _ in groups[kind]]
        kind_scores = [s for _, s in groups[kind]]
        out[kind] = {"n": len(labels), **metrics(labels, kind_scores, threshold),
                     "false_positives": sum(1 for y, s in groups[kind] if not y and s >= threshold),
                     "false_negatives": sum(1 for y, s in groups[kind] if y and s < threshold)}
    return out


def best_threshold(labels: list[bool], scores: list[float]) -> tuple[float, float]:
    """The threshold (on a 0.01 grid) with the best F1: shows each algorithm at its best too."""
    best = (0.0, 0.0)
    for step in range(1, 100):
        t = step / 100
        f1 = metrics(labels, scores, t)["f1"]
        if f1 > best[1]:
            best = (t, f1)
    return best


def _timed_run(cases: list[Case], score: Callable[[Case], float],
               advance: Callable[[int], None] | None) -> tuple[list[float], float, float]:
    """One measured pass over the cases: their scores, wall-clock seconds, CPU seconds."""
    scores: list[float] = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for i, case in enumerate(cases, start=1):
        scores.append(score(case))
        if advance is not None and i % 500 == 0:
            advance(500)
    return scores, time.perf_counter() - start, time.process_time() - cpu_start


def bench_pairs(cases: list[Case], *, algorithm: str, threshold: float, scorer: Scorer,
                advance: Callable[[int], None] | None = None, repeat: int = 1) -> tuple[dict[str, Any], list[float]]:
    """Score every case; with ``repeat`` > 1 (dualcheck only) the same cold measurement runs that
    many times, caches cleared before each, and the median run is reported with the min and max:
    one run on a loaded machine varies by a third, the median of cold runs much less."""
    if algorithm == "dualcheck":
        score = _dualcheck_scorer(scorer)
    elif algorithm.startswith("nomenklatura:"):
        score = _nomenklatura_scorer(algorithm.split(":", 1)[1])
        score(cases[0])  # its name data loads on first use (logic-v2: about half a minute); not timed
        repeat = 1  # its caches cannot be emptied between runs: a second run would not be cold
    else:
        raise BadInput(f"unknown algorithm {algorithm!r} (one of {', '.join(ALGORITHMS)})", location="--algorithm")
    load_before = os.getloadavg()[0]
    runs: list[tuple[float, float]] = []
    scores: list[float] = []
    for _ in range(max(1, repeat)):
        if algorithm == "dualcheck":
            clear_caches()
        scores, elapsed, cpu = _timed_run(cases, score, advance)
        runs.append((elapsed, cpu))
    by_speed = sorted(runs)
    elapsed, cpu = by_speed[len(by_speed) // 2]  # the median run (for an even count, the slower middle one)
    labels = [c.is_match for c in cases]
    t_best, f1_best = best_threshold(labels, scores)
    doc: dict[str, Any] = {"n": len(cases), "threshold": threshold, **metrics(labels, scores, threshold),
                           "pairs_per_second": round(len(cases) / elapsed, 1) if elapsed else None,
                           # the same per second of this process's CPU time: what the matcher does on a
                           # core of its own when the machine is shared
                           "pairs_per_cpu_second": round(len(cases) / cpu, 1) if cpu else None,
                           "algorithm": algorithm, "best_threshold": t_best, "best_f1": f1_best,
                           # the wall-clock figure depends on what else runs: the 1-minute load average
                           "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    if any(c.kind for c in cases):
        doc["per_kind"] = per_kind(cases, scores, threshold)
    if len(runs) > 1:
        doc["runs"] = len(runs)
        doc["pairs_per_second_min"] = round(len(cases) / by_speed[-1][0], 1)
        doc["pairs_per_second_max"] = round(len(cases) / by_speed[0][0], 1)
    if algorithm == "dualcheck":
        doc["configuration"] = scorer.config.summary()
        doc["implementation"] = implementation()  # compiled at install, or the Python source
    return doc, scores


@dataclass(frozen=True, slots=True)
class Queries:
    """The queries of a bench file and the rows skipped for a date that cannot be read."""

    rows: list[tuple[Subject, dict[str, str]]]
    skipped: list[str]


def read_queries(path: Path) -> Queries:
    out = []
    skipped: list[str] = []
    for line, row in _rows(path, ("full_name",)):
        try:
            name = row.get("full_name") or ""
            schema = (row.get("schema") or "").strip() or None
            out.append((query_subject(name, schema=schema if schema in QUERY_SCHEMAS else None,
                                      birth_date=check_date(row.get("date_of_birth"), field="date_of_birth"),
                                      country=(row.get("nationality") or "").strip() or None,
                                      gender=row.get("gender"), strict_country=False), row))
        except BadDate as exc:
            skipped.append(str(BadInput(f"{exc.message} (row skipped)", source=str(path),
                                        location=f"row {line}, field {exc.location}")))
        except BadInput as exc:
            raise BadInput(exc.message, source=str(path), location=f"row {line}") from None
    if not out:
        raise BadInput("no queries" + (f" ({len(skipped)} rows skipped)" if skipped else ""), source=str(path))
    return Queries(out, skipped)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def candidate_recall(index: ScreeningIndex, queries: list[tuple[Subject, dict[str, str]]], threshold: float,
                     sample: int) -> dict[str, Any]:
    """How many of the hits an exhaustive scan finds (every query against every listed entity)
    the candidate stage also finds, on an evenly spread sample of the queries."""
    step = max(1, len(queries) // sample)
    chosen = queries[::step][:sample]
    expected = found = 0
    for query, _row in chosen:
        exhaustive = {(e.list_name, e.entity_id) for e in index if index.scorer.score(query, e).score >= threshold}
        via_index = {(h.entity.list_name, h.entity.entity_id) for h in index.search(query, threshold, limit=10_000)}
        expected += len(exhaustive)
        found += len(exhaustive & via_index)
    return {"queries": len(chosen), "exhaustive_hits": expected,
            "candidate_recall": round(found / expected, 4) if expected else None}
