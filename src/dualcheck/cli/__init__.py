"""The `dualcheck` command line: one group per domain, thin over the domain functions.

Errors are one line on stderr: exit 2 for bad input or configuration, 1 for a business "no"
where a command says so.
"""

from __future__ import annotations

import sys

import typer

from dualcheck import __version__
from dualcheck.cli import auth as auth_cli
from dualcheck.cli import authority as authority_cli
from dualcheck.cli import bench, db, ledger, serve, setup
from dualcheck.cli import check as check_cli
from dualcheck.cli import controls as controls_cli
from dualcheck.cli import licences as licences_cli
from dualcheck.cli import lists as lists_cli
from dualcheck.cli import redflags as redflags_cli
from dualcheck.cli import risk as risk_cli
from dualcheck.cli import screen as screen_cli
from dualcheck.cli import spark as spark_cli
from dualcheck.errors import DualcheckError

app = typer.Typer(
    name="dualcheck",
    help="Export-control compliance for dual-use items: lists, screening, classification, "
         "licence determination and records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dualcheck {__version__}")
        raise typer.Exit()


@app.callback()
def root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """Set up logging from the settings before any command runs."""
    from dualcheck.config import get_settings
    from dualcheck.logs import configure_logging

    cfg = get_settings()
    configure_logging(cfg.log_level, cfg.log_format)


app.add_typer(db.app, name="db")
app.add_typer(ledger.app, name="ledger")
app.add_typer(bench.app, name="bench")
app.add_typer(lists_cli.app, name="lists")
bench.app.command("load")(lists_cli.bench_load)
app.command("serve")(serve.serve)
app.command("setup")(setup.setup)
app.add_typer(licences_cli.licences_app, name="licences")
app.add_typer(licences_cli.holds_app, name="holds")
app.add_typer(licences_cli.evidence_app, name="evidence")
app.add_typer(controls_cli.app, name="controls")
app.command("classify")(controls_cli.classify)
app.command("check")(check_cli.check)
bench.app.command("check")(check_cli.bench_check)
app.command("screen")(screen_cli.screen)
app.add_typer(screen_cli.counterparties_app, name="counterparties")
app.add_typer(screen_cli.decisions_app, name="decisions")
app.add_typer(screen_cli.rescreen_app, name="rescreen")
app.add_typer(spark_cli.app, name="spark")
bench.app.command("spark")(spark_cli.bench_spark)
app.add_typer(redflags_cli.app, name="redflags")
bench.app.command("redflags")(redflags_cli.bench_redflags)
app.add_typer(authority_cli.app, name="authority")
bench.app.command("authority")(authority_cli.bench_authority)
app.add_typer(risk_cli.app, name="risk")
app.add_typer(auth_cli.users_app, name="users")
app.add_typer(auth_cli.tokens_app, name="tokens")
bench.app.command("risk")(risk_cli.bench_risk)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the Typer app and turn every error into one line and an exit code."""
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="dualcheck", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("dualcheck: aborted\n")
        sys.exit(130)
    except typer.TyperException as exc:  # click's usage errors, vendored by typer
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stdout.write(ctx.get_help() + "\n")
            sys.exit(0)
        where = f"{ctx.command_path}: " if ctx is not None else "dualcheck: "
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        sys.stderr.write(f"{where}{' '.join(message.split())}\n")
        sys.exit(getattr(exc, "exit_code", 2))
    except DualcheckError as exc:
        sys.stderr.write(f"dualcheck: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("dualcheck: interrupted\n")
        sys.exit(130)
    sys.exit(rv if isinstance(rv, int) else 0)
