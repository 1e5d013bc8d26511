"""`dualcheck redflags check TRANSACTION.json` and `dualcheck redflags scan SHIPMENTS.csv`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import typer

from dualcheck.cli.common import FormatOption, OutputFormat, console, database, emit, progress, settings
from dualcheck.errors import BadInput

app = typer.Typer(help="Red flags of diversion, routing, payments and parties (docs/redflags.md).",
                  no_args_is_help=True)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read ({getattr(exc, 'strerror', None) or exc})", source=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"malformed JSON: {exc.msg}", source=str(path),
                       location=f"line {exc.lineno}, column {exc.colno}") from None


def _render_check(doc: dict[str, Any]) -> None:
    head = (doc["highest_severity"] or "no red flags").upper()
    console.print(f"[bold]{head}[/bold]  transaction {doc.get('transaction_id') or '-'}  "
                  f"{len(doc['flags'])} flag(s)  catalogue {doc['catalogue_version']}", highlight=False)
    for flag in doc["flags"]:
        evidence = ", ".join(f"{k}={v}" for k, v in flag["evidence"].items())
        console.print(f"- [{flag['severity']}] {flag['id']}: {flag['text']}", highlight=False, markup=False)
        console.print(f"    evidence: {evidence}", highlight=False, markup=False)
        console.print(f"    action: {flag['action']}", highlight=False)
        console.print(f"    [dim]{flag['citation']}[/dim]", highlight=False)
    if doc["facts_not_given"]:
        console.print("facts not given (no flag judged on them): " + ", ".join(doc["facts_not_given"]),
                      highlight=False)


def check(
    transaction: Path = typer.Argument(..., help="Transaction JSON (the `dualcheck check` format plus the "
                                                 "optional red-flag facts)."),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Red flags of one transaction; the result is recorded in the ledger (redflags.check)."""
    from dualcheck.redflags.service import run_check

    doc = _read_json(transaction)
    result = run_check(database(), doc, settings().effective_data_dir, actor=settings().actor,
                       source=str(transaction))
    emit(result, fmt, _render_check)


def _render_scan(doc: dict[str, Any]) -> None:
    console.print(f"[bold]{doc['flagged_rows']} of {doc['rows']} rows flagged[/bold]  {doc['file']}", highlight=False)
    for fid, count in doc["flags_by_id"].items():
        console.print(f"  {fid}: {count}", highlight=False)
    for row in doc["flagged"]:
        ids = ", ".join(f["id"] for f in row["flags"])
        console.print(f"row {row['row']} {row['date']} {row['customer']}: [{row['highest_severity']}] {ids}",
                      highlight=False, markup=False)


def scan(
    shipments: Path = typer.Argument(..., help="Shipment history CSV (format in docs/redflags.md)."),
    out: Path = typer.Option(None, "--out", help="Write the rows with `redflags` and `highest_severity` columns."),
    split_threshold: float = typer.Option(10000.0, "--split-threshold", min=0.0,
                                          help="Value threshold for the splitting flag (in each row's currency)."),
    min_history: int = typer.Option(5, "--min-history", min=2, help="Earlier rows needed for outlier flags."),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Anomalies in a customer shipment history; the scan is recorded in the ledger (redflags.scan)."""
    from dualcheck.redflags.scan import ScanParams, scan_file, write_flagged
    from dualcheck.redflags.service import record_scan

    params = ScanParams(split_threshold=split_threshold, min_history=min_history)
    try:
        raw = shipments.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read ({exc.strerror})", source=str(shipments)) from None
    total = max(raw.count(b"\n") - 1, 0)
    with progress("scanning shipments", total=total) as advance:
        report, header, rows = scan_file(shipments, settings().effective_data_dir, params, advance)
    if out is not None:
        write_flagged(out, header, rows)
    report["ledger_seq"] = record_scan(database(), report, hashlib.sha256(raw).hexdigest(), actor=settings().actor)
    emit(report, fmt, _render_scan)


app.command("check")(check)
app.command("scan")(scan)


def bench_redflags(
    n: int = typer.Option(2000, "--n", min=1, help="Generated 10-item transactions to check."),
    rows: int = typer.Option(100_000, "--rows", min=1, help="Generated shipment rows to scan."),
    customers: int = typer.Option(2000, "--customers", min=1, help="Customers in the generated history."),
    store: bool = typer.Option(True, "--store/--no-store", help="Record each check in the ledger."),
) -> None:
    """Red-flag checks per second (10-item transactions) and shipment rows scanned per second."""
    from dualcheck.redflags.bench import run_bench

    figures = run_bench(database(), settings().effective_data_dir, n=n, rows=rows, customers=customers,
                        store=store, actor=settings().actor)
    typer.echo(json.dumps(figures, indent=2))
