"""`fixbroker trades`: import cleared trades (partial custody), list them, bust or amend them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.refdata import repository
from backoffice.settlement import corrections
from backoffice.settlement.trade_import import parse_trades, store_trades

from . import clock
from .context import AppContext, CommandError, default_operator, fail_on, pass_app
from .formats import plain

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("trades")
def group() -> None:
    """Trades: import trades cleared here but executed elsewhere, list, bust and amend."""


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def import_(app: AppContext, file: Path) -> None:
    """Import trades from FILE.csv, one row per trade leg.

    \b
    Columns: trade_id, trading_day (YYYY-MM-DD), account, instrument, side (buy|sell),
    offset (open|close|close_today|close_yesterday), price, qty, time (ISO 8601 with
    offset). A trade has one row (our client's leg only) or two (buy and sell).
    Every bad row is reported as FILE:LINE: field: problem and nothing is imported when
    any row is bad. Importing a trade id again with the same values changes nothing.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{file}: not UTF-8 text (byte {exc.start}); nothing was imported") from None
    with transaction(app.migrated_engine()) as session, fail_on(LookupError):
        accounts = set(session.scalars(select(m.Account.code).where(m.Account.kind == "client")))
        trades, errors = parse_trades(text, accounts=accounts, instruments=repository.instruments(session), calendar=repository.load_calendar(session))
        stored = None
        if not errors:
            stored, errors = store_trades(session, trades)
        if errors:
            for error in errors:
                app.console.print(error.render(str(file)), style="red", markup=False, highlight=False)
            raise CommandError(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in {file}; nothing was imported")
        assert stored is not None
        settled = [day for day in stored.days if corrections.is_settled(session, day)]
    app.console.print(
        f"{file}: {len(stored.imported)} trade{'s' if len(stored.imported) != 1 else ''} imported, "
        f"{len(stored.unchanged)} already imported",
        markup=False,
    )
    for day in settled:
        app.console.print(f"{day} is settled: run `fixbroker settle rerun --from {day}` to include the new trades", markup=False)


@group.command("list")
@click.option("--date", "day", type=_DATE, required=True, help="Trading day.")
@click.option("--account", help="Only trades with a leg on this account.")
@pass_app
def list_(app: AppContext, day: datetime, account: str | None) -> None:
    """List a day's trades, one line per leg, with corrections applied."""
    table = Table(title=f"Trades {day:%Y-%m-%d}", title_justify="left")
    for column in ("trade", "time (UTC)", "instrument", "account", "B/S", "O/C", "price", "qty", "source", "status"):
        table.add_column(column, justify="right" if column in ("price", "qty") else "left")
    count = 0
    with transaction(app.migrated_engine()) as session:
        if account and session.scalar(select(m.Account.id).where(m.Account.code == account)) is None:
            raise CommandError(f"unknown account {account!r}")
        query = (
            select(m.Trade).where(m.Trade.trading_day == day.date()).order_by(m.Trade.executed_at, m.Trade.id)
        )
        for trade in session.scalars(query):
            legs = [leg for leg in trade.legs if account is None or leg.account.code == account]
            if not legs:
                continue
            state = corrections.trade_state(session, trade.id)
            status = "busted" if state.busted else "amended" if (state.price, state.qty) != (trade.price, trade.qty) else ""
            for leg in legs:
                offset = "forced " + leg.offset_flag if leg.forced else leg.offset_flag
                table.add_row(
                    trade.id, f"{trade.executed_at:%H:%M:%S}", trade.instrument.code, leg.account.code, leg.side, offset,
                    plain(state.price), str(state.qty), trade.source, status,
                )
            count += 1
    table.caption = f"{count} trade{'s' if count != 1 else ''}"
    app.console.print(table)


@group.command()
@click.argument("trade_id")
@click.option("--reason", required=True, help="Why the trade is busted (kept in the audit).")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@pass_app
def bust(app: AppContext, trade_id: str, reason: str, operator: str) -> None:
    """Bust (cancel) trade TRADE_ID; it keeps its values, settlement leaves it out."""
    with transaction(app.migrated_engine()) as session, fail_on(corrections.CorrectionError):
        row = corrections.bust(session, trade_id, reason=reason, operator=operator, now=clock.now())
        day = corrections.trade_state(session, trade_id).trade.trading_day
        settled = corrections.is_settled(session, day)
    app.console.print(f"trade {trade_id} busted (correction {row.id})", markup=False)
    if settled:
        app.console.print(f"{day} is settled: run `fixbroker settle rerun --from {day}` to apply", markup=False)


@group.command()
@click.argument("trade_id")
@click.option("--price", help="The corrected price.")
@click.option("--qty", type=click.IntRange(min=1), help="The corrected quantity in lots.")
@click.option("--reason", required=True, help="Why the trade is amended (kept in the audit).")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@pass_app
def amend(app: AppContext, trade_id: str, price: str | None, qty: int | None, reason: str, operator: str) -> None:
    """Amend the price and/or quantity of trade TRADE_ID (both legs)."""
    value = None
    if price is not None:
        try:
            value = Decimal(price)
        except InvalidOperation:
            raise CommandError(f"price must be a decimal number, got {price!r}") from None
    with transaction(app.migrated_engine()) as session, fail_on(corrections.CorrectionError):
        row = corrections.amend(session, trade_id, price=value, qty=qty, reason=reason, operator=operator, now=clock.now())
        day = corrections.trade_state(session, trade_id).trade.trading_day
        settled = corrections.is_settled(session, day)
    app.console.print(
        f"trade {trade_id} amended (correction {row.id}): price {plain(row.previous_price)} -> {row.price}, "
        f"qty {row.previous_qty} -> {row.qty}",
        markup=False,
    )
    if settled:
        app.console.print(f"{day} is settled: run `fixbroker settle rerun --from {day}` to apply", markup=False)

