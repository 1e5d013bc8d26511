"""`dualcheck controls ...`, `dualcheck classify` and `dualcheck bench classify`: thin over dualcheck.controls."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from dualcheck.cli import bench
from dualcheck.cli.common import (
    FormatOption,
    OutputFormat,
    console,
    database,
    date_option,
    emit,
    emit_json,
    progress,
    settings,
)
from dualcheck.errors import BadInput

app = typer.Typer(help="Control lists: load, browse, search, diff, check parameters, product register.",
                  no_args_is_help=True)
items_app = typer.Typer(help="Product register: items and classification decisions.", no_args_is_help=True)
app.add_typer(items_app, name="items")

AsOfOption = typer.Option(None, "--as-of", help="Use the control-list version in force on this date (YYYY-MM-DD).")


def _each(key: str, line: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], None]:
    """A text renderer printing one line per row of doc[key]."""
    def render(doc: dict[str, Any]) -> None:
        for row in doc[key]:
            _say(line(row))
    return render


def _say(text: str) -> None:
    """Print control-list text as is (it contains brackets that rich would read as markup)."""
    console.print(text, highlight=False, markup=False)




def _catalog(as_of: str | None) -> Any:
    from dualcheck.controls.catalog import load_catalog

    db = database()
    with db.session() as session:
        return load_catalog(session, date_option(as_of, "--as-of") or dt.date.today())


@app.command("load")
def load_cmd(paths: list[Path] = typer.Argument(..., help="Files or folders of control-list data."),
             valid_from: str | None = typer.Option(None, "--valid-from",
                                                   help="Date for files that carry none (Annex IV)."),
             fmt: OutputFormat = FormatOption) -> None:
    """Load control-list data (EU Annex I and the rest of controls/), versioned by the date it is valid from."""
    from dualcheck.controls.service import load

    db = database()
    files = sum(1 for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
    with progress("parsing control-list files", total=files or None) as advance:
        results = load(db, paths, actor=settings().actor, valid_from=date_option(valid_from, "--valid-from"),
                       on_parsed=advance)
    doc = {"results": [r.as_dict() for r in results]}

    def render(d: dict[str, Any]) -> None:
        for r in d["results"]:
            what = r["version"] or r["detail"]
            _say(f"{r['status']:9} {r['source']}: {what} ({r['provisions']} provisions)"
                          if r["status"] != "skipped" else f"skipped   {r['source']}: {r['detail']}")
    emit(doc, fmt, render)


@app.command("versions")
def versions_cmd(list_name: str | None = typer.Argument(None, help="e.g. eu-annex-i, us-ccl, wassenaar"),
                 fmt: OutputFormat = FormatOption) -> None:
    """List the loaded control-list versions."""
    from dualcheck.controls.service import versions

    with database().session() as session:
        rows = versions(session, list_name)
    emit({"versions": rows}, fmt, _each("versions", lambda v: f"{v['id']:45} {v['valid_from']} {v['provisions']:6} "
                                                             f"{v['title']}"))


@app.command("show")
def show_cmd(code: str = typer.Argument(..., help="Entry or sub-item, e.g. 6A005 or 6A005.a.6"),
             as_of: str | None = AsOfOption,
             depth: int | None = typer.Option(None, "--depth", help="Levels of the subtree to show."),
             list_name: str = typer.Option("eu-annex-i", "--list",
                                           help="eu-annex-i, or us-ccl, wassenaar, eu-annex-iv, chpl"),
             fmt: OutputFormat = FormatOption) -> None:
    """Show a provision with its subtree, notes, defined terms and cross-references."""
    from dualcheck.controls.service import show, show_other

    if list_name != "eu-annex-i":
        with database().session() as session:
            other = show_other(session, list_name, code, date_option(as_of, "--as-of"))
        emit(other, fmt, _each("lines", lambda r: f"{r['code']} [{r['kind']}] {r['text']}"))
        return
    doc = show(_catalog(as_of), code, depth=depth)

    def render(d: dict[str, Any]) -> None:
        _say(f"{d['code']} ({d['regime']}, category {d['category']}) {d['text']}")
        if d["path"]:
            _say(f"  under: {' > '.join(d['path'])}; entry: {d['title']}")
        flags = [f"Annex IV (UNVERIFIED): {d['in_annex_iv']}", f"Annex II Section I: {d['in_annex_ii_section_i']}"]
        _say("  " + "; ".join(flags))
        for note in d["notes"]:
            _say(f"  [{note['kind']}] {note['text']}")
        for sub in d["subtree"]:
            _say(f"{'  ' * sub['depth']}{sub['code']} {sub['text']}")
            for note in sub["notes"]:
                _say(f"{'  ' * sub['depth']}  [{note['kind']}] {note['text']}")
        for term, text in d["definitions"].items():
            _say(f"  definition {term}: {text}")
        for note in d["general_notes"]:
            _say(f"  {note['title']}: {note['text']}")
        xref = d["cross_references"]
        if xref.get("us_eccn"):
            _say(f"  US ECCN {xref['us_eccn']['eccn']} ({xref['us_eccn']['basis']}), "
                 f"reasons {', '.join(xref['us_eccn']['reasons'])}")
        if xref.get("wassenaar"):
            _say(f"  Wassenaar {xref['wassenaar']['item']}")
    emit(doc, fmt, render)


@app.command("search")
def search_cmd(text: str = typer.Argument(...), top: int = typer.Option(10, "--top", min=1, max=100),
               as_of: str | None = AsOfOption, fmt: OutputFormat = FormatOption) -> None:
    """Full-text search over the provisions."""
    from dualcheck.controls.service import search

    doc = search(_catalog(as_of), text, top=top)
    emit(doc, fmt, _each("results", lambda r: f"{r['score']:.3f} {r['code']:14} {r['title'][:100]}"))


@app.command("diff")
def diff_cmd(from_ref: str = typer.Argument(..., metavar="FROM", help="Version id or YYYY-MM-DD"),
             to_ref: str = typer.Argument(..., metavar="TO", help="Version id or YYYY-MM-DD"),
             list_name: str = typer.Option("eu-annex-i", "--list"), fmt: OutputFormat = FormatOption) -> None:
    """Entries added, removed and changed between two versions of a control list."""
    from dualcheck.controls.diff import diff_versions

    with database().session() as session:
        doc = diff_versions(session, list_name, from_ref, to_ref)

    def render(d: dict[str, Any]) -> None:
        _say(f"{d['list']}: {d['from']} -> {d['to']}: {d['added']} added, {d['removed']} removed, "
                      f"{d['changed']} changed")
        for e in d["entries_added"]:
            _say(f"+ {e}")
        for e in d["entries_removed"]:
            _say(f"- {e}")
        for c in d["changes"]:
            _say(f"~ {c['entry']}")
            for line in c["diff"][2:]:
                _say(f"    {line}")
    emit(doc, fmt, render)


@app.command("check")
def check_cmd(code: str = typer.Argument(..., help="Entry or sub-item to check against, e.g. 6A005"),
              spec: list[str] = typer.Option(..., "--spec", help="key=value, e.g. power=2kW (repeatable)"),
              as_of: str | None = AsOfOption, fmt: OutputFormat = FormatOption) -> None:
    """Evaluate a product's parameters against an entry: sub-items met, not met (by how much), missing."""
    from dualcheck.controls.check import check

    doc = check(_catalog(as_of), code, spec)

    def render(d: dict[str, Any]) -> None:
        _say(f"{d['status']}: {d['summary']}")
        for m in d["met"]:
            _say(f"  met: {m}")
        for n in d["not_met"][:15]:
            for c in n["criteria"]:
                _say(f"  not met: {n['code']}: read as {c['read_as']} (given {c['parameter']}={c['given']})")
            if not n["criteria"] and n["ruled_out"]:
                _say(f"  not met: {n['code']}: {n['ruled_out']}")
        if d["missing_parameters"]:
            _say(f"  missing: {', '.join(d['missing_parameters'])}")
        if d["parameters_not_compared"]:
            _say(f"  not compared (no criterion of that kind): {', '.join(d['parameters_not_compared'])}")
        for note in d["notes_to_consider"][:10]:
            _say(f"  note {note['code']}: {note['text'][:160]}")
    emit(doc, fmt, render)


@app.command("coverage")
def coverage_cmd(as_of: str | None = AsOfOption, fmt: OutputFormat = FormatOption) -> None:
    """Share of threshold-bearing provisions whose thresholds are parsed into criteria."""
    from dualcheck.controls.parameters import threshold_coverage

    catalog = _catalog(as_of)
    doc = {"control_list_version": catalog.version.id, **threshold_coverage(catalog)}
    emit(doc, fmt, lambda d: _say(f"{d['parsed']}/{d['threshold_bearing']} threshold-bearing provisions "
                                  f"parsed ({d['share']:.1%}); {d['fully_parsed']} with every threshold phrase "
                                  f"parsed ({d['share_fully_parsed']:.1%})"))


@app.command("us")
def us_cmd(eccn: str = typer.Argument(...), country: str | None = typer.Option(None, "--country"),
           fmt: OutputFormat = FormatOption) -> None:
    """The US view: an ECCN's reasons for control and, with --country, the Commerce Country Chart answer."""
    from dualcheck.controls.service import us_view

    doc = us_view(_catalog(None), eccn, country)
    emit(doc, fmt, lambda d: console.print_json(json.dumps(d, default=str)))


# --- product register ---------------------------------------------------------------------

@items_app.command("add")
def items_add(sku: str, description: str, param: list[str] = typer.Option([], "--param", help="key=value"),
              hs_code: str = typer.Option(None, "--hs-code", help="HS / CN code (4 to 10 digits)."),
              fmt: OutputFormat = FormatOption) -> None:
    """Add or update an item of the product register."""
    from dualcheck.controls.register import item_doc, upsert_item

    params = {}
    for i, pair in enumerate(param, start=1):
        key, sep, value = pair.partition("=")
        if not sep:
            raise BadInput(f"expected key=value, got {pair!r}", source="--param", location=f"parameter {i}")
        params[key.strip()] = value.strip()
    db = database()
    with db.write_session() as session:
        upsert_item(session, sku, description, params, actor=settings().actor, hs_code=hs_code)
        doc = item_doc(session, sku)
    emit(doc, fmt, lambda d: _say(f"item {d['sku']} saved"))


@items_app.command("import")
def items_import(path: Path = typer.Argument(..., help="CSV (, ; or tab) or XLSX with columns sku, description "
                                                       "and optionally hs_code."),
                 fmt: OutputFormat = FormatOption) -> None:
    """Add or update the products of a file; nothing is stored if any row is bad."""
    from dualcheck.controls.register import import_items

    with database().write_session() as session:
        doc = import_items(session, path, actor=settings().actor)
    emit(doc, fmt, lambda d: _say(f"{d['items']} items imported from {d['file']}"))


@items_app.command("classify")
def items_classify(sku: str, codes: list[str] = typer.Argument(None, help="Control codes; none = not listed"),
                   rationale: str = typer.Option(..., "--rationale"), fmt: OutputFormat = FormatOption) -> None:
    """Record a classification decision for an item (recorded in the ledger)."""
    from dualcheck.controls.register import decide, decision_doc

    db = database()
    with db.write_session() as session:
        doc = decision_doc(decide(session, sku, codes or [], rationale, actor=settings().actor))
    emit(doc, fmt, lambda d: _say(f"{d['sku']}: {', '.join(d['codes']) or 'not listed'} "
                                           f"({d['control_list_version']})"))


@items_app.command("show")
def items_show(sku: str, fmt: OutputFormat = FormatOption) -> None:
    """An item with its classification history."""
    from dualcheck.controls.register import item_doc

    with database().session() as session:
        doc = item_doc(session, sku)
    emit(doc, fmt, lambda d: console.print_json(json.dumps(d, default=str)))


@items_app.command("review")
def items_review(fmt: OutputFormat = FormatOption) -> None:
    """Decisions flagged for review because a new control-list version changed their entries."""
    from dualcheck.controls.register import review_queue

    with database().session() as session:
        rows = review_queue(session)
    emit({"review": rows}, fmt, _each("review", lambda r: f"{r['sku']}: {', '.join(r['codes'])} -> "
                                                           f"{r['review_reason']['new_version']}"))


# --- top-level classify and bench ---------------------------------------------------------

def classify(text: str = typer.Argument(..., help="Free-text product description or data sheet text."),
             top: int = typer.Option(5, "--top", min=1, max=50), as_of: str | None = AsOfOption,
             fmt: OutputFormat = FormatOption) -> None:
    """Suggest control-list provisions for a product description, best first, each with why."""
    from dualcheck.controls.service import classify_document

    db = database()
    with db.write_session() as session:
        doc = classify_document(session, text, top=top, as_of=date_option(as_of, "--as-of"), actor=settings().actor)

    def render(d: dict[str, Any]) -> None:
        _say(f"control list {d['control_list_version']}")
        for rank, code in enumerate(d["ranked"], start=1):
            if code == "NLR":
                _say(f"{rank}. NLR (not listed): {'; '.join(d['not_listed']['reasons']) or 'after every candidate'}")
                continue
            c = next(x for x in d["candidates"] if x["code"] == code)
            _say(f"{rank}. {c['code']} ({c['score']:.3f}) {c['title'][:100]}")
            _say(f"      matched: {', '.join(c['why']['matched_terms'])}")
            for crit in c["why"].get("parameters", {}).get("criteria", [])[:4]:
                _say(f"      {crit['status']}: {crit['read_as']} (given {crit['given']})")
        if d["needs_review"]:
            _say("evidence is weak: this needs a classification review; a human decides")
    emit(doc, fmt, render)


def _read_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise BadInput("no such file", source=path.name)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise BadInput(f"missing column(s) {', '.join(missing)}", source=path.name, location="row 1")
        rows = list(reader)
    for i, row in enumerate(rows, start=2):
        empty = [c for c in required if not (row.get(c) or "").strip()]
        if empty:
            raise BadInput(f"empty {empty[0]}", source=path.name, location=f"row {i}, field {empty[0]}")
    return rows


@bench.app.command("classify")
def bench_classify(cases_csv: Path = typer.Argument(..., metavar="CASES.csv"),
                   json_out: Path | None = typer.Option(None, "--json", help="Write the figures here."),
                   details: bool = typer.Option(False, "--details", help="Print every case.")) -> None:
    """Top-1/top-5 accuracy of `classify` on labelled descriptions (expected `NLR` = not listed).

    Optional columns `language` and `lookalike` (true/false) add figures per language and the
    share of look-alikes with NLR in the top two.
    """
    from dualcheck.controls.codes import NOT_LISTED
    from dualcheck.controls.service import bench_breakdown
    from dualcheck.controls.service import bench_classify as run

    rows = _read_rows(cases_csv, ("description", "expected"))
    cases = [(r["description"].strip(), [e.strip() for e in r["expected"].split(";") if e.strip()]) for r in rows]
    catalog = _catalog(None)
    for row, (_text, expected) in enumerate(cases, start=2):
        unknown = [e for e in expected if e != NOT_LISTED and not catalog.is_valid_code(e)]
        if unknown:
            raise BadInput(f"unknown control code {unknown[0]!r} (use {NOT_LISTED} for not listed)",
                           source=cases_csv.name, location=f"row {row}, field expected")
    doc = run(catalog, cases)
    doc["cases"] = [{"expected": c["expected"], "ranked": c["ranked"]} for c in doc["cases"]] if not details \
        else doc["cases"]
    figures = {k: doc[k] for k in ("n", "top1", "top5", "seconds_per_query", "nlr_first_on_controlled")}
    figures.update(bench_breakdown(rows, doc["cases"]))
    if json_out is not None:
        json_out.write_text(json.dumps({**figures, "control_list_version": doc["control_list_version"],
                                        "cases": [{"expected": c["expected"], "ranked": c["ranked"]}
                                                  for c in doc["cases"]]}, indent=2))
    if details:
        for case in doc["cases"]:
            mark = "ok " if case["top1"] else ("top5" if case["top5"] else "MISS")
            _say(f"{mark} {';'.join(case['expected']):18} {' '.join(case['ranked'][:6]):60} "
                 f"{case['description'][:60]}")
    emit_json(figures)


@bench.app.command("controls-check")
def bench_controls_check(cases_csv: Path = typer.Argument(..., metavar="CASES.csv"),
                         json_out: Path | None = typer.Option(None, "--json", help="Write the figures here."),
                         details: bool = typer.Option(False, "--details", help="Print every case.")) -> None:
    """`controls check` on labelled parameter cases (columns id,code,specs,expected; specs `name=value | ...`,
    expected caught / not_caught / undecided): accuracy per expected answer and the false "not caught"."""
    from dualcheck.controls.service import bench_controls_check as run

    rows = _read_rows(cases_csv, ("id", "code", "specs", "expected"))
    catalog = _catalog(None)
    cases = []
    for i, row in enumerate(rows, start=2):
        expected = row["expected"].strip()
        if expected not in ("caught", "not_caught", "undecided"):
            raise BadInput(f"expected must be caught, not_caught or undecided, got {expected!r}",
                           source=cases_csv.name, location=f"row {i}, field expected")
        if not catalog.is_valid_code(row["code"]):
            raise BadInput(f"unknown control code {row['code']!r}", source=cases_csv.name,
                           location=f"row {i}, field code")
        specs = [p.strip() for p in row["specs"].split(" | ") if p.strip()]
        cases.append({"id": row["id"], "code": row["code"].strip(), "specs": specs, "expected": expected})
    doc = run(catalog, cases)
    figures = {k: v for k, v in doc.items() if k != "cases"}
    if json_out is not None:
        json_out.write_text(json.dumps(doc, indent=2))
    if details:
        for case in doc["cases"]:
            mark = "ok  " if case["got"] == case["expected"] else "MISS"
            _say(f"{mark} {case['id']:6} {case['code']:14} want {case['expected']:10} got {case['got']:10} "
                 f"{case['summary'][:90]}")
    emit_json(figures)
