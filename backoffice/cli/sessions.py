"""`fixbroker sessions`: FIX session definitions and their logon credentials.

Sessions usually come from the venue file (`fixbroker ref load`); `add` is for sessions that
are not in it. Passwords are only ever read from a hidden prompt or standard input, stored
as salted scrypt hashes, and never printed, logged or echoed in an error message.
"""

from __future__ import annotations

import ipaddress
import sys
from datetime import datetime, timezone

import click
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.db.engine import transaction
from gateway.fix.auth import hash_password, password_problem
from gateway.fix.dictionaries import DICTIONARY_FILES

from .context import AppContext, CommandError, pass_app


@click.group("sessions")
def group() -> None:
    """FIX sessions the gateway accepts: add, list, set passwords, enable and disable."""


def _find(session: Session, name: str) -> m.FixSession:
    row = session.scalars(select(m.FixSession).filter_by(name=name)).one_or_none()
    if row is None:
        raise CommandError(f"unknown FIX session {name!r} (see `fixbroker sessions list`)")
    return row


@group.command("add")
@click.argument("name")
@click.option("--begin-string", type=click.Choice(sorted(DICTIONARY_FILES)), required=True, help="FIX version of the session.")
@click.option("--sender-comp-id", required=True, help="Our CompID (the client's TargetCompID).")
@click.option("--target-comp-id", required=True, help="The client's CompID.")
@click.option("--port", type=click.IntRange(1, 65535), required=True, help="Acceptor port.")
@click.option("--username", required=True, help="Username(553) the client logs on with.")
@click.option("--member", "member_code", required=True, help="Member code the session trades for.")
@click.option("--account", "accounts", multiple=True, required=True, help="Entitled account (repeat for more).")
@click.option("--default-account", help="Account used when an order has no Account(1); one of --account.")
@click.option("--allow", "allowed", multiple=True, required=True, help="Source address or CIDR block (repeat for more).")
@pass_app
def add(
    app: AppContext, name: str, begin_string: str, sender_comp_id: str, target_comp_id: str, port: int,
    username: str, member_code: str, accounts: tuple[str, ...], default_account: str | None, allowed: tuple[str, ...],
) -> None:
    """Add session NAME (for sessions not in the venue file). Set its password afterwards."""
    networks = []
    for block in allowed:
        try:
            networks.append(str(ipaddress.ip_network(block, strict=False)))
        except ValueError:
            raise CommandError(f"--allow {block!r} is not an IP address or CIDR block") from None
    if default_account and default_account not in accounts:
        raise CommandError(f"--default-account {default_account} must be one of the --account values")
    with transaction(app.migrated_engine()) as session:
        if session.scalars(select(m.FixSession.id).filter_by(name=name)).first() is not None:
            raise CommandError(f"a FIX session named {name!r} already exists")
        clash = session.scalars(
            select(m.FixSession.name).filter_by(begin_string=begin_string, sender_comp_id=sender_comp_id, target_comp_id=target_comp_id)
        ).first()
        if clash is not None:
            raise CommandError(f"session {clash} already uses {begin_string} {sender_comp_id}->{target_comp_id}")
        member = session.scalars(select(m.Member).filter_by(code=member_code)).one_or_none()
        if member is None:
            raise CommandError(f"unknown member {member_code!r}")
        rows = {row.code: row for row in session.scalars(select(m.Account).where(m.Account.code.in_(accounts)))}
        missing = sorted(set(accounts) - set(rows))
        if missing:
            raise CommandError(f"unknown account(s): {', '.join(missing)}")
        row = m.FixSession(
            name=name, begin_string=begin_string, sender_comp_id=sender_comp_id, target_comp_id=target_comp_id,
            port=port, username=username, allowed_addresses=",".join(networks), member_id=member.id,
            default_account_id=rows[default_account].id if default_account else None, enabled=True,
            password_hash=None, password_set_at=None,
        )
        row.entitlements = [m.FixSessionAccount(account_id=rows[code].id) for code in sorted(set(accounts))]
        session.add(row)
    app.console.print(f"added FIX session {name} ({begin_string} {sender_comp_id}->{target_comp_id}, port {port}); "
                      f"set its password with `fixbroker sessions set-password {name}`", markup=False)


@group.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line) instead of a prompt.")
@pass_app
def set_password(app: AppContext, name: str, password_stdin: bool) -> None:
    """Set the logon password of session NAME (asked twice, not echoed)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt="Repeat the password")
    problem = password_problem(password)
    if problem is not None:
        raise CommandError(f"password not set: {problem}")
    hashed = hash_password(password)
    with transaction(app.migrated_engine()) as session:
        row = _find(session, name)
        row.password_hash = hashed
        row.password_set_at = datetime.now(timezone.utc)
    app.console.print(f"password set for FIX session {name}", markup=False)


def _set_enabled(app: AppContext, name: str, enabled: bool) -> None:
    with transaction(app.migrated_engine()) as session:
        row = _find(session, name)
        changed = row.enabled != enabled
        row.enabled = enabled
    state = "enabled" if enabled else "disabled"
    app.console.print(f"FIX session {name} {state}" if changed else f"FIX session {name} was already {state}", markup=False)


@group.command("disable")
@click.argument("name")
@pass_app
def disable(app: AppContext, name: str) -> None:
    """Refuse further logons of session NAME (takes effect at its next logon)."""
    _set_enabled(app, name, False)


@group.command("enable")
@click.argument("name")
@pass_app
def enable(app: AppContext, name: str) -> None:
    """Accept logons of session NAME again."""
    _set_enabled(app, name, True)


@group.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """List FIX sessions (whether a password is set, never the password or its hash)."""
    table = Table(title="FIX sessions", title_justify="left")
    for column in ("name", "version", "CompIDs (ours->client)", "port", "username", "member", "accounts", "default", "allowed from", "enabled", "password"):
        table.add_column(column)
    with transaction(app.migrated_engine()) as session:
        for row in session.scalars(select(m.FixSession).order_by(m.FixSession.name)):
            password = f"set {row.password_set_at:%Y-%m-%d %H:%M} UTC" if row.password_hash and row.password_set_at else "not set"
            table.add_row(
                row.name, row.begin_string, f"{row.sender_comp_id}->{row.target_comp_id}", str(row.port), row.username,
                row.member.code, " ".join(sorted(e.account.code for e in row.entitlements)),
                row.default_account.code if row.default_account else "", row.allowed_addresses.replace(",", " "),
                "yes" if row.enabled else "no", password,
            )
    app.console.print(table)
