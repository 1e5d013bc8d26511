"""`dualcheck licences`, `dualcheck holds`, `dualcheck evidence`: thin commands over the licences domain.

Refusals (balance exceeded, licence expired, missing role, four-eyes) exit 1 with one line;
bad input exits 2.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from dualcheck.cli.common import (
    FormatOption,
    OutputFormat,
    console,
    database,
    date_option,
    emit,
    emit_json,
    err_console,
    settings,
)
from dualcheck.errors import BadInput

licences_app = typer.Typer(help="Licences, their balances, reservations, use and reports.", no_args_is_help=True)
report_app = typer.Typer(help="Licence usage, general-authorisation use and expiry reports.", no_args_is_help=True)
holds_app = typer.Typer(help="Transactions held after a check, and officers' release or rejection.",
                        no_args_is_help=True)
evidence_app = typer.Typer(help="Evidence packs for audits and authorities.", no_args_is_help=True)
licences_app.add_typer(report_app, name="report")

AsOfOption = typer.Option(None, "--as-of", help="Date of the shipment (YYYY-MM-DD); default: the transaction's date, "
                                                "else today.")
FromOption = typer.Option(None, "--from", help="First day (YYYY-MM-DD), inclusive.")
ToOption = typer.Option(None, "--to", help="Last day (YYYY-MM-DD), inclusive.")




def _transaction(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read ({exc})", source=str(path)) from None
    except ValueError as exc:
        raise BadInput(f"not valid JSON ({exc})", source=str(path)) from None
    if not isinstance(doc, dict):
        raise BadInput("must be one JSON object", source=str(path))
    return doc


def _as_of(value: str | None, tx: dict[str, Any], source: str) -> dt.date:
    if value:
        day = date_option(value, "--as-of")
        assert day is not None
        return day
    if tx.get("date"):
        try:
            return dt.date.fromisoformat(str(tx["date"]))
        except ValueError:
            raise BadInput(f"not a date: {tx['date']!r}", source=source, location="date") from None
    return dt.datetime.now(dt.UTC).date()


def _print_json(doc: Any) -> None:
    emit_json(doc)


@licences_app.command("add")
def add_cmd(paths: list[Path] = typer.Argument(..., help="Licence files (YAML or JSON).")) -> None:
    """Store licences and general-authorisation registrations (all files in one transaction)."""
    from dualcheck.licences.master import read_licence_file, store_licence

    parsed = [(path, lic) for path in paths for lic in read_licence_file(path)]
    db = database()
    created = 0
    with db.write_session() as session:
        for _path, lic in parsed:
            created += store_licence(session, lic, actor=settings().actor)[1]
    console.print(f"{created} licences stored, {len(parsed) - created} unchanged", highlight=False)


def _licence_summary(lic: Any) -> dict[str, Any]:
    return {"reference": lic.reference, "kind": lic.kind, "authorisation": lic.authorisation,
            "authority": lic.authority, "status": lic.status, "valid_from": lic.valid_from.isoformat(),
            "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
            "destinations": lic.destinations, "end_users": lic.end_users}


@licences_app.command("list")
def list_cmd(fmt: OutputFormat = FormatOption) -> None:
    """List licences and registrations."""
    from sqlalchemy import select

    from dualcheck.licences.models import Licence

    with database().session() as session:
        docs = [_licence_summary(lic) for lic in session.execute(select(Licence).order_by(Licence.reference)).scalars()]

    def text(rows: list[dict[str, Any]]) -> None:
        for r in rows:
            console.print(f"{r['reference']}  {r['kind']}{' ' + r['authorisation'] if r['authorisation'] else ''}  "
                          f"{r['status']}  {r['valid_from']}..{r['valid_until'] or ''}  {','.join(r['destinations'])}",
                          highlight=False)
    emit({"licences": docs}, fmt, lambda d: text(d["licences"]))


@licences_app.command("show")
def show_cmd(reference: str = typer.Argument(..., help="Licence reference.")) -> None:
    """Show one licence with its lines and balances, or a registration with its uses (JSON)."""
    from dualcheck.licences.reports import licence_document

    with database().session() as session:
        _print_json(licence_document(session, reference))


@licences_app.command("find")
def find_cmd(transaction: Path = typer.Argument(..., help="Transaction JSON (check input format)."),
             as_of: str | None = AsOfOption) -> None:
    """Which licence lines could cover each item of a transaction, and why the others cannot (JSON)."""
    from dualcheck.licences.coverage import licence_coverage

    tx = _transaction(transaction)
    day = _as_of(as_of, tx, str(transaction))
    with database().session() as session:
        _print_json(licence_coverage(session, tx, as_of=day, source=str(transaction)))


@licences_app.command("use")
def use_cmd(transaction: Path = typer.Argument(..., help="Transaction JSON with an id (check input format)."),
            as_of: str | None = AsOfOption,
            reserve_only: bool = typer.Option(False, "--reserve", help="Reserve for an open order instead.")) -> None:
    """Charge a shipment (or reserve an order) to usable licences; exit 1 with the reason when refused."""
    from dualcheck.licences.usage import use_for_transaction

    tx = _transaction(transaction)
    day = _as_of(as_of, tx, str(transaction))
    with database().write_session() as session:
        result = use_for_transaction(session, tx, as_of=day, actor=settings().actor,
                                     mode="reserve" if reserve_only else "consume", source=str(transaction))
    _print_json(result)


@licences_app.command("ship")
def ship_cmd(reservation: str = typer.Argument(..., help="Reservation id."),
             transaction: Path = typer.Argument(..., help="The transaction JSON (destination and end users)."),
             as_of: str | None = AsOfOption) -> None:
    """Turn a reservation into use when the order ships."""
    from dualcheck.licences.coverage import shipment_context
    from dualcheck.licences.usage import consume_reservation

    tx = _transaction(transaction)
    day = _as_of(as_of, tx, str(transaction))
    destination, end_users = shipment_context(tx, source=str(transaction))
    with database().write_session() as session:
        result = consume_reservation(session, reservation, as_of=day, destination=destination, end_users=end_users,
                                     actor=settings().actor)
    _print_json(result)


@licences_app.command("release")
def release_reservation_cmd(reservation: str = typer.Argument(..., help="Reservation id."),
                            reason: str = typer.Option(..., "--reason", help="Why it is no longer needed.")) -> None:
    """Give a reservation back to the licence lines."""
    from dualcheck.licences.usage import release_reservation

    with database().write_session() as session:
        _print_json(release_reservation(session, reservation, reason=reason, actor=settings().actor))


@licences_app.command("status")
def status_cmd(reference: str = typer.Argument(..., help="Licence reference."),
               status: str = typer.Argument(..., help="active, suspended or revoked."),
               reason: str = typer.Option(..., "--reason", help="Why.")) -> None:
    """Suspend, revoke or reactivate a licence (recorded in the ledger)."""
    from dualcheck.licences.master import set_status

    with database().write_session() as session:
        set_status(session, reference, status, reason=reason, actor=settings().actor)
    console.print(f"{reference}: {status}", highlight=False)


@licences_app.command("use-general")
def use_general_cmd(authorisation: str = typer.Argument(..., help="EU001 ... EU008."),
                    transaction: Path = typer.Argument(..., help="Transaction JSON with an id."),
                    as_of: str | None = AsOfOption) -> None:
    """Record an export under a Union general authorisation (needs an active registration)."""
    from dualcheck.licences.general import record_general_use

    tx = _transaction(transaction)
    day = _as_of(as_of, tx, str(transaction))
    with database().write_session() as session:
        _print_json(record_general_use(session, authorisation=authorisation, transaction=tx, as_of=day,
                                       actor=settings().actor, source=str(transaction)))


@report_app.command("usage")
def report_usage_cmd(licence: str | None = typer.Option(None, "--licence", help="One licence reference."),
                     since: str | None = FromOption, until: str | None = ToOption) -> None:
    """Usage per licence and line: balances now and use within the period (JSON)."""
    from dualcheck.licences.reports import usage_report

    with database().session() as session:
        _print_json(usage_report(session, reference=licence, since=date_option(since, "--from"),
                                 until=date_option(until, "--to")))


@report_app.command("general")
def report_general_cmd(authorisation: str | None = typer.Option(None, "--authorisation", help="EU001 ... EU008."),
                       since: str | None = FromOption, until: str | None = ToOption) -> None:
    """Exports under each Union general authorisation in the period, for Member State reporting (JSON)."""
    from dualcheck.licences.reports import general_authorisation_report

    with database().session() as session:
        _print_json(general_authorisation_report(session, authorisation=authorisation,
                                                 since=date_option(since, "--from"), until=date_option(until, "--to")))


@report_app.command("expiring")
def report_expiring_cmd(days: int = typer.Option(60, "--days", min=0, help="Warn this many days ahead."),
                        share: float = typer.Option(0.9, "--share", min=0.0, max=1.0,
                                                    help="Warn when this share of a line is taken.")) -> None:
    """Licences expiring soon (or expired) and lines nearly used up (JSON)."""
    from dualcheck.licences.reports import expiry_warnings

    with database().session() as session:
        _print_json({"warnings": expiry_warnings(session, today=dt.datetime.now(dt.UTC).date(), within_days=days,
                                                 usage_share=share)})


@holds_app.command("list")
def holds_list_cmd(status: str = typer.Option("open", "--status", help="open, held, awaiting_second, released, "
                                                                       "rejected, superseded or all."),
                   transaction: str | None = typer.Option(None, "--transaction", help="One transaction id."),
                   fmt: OutputFormat = FormatOption) -> None:
    """List held transactions."""
    from dualcheck.licences.holds import hold_document, list_holds

    with database().session() as session:
        docs = [hold_document(h) for h in list_holds(session, status=None if status == "all" else status,
                                                     transaction_id=transaction)]

    def text(rows: list[dict[str, Any]]) -> None:
        for r in rows:
            console.print(f"{r['id']}  {r['transaction_id']}  {r['outcome']}  {r['status']}"
                          f"{'  four-eyes' if r['four_eyes'] else ''}", highlight=False)
    emit({"holds": docs}, fmt, lambda d: text(d["holds"]))


@holds_app.command("show")
def holds_show_cmd(hold_id: str = typer.Argument(..., help="Hold id.")) -> None:
    """Show one hold with its decisions (JSON)."""
    from dualcheck.licences.holds import get_hold, hold_document

    with database().session() as session:
        _print_json(hold_document(get_hold(session, hold_id)))


@holds_app.command("place")
def holds_place_cmd(transaction_id: str = typer.Argument(..., help="Transaction id."),
                    outcome: str = typer.Option(..., "--outcome", help="PROHIBITED, LICENCE_REQUIRED or "
                                                                       "NEEDS_INFORMATION."),
                    reason: list[str] = typer.Option(..., "--reason", help="Why (repeatable)."),
                    check_id: str | None = typer.Option(None, "--check", help="The check behind it.")) -> None:
    """Hold a transaction by hand (checks place holds themselves)."""
    from dualcheck.licences.holds import hold_document, place_hold

    with database().write_session() as session:
        hold = place_hold(session, transaction_id=transaction_id, check_id=check_id, outcome=outcome.upper(),
                          reasons=[{"detail": r} for r in reason], actor=settings().actor)
        _print_json(hold_document(hold))


def _decide(action: str, hold_id: str, role: str, reason: str) -> None:
    from dualcheck.licences import holds

    decide = holds.release if action == "release" else holds.reject
    with database().write_session() as session:
        hold = decide(session, hold_id, actor=settings().actor, role=role, reason=reason)
        doc = holds.hold_document(hold)
    console.print(f"hold {doc['id']} ({doc['transaction_id']}): {doc['status']}", highlight=False)


RoleOption = typer.Option(..., "--role",
                          help="The role you act in (compliance_manager by default; see docs/licences.md).")
ReasonOption = typer.Option(..., "--reason", help="Why; written to the ledger.")


@holds_app.command("release")
def holds_release_cmd(hold_id: str = typer.Argument(..., help="Hold id."), role: str = RoleOption,
                      reason: str = ReasonOption) -> None:
    """Release a held transaction (four-eyes outcomes need a second, different user)."""
    _decide("release", hold_id, role, reason)


@holds_app.command("reject")
def holds_reject_cmd(hold_id: str = typer.Argument(..., help="Hold id."), role: str = RoleOption,
                     reason: str = ReasonOption) -> None:
    """Reject a held transaction."""
    _decide("reject", hold_id, role, reason)


@holds_app.command("grant")
def holds_grant_cmd(officer: str = typer.Argument(..., help="Who (the actor name)."),
                    role: str = typer.Argument(..., help="Role to grant: one that decides holds "
                                                         "(DUALCHECK_HOLDS_RELEASE_ROLES / _OVERRIDE_ROLES)."),
                    revoke: bool = typer.Option(False, "--revoke", help="Take the role away instead.")) -> None:
    """Grant or revoke a hold-deciding role to a named officer (recorded in the ledger)."""
    from dualcheck.licences.holds import grant_role

    with database().write_session() as session:
        grant_role(session, officer=officer, role=role, actor=settings().actor, revoke=revoke)
    console.print(f"{officer}: {role} {'revoked' if revoke else 'granted'}", highlight=False)


@evidence_app.command("pack")
def evidence_pack_cmd(output: Path = typer.Option(..., "--output", "-o", help="ZIP file to write."),
                      transaction: str | None = typer.Option(None, "--transaction", help="One transaction id."),
                      since: str | None = FromOption, until: str | None = ToOption) -> None:
    """Write an evidence pack (ZIP) for a transaction or a period."""
    from dualcheck.licences.evidence import build_evidence_pack

    start, end = date_option(since, "--from"), date_option(until, "--to")
    with database().write_session() as session:
        data, manifest = build_evidence_pack(
            session, transaction_id=transaction, actor=settings().actor,
            since=dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC) if start else None,
            until=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) if end else None)
    output.write_bytes(data)
    console.print(f"evidence pack {output}: {len(manifest['checks'])} checks, "
                  f"{manifest['ledger_records']} ledger records, {len(manifest['files'])} files", highlight=False)


@evidence_app.command("verify")
def evidence_verify_cmd(pack: Path = typer.Argument(..., help="Evidence pack: the ZIP or its unpacked folder."),
                        public_key: Path | None = typer.Option(None, "--public-key",
                                                               help="The exporter's public key (PEM) you trust.")
                        ) -> None:
    """Verify an evidence pack offline: ledger slice, manifest, and every check report against its
    ledger record. Exit 1 naming the first failure."""
    import zipfile

    from dualcheck.ledger.offline import read_pack, verify_pack

    try:
        files = read_pack(pack)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BadInput(f"not a readable evidence pack ({exc})", source=str(pack)) from None
    try:
        trusted = public_key.read_bytes() if public_key else None
    except OSError as exc:
        raise BadInput(f"cannot read ({exc.strerror})", source=str(public_key)) from None
    result = verify_pack(files, trusted)
    for note in result.notes:
        err_console.print(f"note: {note}", highlight=False)
    if not result.ok:
        err_console.print(result.summary(), highlight=False)
        raise typer.Exit(1)
    console.print(result.summary(), highlight=False)
