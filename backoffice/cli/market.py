"""`fixbroker market`: run a trading day through the order service without FIX clients.

For test venues, rehearsals and the demo: a seeded, realistic order flow from the venue's own
client accounts goes through the real core (risk, matching, journal) exactly as FIX orders
would, then the day is closed (DAY orders expire). The journal and the trades it leaves are
what settlement reads. `status` rebuilds the day from its journal and reports it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Engine, func, select

from backoffice.db import models as m
from backoffice.db.engine import transaction
from gateway.core.commands import EndOfDay, NewOrder
from gateway.core.journal import JournalWriter, OrderService, journal_commands, rebuild
from gateway.core.service import CancelRefused, Refused
from gateway.core.simulation import order_flow
from gateway.core.startofday import load_start_of_day
from gateway.core.timestamps import to_nanoseconds
from gateway.matching import Canceled, Expired, Trade
from gateway.risk.state import StartOfDayState

from .context import AppContext, CommandError, pass_app

_DATE = click.DateTime(["%Y-%m-%d"])
_DAY_NS = 6 * 3600 * 1_000_000_000


@click.group("market")
def group() -> None:
    """Run and inspect trading days of the order service."""


@group.command()
@click.option("--date", "day", type=_DATE, required=True, help="The trading day to trade.")
@click.option("--orders", type=click.IntRange(1, 10_000_000), default=2000, show_default=True, help="Commands in the flow.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the order flow (same seed, same day).")
@click.option("--skip-if-closed", is_flag=True, help="Succeed without trading when DATE is already closed (re-runnable scripts).")
@pass_app
def simulate(app: AppContext, day: datetime, orders: int, seed: int, skip_if_closed: bool) -> None:
    """Trade DATE with a synthetic flow from the venue's client accounts, then close it.

    Orders pass the same risk checks, books and journal as FIX orders, spread over 09:00-15:00
    with the books open throughout (the flow opens positions; it does not close them).
    Accounts need funds (`fixbroker cash deposit`) and instruments a previous settlement
    price to trade.
    """
    engine = app.migrated_engine()
    trading_day = day.date()
    state = _state(engine, trading_day)
    if not state.previous_settlement:
        raise CommandError(f"no instrument has a settlement price before {trading_day}; set one with `fixbroker prices set`")
    journal = journal_commands(engine, trading_day)
    if any(isinstance(c, EndOfDay) for _, c in journal):
        if skip_if_closed:
            app.console.print(f"{trading_day} is already traded and closed ({len(journal)} journalled commands); nothing to do")
            return
        raise CommandError(f"{trading_day} is already closed in the journal ({len(journal)} commands)")
    core = rebuild(engine, state)
    writer = JournalWriter(engine, trading_day, core.ticks)
    tally: Counter[str] = Counter()

    def release(seq: int, command: object, outputs: list) -> None:
        for output in outputs:
            tally[_label(output)] += 1

    service = OrderService(core, writer, release, next_seq=writer.last_seq() + 1)
    # The flow is spread over the day session (09:00-15:00 exchange time), so that
    # last-hour settlement prices have a last hour to work with.
    step = _DAY_NS // orders
    start = _day_start_ns(state, trading_day) + len(journal) * step
    flow = list(order_flow(state, orders, seed=seed, start_ns=start, sessions=_sessions(engine, state), step_ns=step))
    try:
        with Progress(console=app.console, transient=True) as progress:
            task = progress.add_task(f"trading {trading_day}", total=len(flow) + 1)
            for command in flow:
                service.execute(command)
                progress.advance(task)
            service.execute(EndOfDay(flow[-1].time + 1))
            progress.advance(task)
    finally:
        service.close()
    submitted = sum(isinstance(c, NewOrder) for c in flow)
    app.console.print(
        f"{trading_day}: {submitted} orders, {tally['trade']} trades, {tally['canceled']} cancels, "
        f"{tally['expired']} expired at the close, {tally['refused']} orders and {tally['cancel refused']} cancels refused; day closed"
    )


@group.command()
@click.option("--date", "day", type=_DATE, required=True)
@pass_app
def status(app: AppContext, day: datetime) -> None:
    """Rebuild DATE from its journal and report orders, trades and whether it is closed."""
    engine = app.migrated_engine()
    trading_day = day.date()
    core = rebuild(engine, _state(engine, trading_day))
    with transaction(engine) as session:
        trades = session.scalar(select(func.count()).select_from(m.Trade).where(m.Trade.trading_day == trading_day))
        commands = session.scalar(select(func.count()).select_from(m.JournalEntry).where(m.JournalEntry.trading_day == trading_day))
    table = Table(title=f"Trading day {trading_day}", title_justify="left", show_header=False)
    for label, value in (
        ("journalled commands", commands),
        ("orders", len(core.orders)),
        ("working orders", len(core.working_orders())),
        ("trades", trades),
        ("closed", "yes" if core.closed else "no"),
    ):
        table.add_row(label, str(value))
    app.console.print(table)


def _state(engine: Engine, trading_day: date) -> StartOfDayState:
    with transaction(engine) as session:
        return load_start_of_day(session, trading_day)


def _sessions(engine: Engine, state: StartOfDayState) -> dict[str, str]:
    """Each account's FIX session (the first entitled one), so orders look as they would."""
    with transaction(engine) as session:
        rows = session.execute(
            select(m.Account.code, m.FixSession.name)
            .join(m.FixSessionAccount, m.FixSessionAccount.account_id == m.Account.id)
            .join(m.FixSession, m.FixSession.id == m.FixSessionAccount.session_id)
            .order_by(m.FixSession.name)
        ).all()
    by_account: dict[str, str] = {}
    for account, name in rows:
        by_account.setdefault(account, name)
    return {account: by_account.get(account, "SIMULATOR") for account in state.accounts}


def _day_start_ns(state: StartOfDayState, trading_day: date) -> int:
    """09:00 exchange time on the trading day, as the flow's first timestamp."""
    zone = ZoneInfo(next(iter(state.exchanges.values())).timezone) if state.exchanges else ZoneInfo("UTC")
    return to_nanoseconds(datetime(trading_day.year, trading_day.month, trading_day.day, 9, 0, tzinfo=zone))


def _label(output: object) -> str:
    if isinstance(output, Trade):
        return "trade"
    if isinstance(output, Canceled):
        return "canceled"
    if isinstance(output, Expired):
        return "expired"
    if isinstance(output, Refused):
        return "refused"
    if isinstance(output, CancelRefused):
        return "cancel refused"
    return type(output).__name__.lower()
