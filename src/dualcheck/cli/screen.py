"""`dualcheck screen`, `dualcheck bench pairs|screen`: thin over dualcheck.screening."""

from __future__ import annotations

import csv
import json
import resource
import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from dualcheck._compiled import implementation
from dualcheck.cli import bench
from dualcheck.cli.common import (
    FormatOption,
    OutputFormat,
    console,
    database,
    emit,
    emit_json,
    err_console,
    progress,
    settings,
)
from dualcheck.cli.spark import ConfOption, MasterOption
from dualcheck.errors import BadInput
from dualcheck.screening import evaluate
from dualcheck.screening.config import default_config
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.service import build_index, get_index, screen_recorded
from dualcheck.screening.subjects import query_subject


def decision_line(decision: dict[str, Any]) -> str:
    """A recorded decision in one line: what, who, when, why, and whether the entry changed since."""
    text = (f"{decision.get('status')} by {decision.get('decided_by')} on {str(decision.get('decided_at'))[:10]}: "
            f"{decision.get('reason')}")
    if decision.get("via"):
        text += f" (decided on {decision['via']}, the same entity)"
    if decision.get("entity_changed"):
        text += "; the listed entry changed since" + ("" if decision.get("in_force") else ": decide again")
    return text


def _render_result(doc: dict[str, Any]) -> None:
    versions = ", ".join(f"{k} v{v}" for k, v in doc["list_versions"].items()) or "no lists loaded"
    console.print(f"[bold]{doc['query']['name']}[/bold] ({doc['query']['schema']}), threshold {doc['threshold']}, "
                  f"{versions}")
    ages = ", ".join(f"{k} published {v['published']} ({v['age_days']} days)" for k, v in doc.get("lists", {}).items())
    if ages:
        console.print(ages, markup=False)
    for warning in doc.get("warnings", []):
        console.print(f"WARNING: {warning}", markup=False)
    if not doc["hits"]:
        console.print("no hits" + (" on stale lists: not a clear result" if doc.get("warnings") else ""))
    for hit in doc["hits"]:
        console.print(f"  {hit['score']:.3f}  {hit.get('list_title', hit['list'])}  {hit['entity_id']}  {hit['name']}  "
                      f"(matched {hit['matched_name']!r}; {', '.join(hit.get('programme_titles', hit['programmes']))})",
                      markup=False, highlight=False)
        if hit.get("group") and any(g["group"] == hit["group"] for g in doc.get("entities", [])):
            console.print(f"         same entity as the other hits of group {hit['group']}", markup=False)
        decision = hit.get("decision")
        if decision:
            console.print(f"         decision: {decision_line(decision)}", markup=False, highlight=False)
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
    doc = screen_recorded(database(), query, raw, actor=settings().actor, threshold=threshold, limit=limit)
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
    repeat: int = typer.Option(3, "--repeat", min=1, max=50,
                               help="Run the cold measurement this many times (dualcheck) and report the median "
                                    "run's pairs/s with the min and max."),
) -> None:
    """Score labelled name pairs: precision, recall, F1 at the threshold, and pairs per second."""
    cases = evaluate.read_cases(cases_file)
    if threshold is None:
        threshold = default_config().threshold if algorithm == "dualcheck" else 0.7
    runs = repeat if algorithm == "dualcheck" else 1
    with progress(f"pairs ({algorithm})", total=len(cases) * runs) as advance:
        doc, scores = evaluate.bench_pairs(cases, algorithm=algorithm, threshold=threshold, scorer=default_scorer(),
                                           advance=advance, repeat=runs)
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
    candidate_sample: int = typer.Option(0, "--candidate-sample", min=0, max=1000,
                                         help="Also measure the candidate stage's recall against an exhaustive "
                                              "scan on this many queries (slow: each scans every entity)."),
) -> None:
    """Screen every row against all loaded lists: share with a hit, queries per second, latency."""
    if expect not in ("match", "no-match"):
        raise BadInput(f"{expect!r} is not match or no-match", location="--expect")
    read = evaluate.read_queries(queries_file)
    for message in read.skipped:
        err_console.print(message, markup=False, highlight=False)
    queries = read.rows
    cut = default_config().threshold if threshold is None else threshold
    db = database()
    start, cpu_start = time.perf_counter(), time.process_time()
    with db.session() as session:
        index = build_index(session)
    build_seconds, build_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    if not len(index):
        raise BadInput("no lists loaded: run `dualcheck lists load` first", location="lists")
    evaluate.clear_caches()
    latencies: list[float] = []
    with_hit = 0
    with progress("screen", total=len(queries)) as advance:
        begin, cpu_begin = time.perf_counter(), time.process_time()
        for i, (query, _row) in enumerate(queries, start=1):
            t0 = time.perf_counter()
            hits = index.search(query, cut, limit=1)
            latencies.append(time.perf_counter() - t0)
            with_hit += bool(hits)
            if i % 200 == 0:
                advance(200)
        total, cpu_total = time.perf_counter() - begin, time.process_time() - cpu_begin
    doc = {
        "n": len(queries), "expect": expect, "threshold": cut, "skipped_rows": len(read.skipped),
        "share_with_hit": round(with_hit / len(queries), 4),
        "queries_per_second": round(len(queries) / total, 1),
        "latency_ms_p50": round(evaluate.percentile(latencies, 0.50) * 1000, 3),
        "latency_ms_p95": round(evaluate.percentile(latencies, 0.95) * 1000, 3),
        "queries_per_cpu_second": round(len(queries) / cpu_total, 1) if cpu_total else None,
        "index_build_seconds": round(build_seconds, 2),
        "index_build_cpu_seconds": round(build_cpu, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "entities": len(index), "names": index.n_names,
        "list_versions": {k: v.get("version") for k, v in index.list_versions.items()},
        "configuration": index.scorer.config.summary(),
        "implementation": implementation(),
    }
    if candidate_sample:
        doc["candidate_stage"] = evaluate.candidate_recall(index, queries, cut, candidate_sample)
    _write_json(doc, json_out)


bench.app.command("pairs")(bench_pairs)
bench.app.command("screen")(bench_screen)


# -- counterparties, decisions, re-screening -------------------------------------------------

counterparties_app = typer.Typer(help="Customer/supplier master: import, list, screen in batch, export hits.",
                                 no_args_is_help=True)
decisions_app = typer.Typer(help="Officers' decisions on hits: cleared (false positive) or confirmed (blocks).",
                            no_args_is_help=True)
rescreen_app = typer.Typer(help="Re-screen stored counterparties: delta (new/changed list entries) or full.",
                           no_args_is_help=True)
def _each(key: str, line: Callable[[dict[str, Any]], str]) -> Callable[[Any], None]:
    """A text renderer: one line per item of doc[key]."""
    return lambda doc: console.print("\n".join(line(x) for x in doc[key]) or "none", markup=False)


WorkersOption = typer.Option(None, "--workers", min=1, max=16, help="Worker processes (default: CPU count, max 4).")


class Engine(str, Enum):
    builtin = "builtin"
    spark = "spark"


EngineOption = typer.Option(Engine.builtin, "--engine", help="builtin (worker processes on this machine) or spark "
                                                             "(the same matcher on Apache Spark; see --master).")


@counterparties_app.command("import")
def counterparties_import(
    path: Path = typer.Argument(..., help="CSV or XLSX with a header row."),
    mapping: list[str] = typer.Option(None, "--map", help="FIELD=COLUMN, e.g. --map ref='Customer ID' "
                                                          "(fields: ref, name, schema, country, birth_date, aliases)."),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Import (upsert by ref) counterparties; any bad row stops the import with nothing written, except a
    date that cannot be read unambiguously: that row is reported and skipped."""
    from dualcheck.screening.counterparties import import_file, parse_mapping

    summary = import_file(database(), path, mapping=parse_mapping(mapping), actor=settings().actor)
    for message in summary["skipped_rows"]:
        err_console.print(message, markup=False, highlight=False)
    emit(summary, fmt, lambda d: console.print(f"{d['file']}: {d['rows']} rows, {d['created']} created, "
                                               f"{d['updated']} updated, {d['skipped']} skipped"))


@counterparties_app.command("list")
def counterparties_list(offset: int = typer.Option(0, min=0), limit: int = typer.Option(100, min=1, max=10_000),
                        fmt: OutputFormat = FormatOption) -> None:
    """List stored counterparties."""
    from dualcheck.screening.counterparties import counterparty_document, list_counterparties

    with database().session() as session:
        total, rows = list_counterparties(session, offset=offset, limit=limit)
        doc = {"total": total, "counterparties": [counterparty_document(c) for c in rows]}
    emit(doc, fmt, _each("counterparties", lambda c: f"{c['ref']}  {c['name']}  {c['schema']}  {c['country'] or ''}"))


def _run(kind: str, index_factory: Callable[[Any], tuple[Any, dict[str, Any]]], threshold: float | None,
         workers: int | None, fmt: OutputFormat, engine: Engine = Engine.builtin, master: str | None = None,
         conf: list[str] | None = None) -> None:
    from dualcheck.screening.counterparties import list_counterparties
    from dualcheck.screening.runs import default_workers, run_screening

    screener = None
    if engine == Engine.spark:
        from dualcheck.spark.service import stored_screener
        from dualcheck.spark.session import parse_conf

        screener, engine_details = stored_screener(master, parse_conf(conf))
    elif master or conf:
        raise BadInput("only the Spark engine takes a master or Spark settings", location="--engine")
    db = database()
    index, details = index_factory(db)
    if screener is not None:
        details = {**details, **engine_details}
    with db.session() as session:
        total, _ = list_counterparties(session, limit=1)
    with progress(f"screening ({kind})", total=total) as advance:
        doc = run_screening(db, index, kind=kind, actor=settings().actor, threshold=threshold,
                            workers=workers or default_workers(), details=details, advance=advance,
                            screener=screener)
    emit(doc, fmt, lambda d: console.print(f"run {d['id']} ({d['kind']}): {d['screened']} screened, {d['hits']} hits, "
                                           f"{d['new_hits']} new"))


@counterparties_app.command("screen")
def counterparties_screen(threshold: float = typer.Option(None, "--threshold", min=0.0, max=1.0),
                          workers: int = WorkersOption, engine: Engine = EngineOption, master: str = MasterOption,
                          conf: list[str] = ConfOption, fmt: OutputFormat = FormatOption) -> None:
    """Screen every stored counterparty against all loaded lists (a batch run, stored and recorded)."""
    _run("batch", lambda db: (get_index(db), {}), threshold, workers, fmt, engine, master, conf)


@counterparties_app.command("export")
def counterparties_export(run_id: int = typer.Argument(..., help="The run whose hits to export."),
                          out: Path = typer.Option(..., "--out", help="A .csv or .xlsx file."),
                          only_new: bool = typer.Option(False, "--new", help="Only hits new in that run.")) -> None:
    """Export a run's hits to CSV or XLSX."""
    from dualcheck.screening.runs import export_hits, run_hits

    with database().session() as session:
        rows = run_hits(session, run_id, only_new=only_new)
    console.print(f"{export_hits(rows, out)} hits written to {out.name}")


@rescreen_app.command("delta")
def rescreen_delta(
    list_name: str = typer.Argument(..., help="The list whose new version to screen against, e.g. us-ofac-sdn."),
    from_version: int = typer.Option(None, "--from", help="Version id (default: the one before the current)."),
    to_version: int = typer.Option(None, "--to", help="Version id (default: the current one)."),
    threshold: float = typer.Option(None, "--threshold", min=0.0, max=1.0),
    workers: int = WorkersOption, engine: Engine = EngineOption, master: str = MasterOption,
    conf: list[str] = ConfOption, fmt: OutputFormat = FormatOption,
) -> None:
    """Screen stored counterparties against only the entries added or changed between two versions."""
    from dualcheck.screening.runs import delta_index, latest_change

    def factory(db: Any) -> tuple[Any, dict[str, Any]]:
        old, new = latest_change(db, list_name) if from_version is None or to_version is None else (0, 0)
        return delta_index(db, default_scorer(), list_name, from_version or old, to_version or new)

    _run("delta", factory, threshold, workers, fmt, engine, master, conf)


@rescreen_app.command("full")
def rescreen_full(threshold: float = typer.Option(None, "--threshold", min=0.0, max=1.0),
                  workers: int = WorkersOption, engine: Engine = EngineOption, master: str = MasterOption,
                  conf: list[str] = ConfOption, fmt: OutputFormat = FormatOption) -> None:
    """Screen every stored counterparty against every current list version."""
    _run("full", lambda db: (get_index(db), {}), threshold, workers, fmt, engine, master, conf)


@rescreen_app.command("hits")
def rescreen_hits(run_id: int = typer.Argument(...), only_new: bool = typer.Option(False, "--new"),
                  fmt: OutputFormat = FormatOption) -> None:
    """Show the hits of a run (new ones first when --new)."""
    from dualcheck.screening.runs import run_hits

    with database().session() as session:
        rows = run_hits(session, run_id, only_new=only_new)
    emit({"run": run_id, "hits": rows}, fmt, _each("hits", lambda h: (
        f"{'NEW ' if h['is_new'] else '    '}{h['score']:.3f}  {h['counterparty_ref']}  {h['counterparty_name']} -> "
        f"{h['list']} {h['entity_id']} {h['matched_name']!r}{'  [' + h['decision'] + ']' if h['decision'] else ''}")))


@decisions_app.command("add")
def decisions_add(
    party: str = typer.Argument(..., help="The party's name as screened."),
    list_name: str = typer.Argument(..., help="The list of the hit, e.g. us-ofac-sdn."),
    entity_id: str = typer.Argument(..., help="The listed entity's id."),
    status: str = typer.Option(..., "--status", help="cleared (false positive) or confirmed (true match)."),
    reason: str = typer.Option(..., "--reason", help="Why: recorded with the decision."),
    country: str = typer.Option(None, "--country", help="The party's country, as screened."),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Record a decision on a hit (recorded in the ledger)."""
    from dualcheck.screening.decisions import decision_document, record_decision

    with database().write_session() as session:
        doc = decision_document(record_decision(session, party_name=party, country=country, list_name=list_name,
                                                entity_id=entity_id, status=status, reason=reason,
                                                actor=settings().actor))
    emit(doc, fmt, lambda d: console.print(f"decision {d['id']}: {d['party_name']} / {d['list']} {d['entity_id']}: "
                                           f"{d['status']} ({d['reason']})"))


@decisions_app.command("import")
def decisions_import(path: Path = typer.Argument(..., help="CSV (, ; or tab) or XLSX with columns party, list, "
                                                           "entity_id, status, reason and optionally country."),
                     fmt: OutputFormat = FormatOption) -> None:
    """Record decisions for a selection of hits, all or none; each one has its own ledger record."""
    from dualcheck.screening.decisions import decision_document, record_decisions
    from dualcheck.tabular import read_table

    rows = read_table(path)
    with database().write_session() as session:
        docs = [decision_document(d) for d in record_decisions(session, rows, actor=settings().actor,
                                                               source=path.name)]
    emit({"decisions": docs}, fmt, lambda d: console.print(f"{len(d['decisions'])} decisions recorded"))


@decisions_app.command("list")
def decisions_list(party: str = typer.Option(None, "--party"), country: str = typer.Option(None, "--country"),
                   fmt: OutputFormat = FormatOption) -> None:
    """List decisions in force (for one party with --party)."""
    from sqlalchemy import select

    from dualcheck.screening.decisions import decision_document, party_key
    from dualcheck.screening.models import Decision

    query = select(Decision).where(Decision.superseded_at.is_(None)).order_by(Decision.id)
    if party:
        query = query.where(Decision.party_key == party_key(party, country))
    with database().session() as session:
        docs = [decision_document(d) for d in session.execute(query).scalars()]
    emit({"decisions": docs}, fmt, _each("decisions", lambda x: (
        f"{x['id']}  {x['party_name']}  {x['list']} {x['entity_id']}  {x['status']}  {x['reason']}")))
