"""`dualcheck authority ...`: applications, the essentially-identical check, decisions, denial exchange, stats."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer

# the authority modules are imported by the commands that use them: every other command starts without them
from dualcheck.cli.common import FormatOption, OutputFormat, console, database, date_option, emit, progress, settings
from dualcheck.errors import BadInput

app = typer.Typer(help="The licensing authority's side: applications, decisions, denial exchange, statistics.",
                  no_args_is_help=True)
denials_app = typer.Typer(help="Denial notifications exchanged between Member States (Art. 16).",
                          no_args_is_help=True)
app.add_typer(denials_app, name="denials")


class StatsFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


class Grouping(str, Enum):
    destination = "destination"
    category = "category"
    outcome = "outcome"
    month = "month"


def _render_check(doc: dict[str, Any]) -> None:
    a, check = doc["application"], doc["check"]
    console.print(f"registered {a['reference']} ({a['authority_state']}, {a['destination']}, "
                  f"{len(a['items'])} items, value {a['total_value']:,.2f})", markup=False)
    console.print(f"compared with {check['compared']} denials of other Member States since {check['window_start']}"
                  f" ({check['with_a_close_party']} with a close party; excluded: "
                  f"{', '.join(f'{k} {v}' for k, v in check['excluded'].items() if v) or 'none'})", markup=False)
    for c in check["comparisons"]:
        d = c["denial"]
        head = c["warning"] or f"no consultation needed: {d['issuing_state']} {d['reference']} ({d['date']})"
        console.print(f"{'WARNING ' if c['warning'] else ''}{head}  score {c['score']:.2f}", markup=False)
        for name, crit in c["criteria"].items():
            value = crit.get("score", "same" if crit.get("match") else "different")
            role = "required" if crit.get("required") else "context"
            met = "" if "met" not in crit else (" met" if crit["met"] else " not met")
            console.print(f"    {name} ({role}{met}): {value}  {crit['detail']}", markup=False)
    if check["legal_basis"]:
        console.print(f"legal basis: {check['legal_basis']}", markup=False)


@app.command("apply")
def apply_cmd(path: Path = typer.Argument(..., help="Application JSON (see docs/authority.md)."),
              fmt: OutputFormat = FormatOption) -> None:
    """Register an application and check it against other states' denials of the last three years."""
    from dualcheck.authority import service
    from dualcheck.authority.parsing import parse_application, read_json
    application = parse_application(read_json(path), source=str(path))
    with database().write_session() as session:
        doc = service.register(session, application, actor=settings().actor)
    emit(doc, fmt, _render_check)


@app.command("show")
def show_cmd(reference: str = typer.Argument(..., help="Application reference."),
             fmt: OutputFormat = FormatOption) -> None:
    """Show an application, its consultation warnings and its decision."""
    from dualcheck.authority import service
    with database().session() as session:
        doc = service.show(session, reference)
    emit(doc, OutputFormat.json if fmt == OutputFormat.json else fmt,
         lambda d: console.print_json(data=d))


@app.command("decide")
def decide_cmd(reference: str = typer.Argument(..., help="Application reference."),
               grant: bool = typer.Option(False, "--grant", help="Grant the authorisation."),
               deny: bool = typer.Option(False, "--deny", help="Deny it (creates our denial notification)."),
               withdraw: bool = typer.Option(False, "--withdraw", help="The applicant withdrew it."),
               reason: str = typer.Option(..., "--reason", help="Reasons for the decision."),
               legal_basis: str | None = typer.Option(None, "--legal-basis", help="Legal basis cited."),
               on: str | None = typer.Option(None, "--date", help="Decision date YYYY-MM-DD (default today)."),
               consulted: list[str] = typer.Option([], "--consulted",
                                                   help="A Member State consulted and the date, STATE:YYYY-MM-DD "
                                                        "(repeat); needed to grant over a consultation warning."),
               criteria: list[str] = typer.Option([], "--criterion",
                                                  help="The criterion a denial's reasons fall under (repeat; "
                                                       "e.g. end_use_diversion, sanctions; see docs/authority.md)."),
               fmt: OutputFormat = FormatOption) -> None:
    """Decide a pending application: --grant, --deny or --withdraw."""
    from dualcheck.authority import service
    chosen = [name for name, flag in (("granted", grant), ("denied", deny), ("withdrawn", withdraw)) if flag]
    if len(chosen) != 1:
        raise BadInput("give exactly one of --grant, --deny, --withdraw", source="decide")
    with database().write_session() as session:
        doc = service.decide(session, reference, chosen[0], reason=reason, actor=settings().actor,
                             legal_basis=legal_basis, on=date_option(on, "--date"), consulted=consulted,
                             criteria=criteria)

    def text(d: dict[str, Any]) -> None:
        console.print(f"{d['reference']}: {d['decision']['outcome']} on {d['decision']['date']} "
                      f"after {d['decision']['processing_days']} days", markup=False)
        for c in d["decision"]["consulted"]:
            console.print(f"consulted {c['state']} on {c['date']}", markup=False)
        if d["decision"]["notice"]:
            n = d["decision"]["notice"]
            over = ", ".join(f"{x['issuing_state']} {x['reference']}" for x in n["essentially_identical_denials"])
            console.print(f"notice to {' and '.join(n['to'])}: granted over {over} (recorded in the ledger)",
                          markup=False)
        if "denial_notification" in d:
            n = d["denial_notification"]
            console.print(f"denial notification {n['issuing_state']} {n['reference']} created", markup=False)
    emit(doc, fmt, text)


@denials_app.command("export")
def export_cmd(out: Path = typer.Option(..., "--out", help="Target JSON file."),
               include_imported: bool = typer.Option(False, "--include-imported",
                                                     help="Also other states' denials held here.")) -> None:
    """Write our denial notifications in the exchange format (version 1)."""
    from dualcheck.authority import exchange
    with database().session() as session:
        doc = exchange.export_document(session, include_imported=include_imported)
    exchange.write_document(doc, out)
    console.print(f"exported {len(doc['denials'])} denials to {out}", markup=False)


@denials_app.command("import")
def import_cmd(path: Path = typer.Argument(..., help="Exchange file (JSON, version 1)."),
               fmt: OutputFormat = FormatOption) -> None:
    """Import other states' denials; all records are checked first; the same file twice changes nothing."""
    from dualcheck.authority import exchange, service
    from dualcheck.authority.parsing import read_json
    denials = exchange.parse_document(read_json(path), source=str(path))
    with progress("importing denials", total=len(denials)) as advance, database().write_session() as session:
        summary = service.import_and_recheck(session, denials, actor=settings().actor, source=str(path))
        advance(len(denials))

    def render(s: dict[str, Any]) -> None:
        console.print(f"{s['records']} records: {s['added']} added, {s['updated']} updated, "
                      f"{s['unchanged']} unchanged, {s['kept_own']} kept (our own)", markup=False)
        for found in s["new_consultations"]:
            console.print(f"  pending application {found['application']}: {'; '.join(found['warnings'])}",
                          markup=False)

    emit(summary, fmt, render)


@denials_app.command("revoke")
def revoke_cmd(reference: str = typer.Argument(..., help="Reference of one of our own denials."),
               reason: str = typer.Option(..., "--reason", help="Why it is revoked."),
               on: str | None = typer.Option(None, "--date", help="Revocation date YYYY-MM-DD (default today).")
               ) -> None:
    """Revoke one of our own denials (exported from now on with revoked: true and the revocation)."""
    from dualcheck.authority import service
    with database().write_session() as session:
        record = service.revoke_denial(session, reference, actor=settings().actor, reason=reason,
                                       on=date_option(on, "--date"))
    console.print(f"revoked {record['issuing_state']} {record['reference']}", markup=False)


@app.command("stats")
def stats_cmd(start: str | None = typer.Option(None, "--from", help="Received on or after YYYY-MM-DD."),
              end: str | None = typer.Option(None, "--to", help="Received on or before YYYY-MM-DD."),
              by: Grouping | None = typer.Option(None, "--by", help="destination, category, outcome or month."),
              state: str | None = typer.Option(None, "--state", help="Only this authority's applications."),
              fmt: StatsFormat = typer.Option(StatsFormat.text, "--format", help="text, json or csv.")) -> None:
    """Counts and values of applications and decisions, denial rate, median processing days."""
    from dualcheck.authority import stats as stats_mod
    with database().session() as session:
        doc = stats_mod.compute(session, start=date_option(start, "--from"), end=date_option(end, "--to"),
                                by=by.value if by else None, authority_state=state)
    if fmt == StatsFormat.csv:
        sys.stdout.write(stats_mod.to_csv(doc))
        return
    if fmt == StatsFormat.json:
        emit(doc, OutputFormat.json, lambda d: None)
        return
    rows = [*doc["groups"], {**doc["total"], "group": "total"}]
    console.print("  ".join(f"{c:>12}" for c in stats_mod.COLUMNS), markup=False)
    for row in rows:
        console.print("  ".join(f"{'' if row[c] is None else row[c]!s:>12}" for c in stats_mod.COLUMNS),
                      markup=False)


def bench_authority(pairs: Path | None = typer.Option(None, "--pairs",
                                                  help="Labelled application/denial pairs (JSON Lines): precision "
                                                       "and recall of the warning instead of speed."),
                    denials: int = typer.Option(10_000, "--denials", min=0, help="Generated denials to import."),
                    applications: int = typer.Option(200, "--applications", min=1,
                                                     help="Applications registered and checked."),
                    near_share: float = typer.Option(0.2, "--near-share", min=0.0, max=1.0,
                                                     help="Share of applications copying a denial's end user "
                                                          "and code (half of them re-routed)."),
                    config_file: Path | None = typer.Option(None, "--config",
                                                            help="Another matching configuration (YAML)."),
                    tolerance: float | None = typer.Option(None, "--tolerance", min=0.0,
                                                           help="Parameter tolerance (relative), overriding "
                                                                "the configuration's."),
                    details: bool = typer.Option(False, "--details", help="With --pairs: every pair's outcome."),
                    json_out: Path | None = typer.Option(None, "--json", help="Write figures here.")) -> None:
    """Precision and recall of the essentially-identical warning on labelled pairs (--pairs), or the time
    to check and register an application against generated denials (temporary SQLite either way)."""
    import json

    from dualcheck.authority.bench import read_pairs, run_bench, run_pairs
    from dualcheck.authority.matching import load_config

    overrides = {"items.parameter_tolerance": tolerance} if tolerance is not None else {}
    config = load_config(config_file, **overrides)
    if pairs is not None:
        total = len(read_pairs(pairs))
        with progress("comparing pairs", total=total) as advance:
            figures = run_pairs(pairs, config=config, advance=advance, details=details)
    else:
        with progress("registering applications", total=applications) as advance:
            figures = run_bench(denials=denials, applications=applications, near_share=near_share, config=config,
                                advance=advance)
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    typer.echo(text)
    if json_out:
        json_out.write_text(text + "\n", encoding="utf-8")
