"""`dualcheck ledger`: verify, checkpoint, public key, export and offline verification, retention."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Protocol

import typer

from dualcheck.cli.common import FormatOption, OutputFormat, console, database, emit, emit_json, err_console, settings
from dualcheck.errors import BadInput

app = typer.Typer(help="The tamper-evident audit ledger.", no_args_is_help=True)

PublicKeyOption = typer.Option(None, "--public-key",
                               help="Ed25519 public key (PEM) to trust; repeatable. Default: this installation's key.")


def _trusted_keys(paths: list[Path] | None) -> dict[str, str] | None:
    if not paths:
        return None
    from dualcheck.ledger.keys import public_key_id

    keys: dict[str, str] = {}
    for path in paths:
        try:
            pem = path.read_text(encoding="ascii")
            keys[public_key_id(pem)] = pem
        except (OSError, ValueError) as exc:
            raise BadInput(f"not a readable Ed25519 public key ({exc})", source=str(path)) from None
    return keys


class _Summarised(Protocol):
    @property
    def ok(self) -> bool: ...

    def summary(self) -> str: ...


def _report(result: _Summarised) -> None:
    """The one-line summary: stdout and exit 0 when intact, stderr and exit 1 otherwise."""
    # plain echo, not rich: the summary must stay one line whatever the terminal width
    if result.ok:
        typer.echo(result.summary())
        return
    typer.echo(result.summary(), err=True)
    raise typer.Exit(1)


@app.command("verify")
def verify_cmd(public_key: list[Path] | None = PublicKeyOption) -> None:
    """Check the whole ledger and its signed checkpoints: exit 0 when intact, 1 naming the first bad record."""
    from dualcheck.ledger import verify

    trusted = _trusted_keys(public_key)
    db = database()
    with db.session() as session:
        result = verify(session, trusted_keys=trusted)
    _report(result)


@app.command("checkpoint")
def checkpoint_cmd(fmt: OutputFormat = FormatOption) -> None:
    """Sign a checkpoint over the ledger as it is now."""
    from dualcheck.ledger.checkpoints import create_checkpoint
    from dualcheck.ledger.export import checkpoint_document

    db = database()
    with db.write_session() as session:
        cp = create_checkpoint(session)
        doc = checkpoint_document(cp) if cp else None
    if doc is None:
        raise BadInput("the ledger is empty: nothing to sign", location="ledger")
    emit(doc, fmt, lambda d: console.print(f"checkpoint {d['seq']} signed by key {d['key_id']}: "
                                           f"root {d['merkle_root']}", highlight=False))


@app.command("public-key")
def public_key_cmd(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the PEM to this file."),
) -> None:
    """Print (or write) the public key that verifies this installation's checkpoints."""
    from dualcheck.ledger.keys import signing_key

    key = signing_key()
    if output:
        output.write_text(key.public_pem, encoding="ascii")
        err_console.print(f"public key {key.key_id} written to {output}", highlight=False)
    else:
        typer.echo(key.public_pem, nl=False)


def _parse_day(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise BadInput(f"not a date (YYYY-MM-DD): {value!r}", location=option) from None


@app.command("export")
def export_cmd(
    output: Path = typer.Option(..., "--output", "-o", help="Export file to write (JSON)."),
    transaction: str | None = typer.Option(None, "--transaction", help="Records whose subject is this transaction id."),
    counterparty: str | None = typer.Option(None, "--counterparty", help="Records that name this party."),
    since: str | None = typer.Option(None, "--from", help="First day (YYYY-MM-DD, UTC), inclusive."),
    until: str | None = typer.Option(None, "--to", help="Last day (YYYY-MM-DD, UTC), inclusive."),
) -> None:
    """Write a verifiable slice of the ledger with Merkle proofs to a signed checkpoint."""
    from dualcheck.ledger.export import Selection, export_slice

    end = _parse_day(until, "--to")
    selection = Selection(subject=transaction, counterparty=counterparty, since=_parse_day(since, "--from"),
                          until=end + dt.timedelta(days=1) if end else None)
    db = database()
    with db.write_session() as session:
        doc = export_slice(session, selection)
    output.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    console.print(f"{len(doc['records'])} records exported to {output}, proven against checkpoint "
                  f"{doc['checkpoint']['seq']} (key {doc['checkpoint']['key_id']})", highlight=False)


@app.command("verify-export")
def verify_export_cmd(
    file: Path = typer.Argument(..., help="Ledger export JSON file."),
    public_key: Path | None = typer.Option(None, "--public-key",
                                           help="The exporter's public key (PEM) you trust; default: embedded."),
) -> None:
    """Verify an export offline (no database): exit 0 when every record is proven, 1 naming the first that is not."""
    from dualcheck.ledger.offline import verify_export

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"not a readable JSON file ({exc})", source=str(file)) from None
    trusted = None
    if public_key is not None:
        try:
            trusted = public_key.read_bytes()
        except OSError as exc:
            raise BadInput(f"cannot read ({exc.strerror})", source=str(public_key)) from None
    result = verify_export(doc, trusted)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    _report(result)


@app.command("retention")
def retention_cmd(fmt: OutputFormat = FormatOption) -> None:
    """Show the retention period and until when the oldest records must be kept."""
    from dualcheck.ledger.retention import retention_status

    db = database()
    with db.session() as session:
        doc = retention_status(session, dt.datetime.now(dt.UTC).date())
    emit(doc, fmt, lambda d: emit_json(d))


@app.command("purge")
def purge_cmd(yes: bool = typer.Option(False, "--yes", help="Really delete; without it, only show what would go."),
              fmt: OutputFormat = FormatOption) -> None:
    """Delete records past their retention period (up to a checkpoint signed before the boundary)."""
    from dualcheck.ledger.retention import purge

    with database().write_session() as session:
        doc = purge(session, today=dt.datetime.now(dt.UTC).date(), actor=settings().actor, dry_run=not yes)
    emit(doc, fmt, lambda d: typer.echo(
        f"{'would purge' if d['dry_run'] else 'purged'} {d['purged']} records"
        + (f" (1..{d['up_to_seq']}, written before {d['boundary']})" if d["purged"] else
           f": nothing written before {d['boundary']} is anchored by a checkpoint")))


def bench_ledger(
    records: int = typer.Option(20000, "--records", min=1, help="How many records to append."),
    writers: int = typer.Option(4, "--writers", min=1, help="Concurrent writer threads."),
    database_url: str | None = typer.Option(None, "--database-url",
                                            help="Empty migrated database to use; default a scratch SQLite file."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures to this file."),
) -> None:
    """Ledger speed: appends per second (one transaction each), full verification and an export."""
    from dualcheck.cli.common import progress
    from dualcheck.ledger.bench import run_ledger_bench

    with progress("appending", total=records) as advance:
        doc = run_ledger_bench(records, writers, database_url, advance)
    if json_out:
        json_out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    emit_json(doc)


def _register_bench() -> None:
    # bench commands hang off the shared `dualcheck bench` group
    from dualcheck.cli import bench

    bench.app.command("ledger")(bench_ledger)


_register_bench()
