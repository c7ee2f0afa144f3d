"""`fixbroker accounts`: the accounts the organisation tree implies, with their funds."""

from __future__ import annotations

import click
from rich.table import Table
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.domain.enums import AccountKind
from backoffice.ledger import cash
from backoffice.refdata import repository

from .context import AppContext, fail_on, pass_app


@click.group("accounts")
def group() -> None:
    """Member reserve accounts, trading-member accounts and client accounts."""


@group.command("list")
@click.option("--member", help="Only accounts held at this member.")
@click.option("--kind", type=click.Choice([k.value for k in AccountKind]), help="Only this kind of account.")
@pass_app
def list_(app: AppContext, member: str | None, kind: str | None) -> None:
    """List accounts with balance and withdrawable funds."""
    query = select(m.Account).join(m.Account.member).order_by(m.Member.code, m.Account.kind, m.Account.code)
    if member:
        query = query.where(m.Member.code == member)
    if kind:
        query = query.where(m.Account.kind == kind)
    table = Table(title="Accounts", title_justify="left")
    for column in ("account", "kind", "held at", "owner", "exchange", "business", "status", "balance", "withdrawable"):
        table.add_column(column, justify="right" if column in ("balance", "withdrawable") else "left")
    total = 0
    with transaction(app.migrated_engine()) as session:
        for account in session.scalars(query):
            held = cash.funds(session, account)
            table.add_row(
                account.code, account.kind.replace("_", " "), account.member.code, _owner(account),
                account.exchange.code if account.exchange else "", account.business_type, account.status,
                f"{held.balance:,.2f}", f"{held.withdrawable:,.2f}",
            )
            total += 1
    table.caption = f"{total} account{'s' if total != 1 else ''}"
    app.console.print(table)


@group.command()
@click.argument("account")
@pass_app
def show(app: AppContext, account: str) -> None:
    """Show one account: owner, funds and its latest cash movements."""
    with transaction(app.migrated_engine()) as session, fail_on(LookupError):
        row = repository.find_account(session, account)
        held = cash.funds(session, row)
        details = Table.grid(padding=(0, 2))
        details.add_column(style="bold")
        details.add_column()
        for label, value in (
            ("account", row.code),
            ("kind", row.kind.replace("_", " ")),
            ("held at member", f"{row.member.code} {row.member.name}"),
            ("owner", _owner(row)),
            ("exchange", row.exchange.code if row.exchange else "-"),
            ("business", row.business_type),
            ("status", row.status),
            ("opened", f"{row.opened_at:%Y-%m-%d %H:%M} UTC"),
            ("balance", f"{held.balance:,.2f} {row.currency}"),
            ("margin held", f"{held.margin_held:,.2f}"),
            ("frozen", f"{held.frozen:,.2f}"),
            ("withdrawable", f"{held.withdrawable:,.2f}"),
        ):
            details.add_row(label, value)
        app.console.print(details)
        movements = Table(title="Latest cash movements", title_justify="left")
        for column in ("entry", "business date", "type", "amount", "reference", "operator"):
            movements.add_column(column, justify="right" if column in ("entry", "amount") else "left")
        latest = session.scalars(select(m.CashMovement).filter_by(account_id=row.id).order_by(m.CashMovement.id.desc()).limit(20))
        for movement in latest:
            movements.add_row(str(movement.id), movement.business_date.isoformat(), movement.direction, f"{movement.amount:,.2f}", movement.reference, movement.operator)
        app.console.print(movements)


def _owner(account: m.Account) -> str:
    if account.client is not None:
        return f"{account.client.code} {account.client.name}"
    owner = account.owner_member
    return f"{owner.code} {owner.name}" if owner is not None else ""
