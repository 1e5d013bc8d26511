"""`dualcheck users` and `dualcheck tokens`: identities, managed by the operator of the database.

The command line has direct access to the database, so it acts as its operator: ledger records
it writes name the actor ``operator:<DUALCHECK_ACTOR>``.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from dualcheck.cli.common import FormatOption, OutputFormat, console, database, date_option, emit, settings
from dualcheck.errors import BadInput

users_app = typer.Typer(help="Users: add, list, disable, change role.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: create (printed once), list, revoke.", no_args_is_help=True)


def operator() -> str:
    return f"operator:{settings().actor}"


def _row(*cells: str) -> None:
    console.print("\t".join(c for c in cells if c), highlight=False)


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise BadInput("no password on standard input", source="--password-stdin")
    return password


@users_app.command("add")
def users_add(name: str = typer.Argument(..., help="User name (sign-in name)."),
              role: str = typer.Option(..., "--role", help="viewer, officer, compliance_manager, auditor, admin "
                                                           "or authority_officer."),
              tenant: str = typer.Option("default", "--tenant", help="Organisation (created if new)."),
              password_stdin: bool = typer.Option(False, "--password-stdin",
                                                  help="Read the password from the first line of stdin; "
                                                       "without it the user signs in with tokens only.")) -> None:
    """Add a user (recorded in the ledger, without the password)."""
    from dualcheck.auth.service import add_user

    password = _read_password() if password_stdin else None
    with database().write_session() as session:
        user = add_user(session, name, role=role, tenant=tenant, password=password, actor=operator())
        console.print(f"user {user.name}: {user.role} of {user.tenant}", highlight=False)


@users_app.command("list")
def users_list(tenant: str | None = typer.Option(None, "--tenant", help="Only this organisation."),
               fmt: OutputFormat = FormatOption) -> None:
    """The users, with role, tenant and state."""
    from dualcheck.auth.service import list_users, user_document

    with database().session() as session:
        doc = {"users": [user_document(u) for u in list_users(session, tenant=tenant)]}
    def text(d: dict[str, Any]) -> None:
        for u in d["users"]:
            _row(u["name"], u["role"], u["tenant"], "disabled" if u["disabled"] else "")

    emit(doc, fmt, text)


@users_app.command("disable")
def users_disable(name: str = typer.Argument(..., help="User name.")) -> None:
    """Disable a user: sign-in, sessions and tokens stop working."""
    from dualcheck.auth.service import disable_user

    with database().write_session() as session:
        disable_user(session, name, actor=operator())
    console.print(f"user {name}: disabled", highlight=False)


@users_app.command("role")
def users_role(name: str = typer.Argument(..., help="User name."),
               role: str = typer.Argument(..., help="The new role.")) -> None:
    """Change a user's role (its open sessions end)."""
    from dualcheck.auth.service import set_role

    with database().write_session() as session:
        set_role(session, name, role, actor=operator())
    console.print(f"user {name}: {role}", highlight=False)


@tokens_app.command("create")
def tokens_create(user: str = typer.Argument(..., help="The user the token acts as."),
                  label: str | None = typer.Option(None, "--label", help="What the token is for."),
                  scope: list[str] = typer.Option([], "--scope", help="Narrow the token to an API domain "
                                                                      "(repeatable) or to 'read'."),
                  expires: str | None = typer.Option(None, "--expires", help="Last day of validity, YYYY-MM-DD.")
                  ) -> None:
    """Create a token; prints the token alone on stdout (it is stored only as a digest)."""
    from dualcheck.auth.service import create_token

    expires_on = date_option(expires, "--expires")
    with database().write_session() as session:
        secret, _token = create_token(session, user, label=label, scopes=scope, expires_on=expires_on,
                                      actor=operator())
    sys.stdout.write(secret + "\n")


@tokens_app.command("list")
def tokens_list(fmt: OutputFormat = FormatOption) -> None:
    """Tokens (never their secrets)."""
    from dualcheck.auth.service import token_documents

    with database().session() as session:
        doc = {"tokens": token_documents(session)}
    def text(d: dict[str, Any]) -> None:
        for t in d["tokens"]:
            _row(str(t["id"]), t["user"], t["label"] or "-", ",".join(t["scopes"]) or "all scopes",
                 t["expires_on"] or "no expiry", "revoked" if t["revoked"] else "")

    emit(doc, fmt, text)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int = typer.Argument(..., help="Token id (from `tokens list`).")) -> None:
    """Revoke a token at once."""
    from dualcheck.auth.service import revoke_token

    with database().write_session() as session:
        revoke_token(session, token_id, actor=operator())
    console.print(f"token {token_id}: revoked", highlight=False)
