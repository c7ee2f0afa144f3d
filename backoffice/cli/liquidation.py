"""`fixbroker settle liquidate`: forced-close orders for margin calls not met by the deadline.

Wires the back office to the trading core (the CLI is the composition root). For the
trading day DATE, the margin calls of the previous trading day's settlement are checked
against the cash that came in since (`ledger.cash.funds`): a call is cured when margin
occupied is below equity again. For every uncured client account the plan of
`settlement.liquidation` (largest margin first, until the risk degree is below 100%)
becomes limit orders at the day's price limit (sell at the lower, buy at the upper limit:
the most aggressive price allowed), flagged forced liquidation, with a plain CLOSE offset
(on SHFE/INE a plain close is a close-yesterday, which these lots are).

The orders go through the core exactly like FIX orders: the day's journal is replayed to
rebuild the core, each order is risk-checked (a forced close passes the funds and member
checks by construction), matched, and journalled before anything is reported. If the other
side is absent the order rests in the book like any DAY order; its trades, when they come,
carry forced=True and settlement shows them as forced liquidation. The books must be open
(call auction or continuous trading): run this while the gateway has not yet started the day
or after it has stopped, since the core writes the journal; the gateway rebuilds from it. A
gateway serving the day (by its status file) is refused, never written around.
ClOrdIDs are derived from the day, account, instrument and direction, so running the
command twice submits nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.domain.enums import OffsetFlag, OrdType, PositionDirection, Side, TimeInForce
from backoffice.ledger import cash
from backoffice.refdata import repository
from backoffice.settlement.liquidation import ForcedClose, HeldPosition, forced_closes
from gateway.core.commands import NewOrder
from gateway.core.journal import JournalWriter, OrderService, rebuild
from gateway.core.service import Refused, TradingCore
from gateway.core.startofday import load_start_of_day
from gateway.core.timestamps import to_nanoseconds
from gateway.fix.statusfile import serving
from gateway.matching import OrderStatus, TradingPhase
from gateway.risk.request import OrderRequest

from . import clock
from .context import AppContext, CommandError, pass_app

GATEWAY_STATUS = Path("var/fix/status.json")  # `fixbroker gateway run`'s default status file
RISK_DESK = "RISKDESK"  # the session name forced orders are entered under
_DATE = click.DateTime(["%Y-%m-%d"])


@click.command("liquidate")
@click.option("--date", "day", type=_DATE, required=True, help="The trading day on which to liquidate (the one after the call).")
@click.option("--force", is_flag=True, help="Liquidate before the margin-call deadline.")
@pass_app
def liquidate(app: AppContext, day: datetime, force: bool) -> None:
    """Submit forced-close orders for the uncured margin calls of the previous day."""
    trading_day = day.date()
    now = clock.now()
    engine = app.migrated_engine()
    with transaction(engine) as session:
        called_day = repository.load_calendar(session).previous_trading_day(trading_day)
        run_row = session.scalars(
            select(m.SettlementRun).where(m.SettlementRun.trading_day == called_day, m.SettlementRun.status == "current")
        ).one_or_none()
        if run_row is None:
            raise CommandError(f"{called_day}, the trading day before {trading_day}, is not settled")
        plan, cured, deadline = liquidation_plan(session, run_row.id)
    if deadline is not None and now < deadline and not force:
        raise CommandError(f"the margin calls of {called_day} are due at {deadline:%Y-%m-%d %H:%M %Z}; liquidating earlier needs --force")
    for account in cured:
        app.console.print(f"{account}: margin call met, nothing to liquidate", markup=False)
    if not plan:
        app.console.print(f"no forced liquidation for {trading_day}", markup=False)
        return
    outcomes = _submit(engine, trading_day, plan, now)
    table = Table(title=f"Forced liquidation {trading_day}", title_justify="left")
    for column in ("account", "instrument", "closes", "lots", "ClOrdID", "outcome"):
        table.add_column(column)
    for close, cl_ord_id, outcome in outcomes:
        table.add_row(close.account, close.instrument, close.direction.value, str(close.qty), cl_ord_id, outcome)
    app.console.print(table)


def liquidation_plan(session: Session, run_id: int) -> tuple[list[ForcedClose], list[str], datetime | None]:
    calls = session.execute(
        select(m.MarginCall, m.Account)
        .join(m.Account, m.Account.id == m.MarginCall.account_id)
        .where(m.MarginCall.run_id == run_id, m.Account.kind == "client")
        .order_by(m.Account.code)
    ).all()
    plan: list[ForcedClose] = []
    cured: list[str] = []
    deadline = calls[0][0].deadline if calls else None
    for _, account in calls:
        funds = cash.funds(session, account)
        equity = funds.balance
        if funds.margin_held < equity:
            cured.append(account.code)
            continue
        plan += forced_closes(account.code, equity, _positions(session, run_id, account.id))
    return plan, cured, deadline


def _positions(session: Session, run_id: int, account_id: int) -> list[HeldPosition]:
    held: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0), None])
    for lot, instrument in session.execute(
        select(m.SettlementLot, m.Instrument)
        .join(m.Instrument, m.Instrument.id == m.SettlementLot.instrument_id)
        .where(m.SettlementLot.run_id == run_id, m.SettlementLot.account_id == account_id)
    ):
        entry = held[(instrument.code, lot.direction)]
        entry[0] += lot.qty
        entry[1] += lot.margin
        entry[2] = instrument
    return [
        HeldPosition(code, instrument.product.code, PositionDirection(direction), qty, margin, instrument.large_side_margin)
        for (code, direction), (qty, margin, instrument) in sorted(held.items())
    ]


def _submit(engine: Engine, trading_day: date, plan: list[ForcedClose], now: datetime) -> list[tuple[ForcedClose, str, str]]:
    pid = serving(GATEWAY_STATUS, trading_day)
    if pid is not None:
        raise CommandError(f"the gateway (pid {pid}) is serving {trading_day} and writes its journal: stop it first (SIGTERM), liquidate, start it again")
    with transaction(engine) as session:
        state = load_start_of_day(session, trading_day)
    core = rebuild(engine, state)
    shut = sorted({c.instrument for c in plan if c.instrument in core.books and core.books[c.instrument].phase in (TradingPhase.CLOSED, TradingPhase.BREAK)})
    if shut:
        raise CommandError(f"the books of {', '.join(shut)} do not take orders now (closed or in a break); run at the call auction or in continuous trading")
    writer = JournalWriter(engine, trading_day, core.ticks)
    refused: dict[str, str] = {}

    def release(seq: int, command: object, outputs: list) -> None:
        for output in outputs:
            if isinstance(output, Refused):
                refused[output.cl_ord_id] = f"refused: {output.reject.text}"

    service = OrderService(core, writer, release, next_seq=writer.last_seq() + 1)
    submitted: list[tuple[ForcedClose, str, str]] = []
    time = to_nanoseconds(now)
    try:
        for close in plan:
            cl_ord_id = f"FL{trading_day:%Y%m%d}-{close.account}-{close.instrument}-{close.direction.value[0].upper()}"
            if core.order_by_cl_ord_id(RISK_DESK, cl_ord_id) is not None:
                submitted.append((close, cl_ord_id, "already submitted"))
                continue
            band = core.risk.bands.get(close.instrument)
            if band is None:
                submitted.append((close, cl_ord_id, "not submitted: the instrument has no price limits today"))
                continue
            sell = close.direction is PositionDirection.LONG
            request = OrderRequest(
                close.account, close.instrument, Side.SELL if sell else Side.BUY, OffsetFlag.CLOSE, OrdType.LIMIT,
                Decimal(close.qty), band.lower if sell else band.upper, tif=TimeInForce.DAY, forced=True,
            )
            time += 1
            service.execute(NewOrder(time, RISK_DESK, cl_ord_id, request))
            submitted.append((close, cl_ord_id, ""))
    finally:
        service.close()
    return [(close, cl_ord_id, outcome or _outcome(core, cl_ord_id, refused)) for close, cl_ord_id, outcome in submitted]


def _outcome(core: TradingCore, cl_ord_id: str, refused: dict[str, str]) -> str:
    record = core.order_by_cl_ord_id(RISK_DESK, cl_ord_id)
    if record is None:
        return refused.get(cl_ord_id, "refused")
    if record.status is OrderStatus.REJECTED:
        return "rejected by the book"
    if record.leaves_qty:
        return f"filled {record.cum_qty}, {record.leaves_qty} resting in the book" if record.cum_qty else f"resting in the book ({record.leaves_qty} lots)"
    return f"filled {record.cum_qty}"
