"""Write one settled day: the run, every result row, the prices; supersede the old run.

Called inside the caller's transaction, after `settle_day` found no problem: everything here
is either committed together or not at all. The result rows (millions a day) go table by
table through `BulkInsert`, straight to the driver, in a stable order, so two runs
of the same inputs write the same figures.

A computed settlement price is written to `settlement_price` (the price in force) and, when
it is new or differs from what was there, appended to `settlement_price_version` with the
run and its reason. An official price is never replaced by a computed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.db.bulk import BulkInsert
from backoffice.domain.enums import OffsetFlag, PositionDirection, Side

from .day import DayOutcome
from .loading import DayData
from .prices import PriceSource, SettlementPrice

# settlement_price.source spells the no-trade case 'previous'.
DB_SOURCE = {
    PriceSource.OFFICIAL: "official",
    PriceSource.LAST_HOUR_VWAP: "last_hour_vwap",
    PriceSource.WHOLE_DAY_VWAP: "whole_day_vwap",
    PriceSource.PREVIOUS_SETTLEMENT: "previous",
}

# Stored value of each enum member: a dict lookup per row is cheaper than the enum's `.value`.
SIDE = {side: side.value for side in Side}
OFFSET = {flag: flag.value for flag in OffsetFlag}
DIRECTION = {direction: direction.value for direction in PositionDirection}


@dataclass(frozen=True, slots=True)
class RunMeta:
    operator: str
    reason: str  # why this run (first run, rerun after a price correction, ...)
    forced: bool
    force_reason: str
    started_at: datetime
    final: bool  # the day's dispute deadline had passed when the run started


def write_day(session: Session, data: DayData, outcome: DayOutcome, meta: RunMeta, finished_at: datetime) -> tuple[int, int | None]:
    """(new run id, id of the run it superseded or None)."""
    old = session.scalars(
        select(m.SettlementRun).where(m.SettlementRun.trading_day == data.trading_day, m.SettlementRun.status == "current")
    ).one_or_none()
    if old is not None:
        old.status = "superseded"
        session.flush()
    run = m.SettlementRun(
        trading_day=data.trading_day, status="current", started_at=meta.started_at, finished_at=finished_at,
        operator=meta.operator, reason=meta.reason, forced=meta.forced, force_reason=meta.force_reason,
        final=meta.final, cash_through=data.cash_through,
    )
    session.add(run)
    session.flush()
    if old is not None:
        old.superseded_by_id = run.id
    _write_results(session, run.id, data, outcome)
    _write_prices(session, data, outcome.prices.values(), run.id, meta, finished_at)
    session.flush()
    return run.id, old.id if old is not None else None


def _write_results(session: Session, run_id: int, data: DayData, outcome: DayOutcome) -> None:
    """Every result row of the run, table by table, through `BulkInsert` (millions a day)."""
    account_ids = {code: ref.id for code, ref in data.accounts.items()}
    instrument_ids = data.instrument_ids
    results = outcome.results()

    table = BulkInsert(session, m.SettlementAccount, (
        "run_id", "account_id", "level", "balance_bf", "deposits", "withdrawals", "close_pnl", "position_mtm", "fees", "balance_cf",
        "equity", "margin", "available", "risk_degree", "margin_call",
    ))
    money, risk = table.storage("balance_bf"), table.storage("risk_degree")
    table.write(
        (run_id, account_ids[r.account], level, money(r.balance_bf), money(r.deposits), money(r.withdrawals), money(r.close_pnl),
         money(r.position_mtm), money(r.fees), money(r.balance_cf), money(r.equity), money(r.margin), money(r.available),
         risk(r.risk_degree), money(r.margin_call))
        for level, r in results
    )

    table = BulkInsert(session, m.SettlementTradeLine, (
        "run_id", "account_id", "trade_id", "side", "holder", "instrument_id", "offset_flag", "price", "qty", "executed_at", "forced",
        "fee", "realized",
    ))
    money, price = table.storage("fee"), table.storage("price", repeating=True)
    when, forced = table.storage("executed_at", repeating=True), table.storage("forced", repeating=True)
    table.write(
        (run_id, account_id, line.trade_id, SIDE[line.side], line.holder, instrument_ids[line.instrument], OFFSET[line.offset],
         price(line.price), line.qty, when(line.time), forced(line.forced), money(fee), money(realized))
        for _, r in results for account_id in (account_ids[r.account],) for line, fee, realized in r.trades
    )

    table = BulkInsert(session, m.SettlementClose, (
        "run_id", "account_id", "seq", "trade_id", "holder", "instrument_id", "direction", "open_date", "open_trade_id", "qty",
        "open_price", "previous_settlement", "close_price", "pnl",
    ))
    money, price, day = table.storage("pnl"), table.storage("open_price", repeating=True), table.storage("open_date", repeating=True)
    table.write(
        (run_id, account_id, seq, c.trade_id, c.holder, instrument_ids[c.instrument], DIRECTION[c.direction], day(c.open_date),
         c.open_trade_id, c.qty, price(c.open_price), price(c.previous_settlement), price(c.close_price), money(c.pnl))
        for _, r in results for account_id in (account_ids[r.account],) for seq, c in enumerate(r.closes, 1)
    )

    table = BulkInsert(session, m.SettlementLot, (
        "run_id", "account_id", "seq", "holder", "instrument_id", "direction", "open_date", "open_trade_id", "qty", "open_price",
        "previous_settlement", "settlement", "accumulated_pnl", "mtm", "margin",
    ))
    money, price, day = table.storage("mtm"), table.storage("open_price", repeating=True), table.storage("open_date", repeating=True)
    table.write(
        (run_id, account_id, seq, p.holder, instrument_ids[p.instrument], DIRECTION[p.direction], day(p.open_date), p.open_trade_id,
         p.qty, price(p.open_price), price(p.previous_settlement), price(p.settlement), money(p.accumulated_pnl), money(p.mtm),
         money(p.margin))
        for _, r in results for account_id in (account_ids[r.account],) for seq, p in enumerate(r.positions, 1)
    )

    table = BulkInsert(session, m.SettlementMargin, ("run_id", "account_id", "holder", "product", "long_margin", "short_margin", "charged"))
    money = table.storage("charged")
    table.write(
        (run_id, account_id, g.holder, g.product, money(g.long_margin), money(g.short_margin), money(g.charged))
        for _, r in results for account_id in (account_ids[r.account],) for g in r.margins
    )

    table = BulkInsert(session, m.SettlementReserve, (
        "run_id", "account_id", "reserve_bf", "margin_bf", "margin", "pnl", "deposits", "withdrawals", "fees", "reserve", "min_reserve",
        "margin_call", "net_settlement",
    ))
    money = table.storage("reserve")
    table.write(
        (run_id, account_ids[v.account], money(v.reserve_bf), money(v.margin_bf), money(v.margin), money(v.pnl), money(v.deposits),
         money(v.withdrawals), money(v.fees), money(v.reserve), money(v.min_reserve), money(v.margin_call), money(v.net_settlement))
        for v in outcome.reserves
    )

    if outcome.calls:
        assert outcome.deadline is not None
        table = BulkInsert(session, m.MarginCall, ("run_id", "account_id", "level", "amount", "deadline"))
        money, deadline = table.storage("amount"), table.storage("deadline")(outcome.deadline)
        table.write((run_id, account_ids[c.account], c.level, money(c.amount), deadline) for c in outcome.calls)


def price_detail(price: SettlementPrice, timezone: Any) -> str:
    """How a computed price was found, in words (the window in exchange local time)."""
    if price.source is PriceSource.PREVIOUS_SETTLEMENT:
        return "no trade today: previous settlement"
    assert price.window_start is not None and price.window_end is not None
    window = f"{price.window_start.astimezone(timezone):%H:%M}-{price.window_end.astimezone(timezone):%H:%M}"
    if price.source is PriceSource.LAST_HOUR_VWAP:
        back = "the last hour" if not price.hours_back else f"{price.hours_back} hour(s) back"
        return f"VWAP {window} ({back}), {price.lots} lots"
    return f"whole-day VWAP {window}, {price.lots} lots"


def _write_prices(session: Session, data: DayData, prices: Iterable[SettlementPrice], run_id: int, meta: RunMeta, now: datetime) -> None:
    existing = {
        row.instrument_id: row
        for row in session.scalars(select(m.SettlementPrice).where(m.SettlementPrice.trading_day == data.trading_day))
    }
    for price in prices:
        if price.source is PriceSource.OFFICIAL:
            continue
        instrument_id = data.instrument_ids[price.instrument]
        source = DB_SOURCE[price.source]
        detail = price_detail(price, data.calendar.tz)
        row = existing.get(instrument_id)
        if row is not None and (row.source == "official" or (row.price, row.source, row.detail) == (price.price, source, detail)):
            continue
        if row is None:
            session.add(m.SettlementPrice(
                instrument_id=instrument_id, trading_day=data.trading_day, price=price.price, source=source,
                detail=detail, recorded_at=now, operator=meta.operator,
            ))
        else:
            row.price, row.source, row.detail, row.recorded_at, row.operator = price.price, source, detail, now, meta.operator
        session.add(m.SettlementPriceVersion(
            instrument_id=instrument_id, trading_day=data.trading_day, price=price.price, source=source, detail=detail,
            reason=f"settlement run: {meta.reason}", operator=meta.operator, recorded_at=now, run_id=run_id,
        ))
