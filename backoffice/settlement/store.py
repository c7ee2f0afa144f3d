"""Write one settled day: the run, every result row, the prices; supersede the old run.

Called inside the caller's transaction, after `settle_day` found no problem: everything here
is either committed together or not at all. Rows go in with bulk INSERTs (one statement per
table), in a stable order, so two runs of the same inputs write the same figures.

A computed settlement price is written to `settlement_price` (the price in force) and, when
it is new or differs from what was there, appended to `settlement_price_version` with the
run and its reason. An official price is never replaced by a computed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backoffice.db import models as m

from .day import DayOutcome
from .loading import DayData
from .prices import PriceSource, SettlementPrice
from .results import AccountResult

# settlement_price.source spells the no-trade case 'previous'.
DB_SOURCE = {
    PriceSource.OFFICIAL: "official",
    PriceSource.LAST_HOUR_VWAP: "last_hour_vwap",
    PriceSource.WHOLE_DAY_VWAP: "whole_day_vwap",
    PriceSource.PREVIOUS_SETTLEMENT: "previous",
}


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
    account_ids = {code: ref.id for code, ref in data.accounts.items()}
    instrument_ids = data.instrument_ids
    results = outcome.results()
    _insert(session, m.SettlementAccount, (_account_row(run.id, account_ids[r.account], level, r) for level, r in results))
    _insert(session, m.SettlementTradeLine, (
        {
            "run_id": run.id, "account_id": account_ids[r.account], "trade_id": t.line.trade_id, "side": t.line.side.value,
            "holder": t.line.holder, "instrument_id": instrument_ids[t.line.instrument], "offset_flag": t.line.offset.value,
            "price": t.line.price, "qty": t.line.qty, "executed_at": t.line.time, "forced": t.line.forced,
            "fee": t.fee, "realized": t.realized,
        }
        for _, r in results for t in r.trades
    ))
    _insert(session, m.SettlementClose, (
        {
            "run_id": run.id, "account_id": account_ids[r.account], "seq": seq, "trade_id": c.trade_id, "holder": c.holder,
            "instrument_id": instrument_ids[c.instrument], "direction": c.direction.value, "open_date": c.open_date,
            "open_trade_id": c.open_trade_id, "qty": c.qty, "open_price": c.open_price,
            "previous_settlement": c.previous_settlement, "close_price": c.close_price, "pnl": c.pnl,
        }
        for _, r in results for seq, c in enumerate(r.closes, 1)
    ))
    _insert(session, m.SettlementLot, (
        {
            "run_id": run.id, "account_id": account_ids[r.account], "seq": seq, "holder": p.holder,
            "instrument_id": instrument_ids[p.instrument], "direction": p.direction.value, "open_date": p.open_date,
            "open_trade_id": p.open_trade_id, "qty": p.qty, "open_price": p.open_price,
            "previous_settlement": p.previous_settlement, "settlement": p.settlement,
            "accumulated_pnl": p.accumulated_pnl, "mtm": p.mtm, "margin": p.margin,
        }
        for _, r in results for seq, p in enumerate(r.positions, 1)
    ))
    _insert(session, m.SettlementMargin, (
        {
            "run_id": run.id, "account_id": account_ids[r.account], "holder": g.holder, "product": g.product,
            "long_margin": g.long_margin, "short_margin": g.short_margin, "charged": g.charged,
        }
        for _, r in results for g in r.margins
    ))
    _insert(session, m.SettlementReserve, (
        {
            "run_id": run.id, "account_id": account_ids[v.account], "reserve_bf": v.reserve_bf, "margin_bf": v.margin_bf,
            "margin": v.margin, "pnl": v.pnl, "deposits": v.deposits, "withdrawals": v.withdrawals, "fees": v.fees,
            "reserve": v.reserve, "min_reserve": v.min_reserve, "margin_call": v.margin_call, "net_settlement": v.net_settlement,
        }
        for v in outcome.reserves
    ))
    if outcome.calls:
        assert outcome.deadline is not None
        _insert(session, m.MarginCall, (
            {"run_id": run.id, "account_id": account_ids[c.account], "level": c.level, "amount": c.amount, "deadline": outcome.deadline}
            for c in outcome.calls
        ))
    _write_prices(session, data, outcome.prices.values(), run.id, meta, finished_at)
    session.flush()
    return run.id, old.id if old is not None else None


def _account_row(run_id: int, account_id: int, level: int, r: AccountResult) -> dict[str, Any]:
    return {
        "run_id": run_id, "account_id": account_id, "level": level, "balance_bf": r.balance_bf, "deposits": r.deposits,
        "withdrawals": r.withdrawals, "close_pnl": r.close_pnl, "position_mtm": r.position_mtm, "fees": r.fees,
        "balance_cf": r.balance_cf, "equity": r.equity, "margin": r.margin, "available": r.available,
        "risk_degree": r.risk_degree, "margin_call": r.margin_call,
    }


def _insert(session: Session, model: type, rows: Iterable[dict[str, Any]]) -> None:
    batch = list(rows)
    if batch:
        session.execute(insert(model), batch)


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
