"""`fixbroker cash`: deposits and withdrawals (bank-futures transfers) and the cash ledger."""

from __future__ import annotations

from datetime import datetime, timezone

import click
from rich.table import Table
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.domain.enums import CashDirection
from backoffice.domain.money import parse_amount
from backoffice.ledger import cash
from backoffice.refdata import repository

from .context import AppContext, CommandError, default_operator, fail_on, pass_app

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("cash")
def group() -> None:
    """Bank-futures transfers: deposits, withdrawals and the cash ledger."""


def _movement_command(direction: CashDirection) -> click.Command:
    @click.argument("account")
    @click.argument("amount")
    @click.option("--reference", required=True, help="Bank transfer reference (recorded once per account).")
    @click.option("--date", "business_date", type=_DATE, help="Business date (default: the current trading day).")
    @click.option("--note", default="", help="Free text kept with the entry.")
    @click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
    @pass_app
    def command(app: AppContext, account: str, amount: str, reference: str, business_date: datetime | None, note: str, operator: str) -> None:
        with fail_on(ValueError):
            value = parse_amount(amount)
        now = datetime.now(timezone.utc)
        with transaction(app.migrated_engine()) as session, fail_on(LookupError, cash.CashError):
            target = repository.find_account(session, account)
            day = business_date.date() if business_date else repository.load_calendar(session).trading_day_of(now)
            result = cash.record(
                session, target, direction, value,
                business_date=day, reference=reference, operator=operator, note=note, now=now,
            )
            movement = result.movement
            balance = cash.funds(session, target).balance
        if result.duplicate:
            app.console.print(f"{direction.value} {reference} on {account} was already recorded (entry {movement.id}); nothing written")
        else:
            app.console.print(
                f"recorded {direction.value} of {value:,.2f} on {account} for {day} (entry {movement.id}, ref {reference}); "
                f"balance {balance:,.2f}",
                markup=False,
            )

    command.__doc__ = f"Record a {direction.value} of AMOUNT, such as 1000000.00, on ACCOUNT."
    return click.command(direction.value)(command)


group.add_command(_movement_command(CashDirection.DEPOSIT), "deposit")
group.add_command(_movement_command(CashDirection.WITHDRAWAL), "withdraw")


@group.command("list")
@click.option("--account", help="Only this account.")
@click.option("--from", "start", type=_DATE, help="First business date.")
@click.option("--to", "end", type=_DATE, help="Last business date.")
@pass_app
def list_(app: AppContext, account: str | None, start: datetime | None, end: datetime | None) -> None:
    """List cash movements in the order they were recorded."""
    query = select(m.CashMovement).join(m.CashMovement.account).order_by(m.CashMovement.id)
    if account:
        query = query.where(m.Account.code == account)
    if start:
        query = query.where(m.CashMovement.business_date >= start.date())
    if end:
        query = query.where(m.CashMovement.business_date <= end.date())
    table = Table(title="Cash movements", title_justify="left")
    for column in ("entry", "business date", "account", "type", "deposit", "withdrawal", "reference", "operator", "note"):
        table.add_column(column, justify="right" if column in ("entry", "deposit", "withdrawal") else "left")
    with transaction(app.migrated_engine()) as session:
        if account and session.scalars(select(m.Account.id).filter_by(code=account)).first() is None:
            raise CommandError(f"unknown account {account!r}")
        for row in session.scalars(query):
            deposit = row.direction == CashDirection.DEPOSIT.value
            table.add_row(
                str(row.id), row.business_date.isoformat(), row.account.code, row.direction,
                f"{row.amount:,.2f}" if deposit else "", "" if deposit else f"{row.amount:,.2f}",
                row.reference, row.operator, row.note,
            )
    app.console.print(table)
