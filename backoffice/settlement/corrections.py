"""Trade busts and amends, and operator-set (official) settlement prices.

Both are corrections after the fact, and both keep history instead of rewriting it: a bust
or amend is a new `trade_correction` row (the trade row keeps its original values, the row
records the values before and after, who, when and why), and a new official price is a new
`settlement_price_version` while `settlement_price` holds the one in force. A corrected day
that is already settled is recomputed with `fixbroker settle rerun --from DAY`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import models as m


class CorrectionError(ValueError):
    """A correction that must not be recorded; the message says why."""


@dataclass(frozen=True, slots=True)
class TradeState:
    """A trade's values in force: its own, or those of its latest correction."""

    trade: m.Trade
    busted: bool
    price: Decimal
    qty: int


def trade_state(session: Session, trade_id: str) -> TradeState:
    trade = session.get(m.Trade, trade_id)
    if trade is None:
        raise CorrectionError(f"unknown trade {trade_id!r}")
    latest = session.scalars(
        select(m.TradeCorrection).where(m.TradeCorrection.trade_id == trade_id).order_by(m.TradeCorrection.id.desc()).limit(1)
    ).first()
    if latest is None:
        return TradeState(trade, False, trade.price, trade.qty)
    if latest.action == "bust":
        return TradeState(trade, True, latest.previous_price, latest.previous_qty)
    assert latest.price is not None and latest.qty is not None
    return TradeState(trade, False, latest.price, latest.qty)


def bust(session: Session, trade_id: str, *, reason: str, operator: str, now: datetime) -> m.TradeCorrection:
    state = trade_state(session, trade_id)
    if state.busted:
        raise CorrectionError(f"trade {trade_id} is already busted")
    return _record(session, state, "bust", None, None, reason, operator, now)


def amend(
    session: Session, trade_id: str, *, price: Decimal | None, qty: int | None, reason: str, operator: str, now: datetime
) -> m.TradeCorrection:
    state = trade_state(session, trade_id)
    if state.busted:
        raise CorrectionError(f"trade {trade_id} is busted; it cannot be amended")
    if price is None and qty is None:
        raise CorrectionError("give --price, --qty or both")
    new_price = state.price if price is None else price
    new_qty = state.qty if qty is None else qty
    tick = state.trade.instrument.tick_size
    if new_price <= 0 or new_price % tick != 0:
        raise CorrectionError(f"price {new_price} must be positive and on the tick {tick.normalize():f} of {state.trade.instrument.code}")
    if new_qty <= 0:
        raise CorrectionError(f"qty must be a positive whole number of lots, got {new_qty}")
    if (new_price, new_qty) == (state.price, state.qty):
        raise CorrectionError(f"trade {trade_id} already has price {state.price} and qty {state.qty}")
    return _record(session, state, "amend", new_price, new_qty, reason, operator, now)


def _record(
    session: Session, state: TradeState, action: str, price: Decimal | None, qty: int | None, reason: str, operator: str, now: datetime
) -> m.TradeCorrection:
    if not reason.strip():
        raise CorrectionError("a reason is required")
    row = m.TradeCorrection(
        trade_id=state.trade.id, action=action, price=price, qty=qty, previous_price=state.price, previous_qty=state.qty,
        reason=reason.strip(), operator=operator, recorded_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class PriceSet:
    instrument: str
    trading_day: date
    price: Decimal
    replaced: tuple[Decimal, str] | None  # the price and source it replaced


def set_official_price(
    session: Session, instrument: str, day: date, price: Decimal, *, reason: str, operator: str, now: datetime
) -> PriceSet:
    row = session.scalars(select(m.Instrument).where(m.Instrument.code == instrument)).one_or_none()
    if row is None:
        raise CorrectionError(f"unknown instrument {instrument!r}")
    if price <= 0 or price % row.tick_size != 0:
        raise CorrectionError(f"price {price} must be positive and on the tick {row.tick_size.normalize():f} of {instrument}")
    detail = f"set by {operator}" + (f": {reason}" if reason else "")
    current = session.get(m.SettlementPrice, (row.id, day))
    replaced = None
    if current is None:
        session.add(m.SettlementPrice(
            instrument_id=row.id, trading_day=day, price=price, source="official", detail=detail[:256], recorded_at=now, operator=operator,
        ))
    else:
        replaced = (current.price, current.source)
        current.price, current.source, current.detail, current.recorded_at, current.operator = price, "official", detail[:256], now, operator
    session.add(m.SettlementPriceVersion(
        instrument_id=row.id, trading_day=day, price=price, source="official", detail=detail[:256],
        reason=(reason or "official price")[:256], operator=operator, recorded_at=now, run_id=None,
    ))
    session.flush()
    return PriceSet(instrument, day, price, replaced)


def is_settled(session: Session, day: date) -> bool:
    return session.scalar(
        select(m.SettlementRun.id).where(m.SettlementRun.trading_day == day, m.SettlementRun.status == "current")
    ) is not None
