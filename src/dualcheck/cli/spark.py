"""`dualcheck spark screen|rescreen`, `dualcheck bench spark`: thin over dualcheck.spark."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from dualcheck.cli.common import FormatOption, OutputFormat, console, database, emit, emit_json, err_console, settings

app = typer.Typer(help="Screening on Apache Spark: the same matcher, for masters too large for one process.",
                  no_args_is_help=True)

MasterOption = typer.Option(None, "--master", help="Spark master: local[*], local[N], spark://HOST:PORT, yarn, "
                                                   "k8s://... (default: spark-submit's, else local[*]).")
ConfOption = typer.Option(None, "--conf", help="A Spark setting KEY=VALUE, e.g. --conf spark.executor.memory=4g "
                                               "(repeatable).")
PartitionsOption = typer.Option(None, "--partitions", min=1, max=1_000_000,
                                help="Spark tasks to split the input into (default: from the input and cores).")
ThresholdOption = typer.Option(None, "--threshold", min=0.0, max=1.0, help="Report hits at or above this.")


def report_rejected(doc: dict[str, Any]) -> None:
    """One stderr line per rejected input row (the first ones), then how many there were in all."""
    rejected = doc["details"]["input"]["rejected"]
    for _, _, message in doc.get("rejected_rows", []):
        sys.stderr.write(f"dualcheck: {message} (row skipped)\n")
    if rejected > len(doc.get("rejected_rows", [])):
        sys.stderr.write(f"dualcheck: {rejected} rows skipped in all\n")


def _render(doc: dict[str, Any]) -> None:
    out, given = doc["details"]["output"], doc["details"]["input"]
    console.print(f"run {doc['id']} ({doc['kind']}, spark {doc['details']['master']}): {doc['screened']} screened, "
                  f"{given['rejected']} rejected, {doc['hits']} hits ({doc['new_hits']} new) -> {out['file']} "
                  f"sha256 {out['sha256']}", markup=False, highlight=False)


def _file_run(kind: str, index_factory: Any, input_path: str, out_path: str, threshold: float | None,
              master: str | None, conf: list[str] | None, partitions: int | None, fmt: OutputFormat) -> None:
    from dualcheck.spark.service import run_file
    from dualcheck.spark.session import parse_conf

    db = database()
    index, details = index_factory(db)
    doc = run_file(db, index, input_path, out_path, kind=kind, actor=settings().actor, threshold=threshold,
                   master=master, conf=parse_conf(conf), partitions=partitions, details=details)
    report_rejected(doc)
    doc.pop("rejected_rows", None)
    emit(doc, fmt, _render)


@app.command("screen")
def spark_screen(
    input_path: str = typer.Argument(..., metavar="INPUT", help="CSV or Parquet: id, name and optional schema, "
                                                                "country, birth_date, aliases (;-separated)."),
    out_path: str = typer.Argument(..., metavar="OUT", help="Parquet file of hits (a URL writes Spark's folder)."),
    threshold: float = ThresholdOption, master: str = MasterOption, conf: list[str] = ConfOption,
    partitions: int = PartitionsOption, fmt: OutputFormat = FormatOption,
) -> None:
    """Screen every row of INPUT against all loaded lists on Spark; one stored run, hits to OUT and the review queue."""
    from dualcheck.screening.service import get_index

    _file_run("batch", lambda db: (get_index(db), {"trigger": "spark screen"}), input_path, out_path, threshold,
              master, conf, partitions, fmt)


@app.command("rescreen")
def spark_rescreen(
    list_name: str = typer.Argument(..., help="The list whose new version to screen against, e.g. us-ofac-sdn."),
    input_path: str = typer.Argument(..., metavar="INPUT", help="CSV or Parquet, as for `spark screen`."),
    out_path: str = typer.Argument(..., metavar="OUT", help="Parquet file of hits."),
    from_version: int = typer.Option(None, "--from", help="Version id (default: the one before the current)."),
    to_version: int = typer.Option(None, "--to", help="Version id (default: the current one)."),
    threshold: float = ThresholdOption, master: str = MasterOption, conf: list[str] = ConfOption,
    partitions: int = PartitionsOption, fmt: OutputFormat = FormatOption,
) -> None:
    """Delta re-screening on Spark: every row of INPUT against only the entries a list version added or changed."""
    from dualcheck.screening.runs import delta_index, latest_change
    from dualcheck.screening.scoring import default_scorer

    def factory(db: Any) -> tuple[Any, dict[str, Any]]:
        old, new = latest_change(db, list_name) if from_version is None or to_version is None else (0, 0)
        return delta_index(db, default_scorer(), list_name, from_version or old, to_version or new)

    _file_run("delta", factory, input_path, out_path, threshold, master, conf, partitions, fmt)


def bench_spark(
    rows: list[int] = typer.Option(None, "--rows", min=100, max=100_000_000,
                                   help="Generated counterparties per measurement (repeatable; default 100000)."),
    master: str = typer.Option("local[2]", "--master", help="Spark master for the Spark side."),
    workers: int = typer.Option(2, "--workers", min=1, max=64,
                                help="Worker processes of the built-in batch (give it the cores Spark gets)."),
    conf: list[str] = ConfOption,
    seed: int = typer.Option(7, "--seed", help="Seed of the generated counterparties."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures to this JSON file."),
) -> None:
    """Rows/s and peak memory: Spark against the built-in batch on the same generated counterparties."""
    from dualcheck.spark.bench import bench
    from dualcheck.spark.session import parse_conf

    doc = bench(database(), rows or [100_000], master=master, workers=workers, conf=parse_conf(conf), seed=seed,
                note=lambda line: err_console.print(line, markup=False, highlight=False))
    emit_json(doc)
    if json_out is not None:
        json_out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
