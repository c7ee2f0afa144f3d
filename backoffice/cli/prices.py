"""`fixbroker prices`: official settlement prices (set, import) and the prices of a day."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.refdata import repository
from backoffice.db.engine import transaction
from backoffice.settlement import corrections
from backoffice.settlement.price_import import parse_prices

from . import clock
from .context import AppContext, CommandError, default_operator, fail_on, pass_app
from .formats import plain

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("prices")
def group() -> None:
    """Settlement prices: set or import official prices, show a day's prices and sources."""


@group.command("set")
@click.option("--date", "day", type=_DATE, required=True, help="Trading day the price settles.")
@click.argument("instrument")
@click.argument("price")
@click.option("--reason", default="", help="Why (kept with the price and its history).")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@pass_app
def set_(app: AppContext, day: datetime, instrument: str, price: str, reason: str, operator: str) -> None:
    """Set the official settlement PRICE of INSTRUMENT; it wins over any computed price."""
    try:
        value = Decimal(price)
    except InvalidOperation:
        raise CommandError(f"price must be a decimal number, got {price!r}") from None
    with transaction(app.migrated_engine()) as session, fail_on(corrections.CorrectionError):
        done = corrections.set_official_price(session, instrument, day.date(), value, reason=reason, operator=operator, now=clock.now())
        settled = corrections.is_settled(session, day.date())
    replaced = f" (replaces {done.replaced[1]} price {plain(done.replaced[0])})" if done.replaced else ""
    app.console.print(f"official settlement price of {instrument} for {day:%Y-%m-%d}: {plain(value)}{replaced}", markup=False)
    if settled:
        app.console.print(f"{day:%Y-%m-%d} is settled: run `fixbroker settle rerun --from {day:%Y-%m-%d}` to apply it", markup=False)


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@pass_app
def import_(app: AppContext, file: Path, operator: str) -> None:
    """Import official prices from FILE.csv.

    Columns: trading_day (YYYY-MM-DD), instrument, price, and optionally reason. Every bad
    row is reported as FILE:LINE: field: problem; nothing is imported when any row is bad.
    """
    text = _read(file)
    now = clock.now()
    with transaction(app.migrated_engine()) as session:
        rows, errors = parse_prices(text, repository.instruments(session))
        if errors:
            for error in errors:
                app.console.print(error.render(str(file)), style="red", markup=False, highlight=False)
            raise CommandError(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in {file}; nothing was imported")
        settled = set()
        for row in rows:
            with fail_on(corrections.CorrectionError):
                corrections.set_official_price(session, row.instrument, row.trading_day, row.price, reason=row.reason, operator=operator, now=now)
            if corrections.is_settled(session, row.trading_day):
                settled.add(row.trading_day)
    app.console.print(f"{file}: {len(rows)} official price{'s' if len(rows) != 1 else ''} recorded", markup=False)
    for day in sorted(settled):
        app.console.print(f"{day} is settled: run `fixbroker settle rerun --from {day}` to apply", markup=False)


@group.command("show")
@click.option("--date", "day", type=_DATE, required=True)
@click.option("--history", is_flag=True, help="Also list every earlier version of each price.")
@pass_app
def show(app: AppContext, day: datetime, history: bool) -> None:
    """Show the settlement prices of a day with their source."""
    table = Table(title=f"Settlement prices {day:%Y-%m-%d}", title_justify="left")
    for column in ("instrument", "price", "source", "detail", "operator", "recorded (UTC)"):
        table.add_column(column, justify="right" if column == "price" else "left")
    with transaction(app.migrated_engine()) as session:
        rows = session.execute(
            select(m.Instrument.code, m.SettlementPrice)
            .join(m.Instrument, m.Instrument.id == m.SettlementPrice.instrument_id)
            .where(m.SettlementPrice.trading_day == day.date())
            .order_by(m.Instrument.code)
        ).all()
        for code, price in rows:
            table.add_row(code, plain(price.price), price.source, price.detail, price.operator, f"{price.recorded_at:%Y-%m-%d %H:%M:%S}")
        versions = []
        if history:
            versions = session.execute(
                select(m.Instrument.code, m.SettlementPriceVersion)
                .join(m.Instrument, m.Instrument.id == m.SettlementPriceVersion.instrument_id)
                .where(m.SettlementPriceVersion.trading_day == day.date())
                .order_by(m.Instrument.code, m.SettlementPriceVersion.id)
            ).all()
    table.caption = f"{len(rows)} price{'s' if len(rows) != 1 else ''}"
    app.console.print(table)
    if history:
        past = Table(title="History (oldest first; the last of each instrument is in force)", title_justify="left")
        for column in ("instrument", "price", "source", "reason", "operator", "recorded (UTC)", "run"):
            past.add_column(column)
        for code, version in versions:
            past.add_row(
                code, plain(version.price), version.source, version.reason, version.operator,
                f"{version.recorded_at:%Y-%m-%d %H:%M:%S}", str(version.run_id or ""),
            )
        app.console.print(past)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{file}: not UTF-8 text (byte {exc.start}); nothing was imported") from None
