"""`dualcheck lists ...`: load, status, versions, diff, show, update."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from dualcheck.cli.common import FormatOption, OutputFormat, console, database, date_option, emit, progress, settings

app = typer.Typer(help="Restricted-party lists: load official files, versions, diffs, updates.",
                  no_args_is_help=True)




def setup_step(db: Any, data_dir: Path) -> str:
    """The `dualcheck setup` step, importing the parsers only when it runs (CLI start-up stays quick)."""
    from dualcheck.lists.loader import setup_step as load_lists_folder

    return load_lists_folder(db, data_dir)


def load_files(paths: list[Path], published: dt.date | None = None, fmt: str | None = None) -> list[dict[str, Any]]:
    from dualcheck.lists.loader import collect_units, load_units

    db = database()
    units = collect_units(paths, fmt)
    with progress("loading lists", total=2 * len(units)) as advance:
        results = load_units(db, units, actor=settings().actor, published=published, advance=advance)
    return [r.as_dict() for r in results]


RescreenOption = typer.Option(True, "--rescreen/--no-rescreen",
                              help="Delta re-screen the stored counterparties against a new version's added and "
                                   "changed entries (default: on).")


@app.command("load")
def load(paths: list[Path] = typer.Argument(..., help="List files or folders (format detected from content)."),
         published: str | None = typer.Option(None, "--published",
                                              help="Publication date YYYY-MM-DD when neither the file's content "
                                                   "nor its name gives one."),
         fmt: str | None = typer.Option(None, "--format", help="Force a format (see `lists formats`)."),
         rescreen: bool = RescreenOption,
         output: OutputFormat = typer.Option(OutputFormat.text, "--output", help="text or json.")) -> None:
    """Load restricted-party list files; the same bytes again are a no-op.

    A new current version re-screens the stored counterparties against the entries it added or
    changed (delta re-screening), unless --no-rescreen."""
    results = load_files(paths, date_option(published, "--published"), fmt)
    runs = _rescreen(results) if rescreen else []

    def render(doc: dict[str, Any]) -> None:
        for row in doc["loaded"]:
            what = "loaded" if row["status"] == "loaded" else "unchanged (already loaded)"
            console.print(f"{row['list']:<16} version {row['version']}  published {row['published']}  "
                          f"{row['entities']:>6} entities  {what}  [{', '.join(row['files'])}]", markup=False)
        _render_rescreen(doc["rescreen"])

    emit({"loaded": results, "rescreen": runs}, output, render)


def _rescreen(loaded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from dualcheck.screening.runs import default_workers, rescreen_after_load

    return rescreen_after_load(database(), loaded, actor=settings().actor, workers=default_workers())


def _render_rescreen(summaries: list[dict[str, Any]]) -> None:
    for row in summaries:
        run = row.get("run")
        if run is not None:
            console.print(f"  re-screened against {row['list']} version {row['version']}: run {run['id']}, "
                          f"{run['screened']} counterparties, {run['hits']} hits, {run['new_hits']} new "
                          f"(`dualcheck rescreen hits {run['id']} --new`)", markup=False)


@app.command("formats")
def formats() -> None:
    """The formats that can be loaded (detected from content)."""
    from dualcheck.lists.loader import known_formats

    for name in known_formats():
        console.print(name)


@app.command("status")
def status(fmt: OutputFormat = FormatOption,
           max_age_days: int = typer.Option(30, "--max-age-days", help="Warn when a list is older than this.")) -> None:
    """Each list's current version, its age and entity count."""
    from dualcheck.lists.store import list_versions, version_info

    with database().session() as session:
        rows = [version_info(v) for v in list_versions(session) if v.is_current]
    today = dt.date.today()
    for row in rows:
        row["age_days"] = (today - dt.date.fromisoformat(row["published"])).days
        row["stale"] = row["age_days"] > max_age_days
    doc = {"lists": rows, "max_age_days": max_age_days}

    def render(doc: dict[str, Any]) -> None:
        if not doc["lists"]:
            console.print("no lists loaded: run `dualcheck lists load PATH`")
        for row in doc["lists"]:
            warn = f"  [yellow]older than {max_age_days} days[/yellow]" if row["stale"] else ""
            console.print(f"{row['name']:<16} version {row['version']:<4} published {row['published']} "
                          f"({row['age_days']} days)  {row['entities']:>6} entities  {row['sha256'][:12]}{warn}")

    emit(doc, fmt, render)


@app.command("versions")
def versions(name: str | None = typer.Argument(None, help="List name, e.g. us-ofac-sdn."),
             fmt: OutputFormat = FormatOption) -> None:
    """Every loaded version (of one list, or of all)."""
    from dualcheck.lists.store import list_versions, version_info

    with database().session() as session:
        doc = {"versions": [version_info(v) for v in list_versions(session, name)]}

    def render(doc: dict[str, Any]) -> None:
        for row in doc["versions"]:
            mark = "*" if row["current"] else " "
            console.print(f"{mark} {row['name']:<16} version {row['version']:<4} published {row['published']} "
                          f"{row['entities']:>6} entities  {row['format']}  {', '.join(row['files'])}")

    emit(doc, fmt, render)


@app.command("diff")
def diff(name: str = typer.Argument(..., help="List name, e.g. us-ofac-sdn."),
         from_ref: str | None = typer.Argument(None, help="Version id or publication date (default: the one "
                                                          "before TO)."),
         to_ref: str | None = typer.Argument(None, help="Version id or publication date (default: current)."),
         fmt: OutputFormat = FormatOption,
         limit: int = typer.Option(20, "--limit", help="Changes shown in text output.")) -> None:
    """Entities added, removed and modified between two versions of a list."""
    from dualcheck.lists.diff import diff_versions

    with database().session() as session:
        doc = diff_versions(session, name, from_ref, to_ref)

    def render(doc: dict[str, Any]) -> None:
        console.print(f"{doc['list']}: {doc['from']} (version {doc['from_version']}) -> {doc['to']} "
                      f"(version {doc['to_version']}): {doc['added']} added, {doc['removed']} removed, "
                      f"{doc['modified']} modified")
        for change in doc["changes"][:limit]:
            console.print(f"  {change['change']:<8} {change['entity_id']}  {change['caption']}", markup=False)
            for field, values in (change.get("fields") or {}).items():
                console.print(f"      {field}: {values['old']} -> {values['new']}", markup=False)
        if len(doc["changes"]) > limit:
            console.print(f"  ... {len(doc['changes']) - limit} more (--limit, or --format json)")

    emit(doc, fmt, render)


@app.command("update")
def update(names: list[str] | None = typer.Argument(None, help="Lists to update (default: every configured one)."),
           sources: Path | None = typer.Option(None, "--sources", help="YAML file of list sources (URLs)."),
           timeout: float = typer.Option(60.0, "--timeout", help="Seconds per download attempt."),
           retries: int = typer.Option(3, "--retries", help="Attempts per file."),
           rescreen: bool = RescreenOption,
           fmt: OutputFormat = FormatOption) -> None:
    """Download the current official files and load the new versions (exit 1 when one failed).

    A new current version re-screens the stored counterparties as `lists load` does."""
    from dualcheck.lists.update import read_sources, update_lists

    cfg = settings()
    db = database()
    with progress("updating lists") as advance:
        results = update_lists(db, read_sources(sources, cfg.home), cfg.home / "downloads", actor=cfg.actor,
                               only=names or None, timeout=timeout, retries=max(1, retries))
        advance(len(results))
    doc = {"updates": [r.as_dict() for r in results]}
    loaded = [r.load.as_dict() for r in results if r.ok and r.load is not None]
    doc["rescreen"] = _rescreen(loaded) if rescreen else []

    def render(doc: dict[str, Any]) -> None:
        for row in doc["updates"]:
            mark = "ok" if row["ok"] else "FAILED"
            console.print(f"{row['list']:<16} {mark:<7} {row['detail']}", markup=False)
        _render_rescreen(doc["rescreen"])

    emit(doc, fmt, render)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command("show")
def show(entity_id: str = typer.Argument(..., help="Entity id, e.g. us-ofac-sdn-36."),
         version: int | None = typer.Option(None, "--version", help="Version id (default: current)."),
         fmt: OutputFormat = FormatOption) -> None:
    """One listed entity with its source record."""
    from dataclasses import asdict

    from dualcheck.lists.store import get_entity

    with database().session() as session:
        found = get_entity(session, entity_id, version)
    doc = {"entity": asdict(found.entity), "source_record": found.source_record, "version": found.version}
    emit(doc, fmt, lambda d: console.print_json(data=d))


def bench_load(path: Path | None = typer.Argument(None, help="Lists folder (default: <data dir>/lists)."),
               database_url: str | None = typer.Option(None, "--database-url",
                                                       help="Load into this (empty) database instead of a "
                                                            "temporary SQLite file."),
               json_out: Path | None = typer.Option(None, "--json", help="Also write the figures here.")) -> None:
    """Time loading every list from scratch, and a new SDN snapshot with its diff."""
    import json

    from dualcheck.lists.bench import bench_load as run_bench

    folder = path or settings().effective_data_dir / "lists"
    with progress("bench load") as advance:
        doc = run_bench(folder, database_url=database_url, advance=advance)
    if json_out is not None:
        json_out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    console.print_json(data=doc)
