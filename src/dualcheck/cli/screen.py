"""`dualcheck screen`, `dualcheck bench pairs|screen`: thin over dualcheck.screening."""

from __future__ import annotations

import csv
import json
import resource
import time
from pathlib import Path
from typing import Any

import typer

from dualcheck import ledger
from dualcheck.cli import bench
from dualcheck.cli.common import FormatOption, OutputFormat, console, database, emit, emit_json, progress, settings
from dualcheck.errors import BadInput
from dualcheck.screening import evaluate
from dualcheck.screening.config import default_config
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.service import build_index, get_index, ledger_payload, screen_one
from dualcheck.screening.subjects import query_subject


def _render_result(doc: dict[str, Any]) -> None:
    versions = ", ".join(f"{k} v{v}" for k, v in doc["list_versions"].items()) or "no lists loaded"
    console.print(f"[bold]{doc['query']['name']}[/bold] ({doc['query']['schema']}), threshold {doc['threshold']}, "
                  f"{versions}")
    if not doc["hits"]:
        console.print("no hits")
    for hit in doc["hits"]:
        console.print(f"  {hit['score']:.3f}  {hit['list']}  {hit['entity_id']}  {hit['name']}  "
                      f"(matched {hit['matched_name']!r}; {', '.join(hit['programmes'])})")
        for part in hit["explanation"]:
            console.print(f"         {part['feature']}: {part['contribution']:+.3f}  {part['detail']}")


def screen(
    name: str = typer.Argument(..., help="The party's name, in any script."),
    schema: str = typer.Option(None, "--schema", help="Person, Organization, Company, LegalEntity, Vessel, Airplane."),
    birth_date: str = typer.Option(None, "--birth-date", help="YYYY, YYYY-MM or YYYY-MM-DD."),
    country: str = typer.Option(None, "--country", help="Country code or name."),
    threshold: float = typer.Option(None, "--threshold", min=0.0, max=1.0, help="Report hits at or above this."),
    limit: int = typer.Option(25, "--limit", min=1, max=500, help="At most this many hits."),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Screen one party against every loaded list; every hit explains itself. Recorded in the ledger."""
    raw = {"name": name, "schema": schema, "birth_date": birth_date, "country": country}
    query = query_subject(name, schema=schema, birth_date=birth_date, country=country)
    db = database()
    index = get_index(db)
    doc = screen_one(index, query, raw, threshold, limit=limit)
    with db.write_session() as session:
        ledger.append(session, "screening.screen", ledger_payload(doc), actor=settings().actor,
                      subject=f"screen:{name[:150]}")
    emit(doc, fmt, _render_result)


def _write_json(doc: dict[str, Any], out: Path | None) -> None:
    emit_json(doc)
    if out is not None:
        out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def bench_pairs(
    cases_file: Path = typer.Argument(..., help="CSV: schema,name1,name2,is_match (true/false)."),
    threshold: float = typer.Option(None, "--threshold", min=0.0, max=1.0,
                                    help="Default: the configuration's threshold (dualcheck), 0.7 (nomenklatura)."),
    algorithm: str = typer.Option("dualcheck", "--algorithm",
                                  help="dualcheck, nomenklatura:logic-v1 or nomenklatura:logic-v2."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
    scores_out: Path = typer.Option(None, "--scores", help="Write every pair with its score to this CSV."),
) -> None:
    """Score labelled name pairs: precision, recall, F1 at the threshold, and pairs per second."""
    cases = evaluate.read_cases(cases_file)
    if threshold is None:
        threshold = default_config().threshold if algorithm == "dualcheck" else 0.7
    with progress(f"pairs ({algorithm})", total=len(cases)) as advance:
        doc, scores = evaluate.bench_pairs(cases, algorithm=algorithm, threshold=threshold, scorer=default_scorer(),
                                           advance=advance)
    if scores_out is not None:
        with scores_out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["schema", "name1", "name2", "is_match", "score"])
            for case, score in zip(cases, scores, strict=True):
                writer.writerow([case.schema, case.name1, case.name2, str(case.is_match).lower(), f"{score:.4f}"])
    _write_json(doc, json_out)


def bench_screen(
    queries_file: Path = typer.Argument(..., help="CSV with full_name (and first_name, ..., nationality)."),
    expect: str = typer.Option(..., "--expect", help="match (share with a hit = recall) or no-match (= FP rate)."),
    threshold: float = typer.Option(None, "--threshold", min=0.0, max=1.0, help="Default: the configuration's."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
) -> None:
    """Screen every row against all loaded lists: share with a hit, queries per second, latency."""
    if expect not in ("match", "no-match"):
        raise BadInput(f"{expect!r} is not match or no-match", location="--expect")
    queries = evaluate.read_queries(queries_file)
    cut = default_config().threshold if threshold is None else threshold
    db = database()
    start = time.perf_counter()
    with db.session() as session:
        index = build_index(session)
    build_seconds = time.perf_counter() - start
    if not len(index):
        raise BadInput("no lists loaded: run `dualcheck lists load` first", location="lists")
    evaluate.clear_caches()
    latencies: list[float] = []
    with_hit = 0
    with progress("screen", total=len(queries)) as advance:
        begin = time.perf_counter()
        for i, (query, _row) in enumerate(queries, start=1):
            t0 = time.perf_counter()
            hits = index.search(query, cut, limit=1)
            latencies.append(time.perf_counter() - t0)
            with_hit += bool(hits)
            if i % 200 == 0:
                advance(200)
        total = time.perf_counter() - begin
    doc = {
        "n": len(queries), "expect": expect, "threshold": cut,
        "share_with_hit": round(with_hit / len(queries), 4),
        "queries_per_second": round(len(queries) / total, 1),
        "latency_ms_p50": round(evaluate.percentile(latencies, 0.50) * 1000, 3),
        "latency_ms_p95": round(evaluate.percentile(latencies, 0.95) * 1000, 3),
        "index_build_seconds": round(build_seconds, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "entities": len(index), "names": index.n_names,
        "list_versions": {k: v.get("version") for k, v in index.list_versions.items()},
        "configuration": index.scorer.config.summary(),
    }
    _write_json(doc, json_out)


bench.app.command("pairs")(bench_pairs)
bench.app.command("screen")(bench_screen)
