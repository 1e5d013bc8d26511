"""`dualcheck check TRANSACTION.json` and `dualcheck bench check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from dualcheck.cli.common import FormatOption, OutputFormat, console, database, emit, settings
from dualcheck.errors import BadInput


def _ruleset(national_measures: Path | None) -> Any:
    from dualcheck.rules import cached_ruleset

    return cached_ruleset(settings().effective_data_dir, national_measures)


def read_document(path: Path) -> Any:
    from dualcheck.rules.facts import load_transaction

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read ({getattr(exc, 'strerror', None) or exc})", source=str(path)) from None
    doc, _tx = load_transaction(text, source=str(path))
    return doc


def _render(doc: dict[str, Any]) -> None:
    console.print(f"[bold]{doc['outcome']}[/bold]  transaction {doc.get('transaction_id') or '-'}  "
                  f"as of {doc['as_of']}  check {doc['check_id']}")
    if doc["authorisations"]:
        console.print("authorisations: " + ", ".join(doc["authorisations"]))
    if doc.get("missing_facts"):
        console.print("missing facts: " + ", ".join(doc["missing_facts"]))
    for reason in doc["reasons"]:
        console.print(f"- {reason['detail']}  [dim]({reason['citation']})[/dim]", highlight=False)
    flags = doc.get("red_flags") or {}
    if flags.get("flags"):
        console.print(f"red flags ({flags['highest_severity']}, advisory): "
                      + ", ".join(f"{f['id']} [{f['severity']}]" for f in flags["flags"])
                      + "  (`dualcheck redflags check FILE` for evidence and actions)", markup=False, highlight=False)
    if doc.get("hold"):
        console.print(f"held: hold {doc['hold']['id']} ({doc['hold']['status']})", markup=False, highlight=False)
    for item in doc["items"]:
        console.print(f"item {item['id']}: {item['outcome']} {' '.join(item['authorisations'])}")
        for obligation in item.get("obligations", []):
            console.print(f"    obligation: {obligation}", highlight=False)
        for licence in item.get("licence_types", []):
            console.print(f"    licence type: {licence}", highlight=False)
        for suggestion in item.get("classification_suggestions", []):
            console.print(f"    suggestion: {suggestion.get('code')} {suggestion.get('title', '')}", highlight=False)


def check(
    transaction: Path = typer.Argument(..., help="Transaction JSON file (format in CONTRACTS.md)."),
    as_of: str = typer.Option(None, "--as-of", help="Judge as of this date (YYYY-MM-DD); default the "
                                                    "transaction date, else today."),
    national_measures: Path = typer.Option(None, "--national-measures",
                                           help="YAML file of Member State measures (Art. 9/10)."),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Determine the licence position of a transaction; the check is stored and recorded in the ledger."""
    from dualcheck.check.service import run_check

    doc = read_document(transaction)
    rules = _ruleset(national_measures)
    result = run_check(database(), doc, rules, settings().effective_data_dir, as_of=as_of,
                       actor=settings().actor, source=str(transaction))
    emit(result, fmt, _render)


def bench_check(
    transactions: list[Path] = typer.Argument(None, help="Transaction JSON files to cycle through; default: "
                                                         "generated 10-item transactions."),
    n: int = typer.Option(2000, "--n", help="Number of checks to run."),
    items: int = typer.Option(10, "--items", help="Items per generated transaction."),
    store: bool = typer.Option(True, "--store/--no-store", help="Store each check and record it in the ledger."),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Processes running checks (one per core)."),
    pool: int = typer.Option(200, "--pool", min=1, help="Distinct generated transactions (parties recur "
                                                        "across the pool; set it to N for all-new parties)."),
    json_out: Path = typer.Option(None, "--json", help="Write the figures to this JSON file."),
) -> None:
    """Checks per second for 10-item transactions, screening and storage included."""
    from dualcheck.check.bench import run_bench

    docs = [read_document(p) for p in transactions or []]
    figures = run_bench(database(), _ruleset(None), settings().effective_data_dir, docs=docs, n=n,
                        items=items, store=store, actor=settings().actor, workers=workers,
                         pool_size=pool)
    text = json.dumps(figures, indent=2)
    typer.echo(text)
    if json_out:
        json_out.write_text(text + "\n", encoding="utf-8")
