"""Trading phases, end of day and a new trading day, on both books."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matching_desk import BUY, DAY, SELL, kinds

from gateway.matching import CancelReason, OrdType, RejectReason, TimeInForce, TradingPhase


def test_a_new_book_is_closed(make_desk):
    desk = make_desk(phase=None)
    assert desk.book.phase is TradingPhase.CLOSED
    assert desk.order("b1", BUY, 1, 100)[0].reason is RejectReason.MARKET_CLOSED


def test_closed_book_rejects_orders_and_replaces_but_cancels(desk):
    desk.order("g1", BUY, 1, 95, tif=TimeInForce.GTC)
    desk.phase(TradingPhase.CLOSED)
    assert desk.order("b1", BUY, 1, 100)[0].reason is RejectReason.MARKET_CLOSED
    assert desk.replace("g1", "r1", qty=1, price=96)[0].reason is RejectReason.MARKET_CLOSED
    assert kinds(desk.cancel("g1")) == ["Canceled"]


def test_break_keeps_the_book_and_trading_resumes_after(desk):
    desk.order("b1", BUY, 2, 100)
    desk.phase(TradingPhase.BREAK)
    assert desk.order("s1", SELL, 1, 100)[0].reason is RejectReason.TRADING_BREAK
    assert desk.bids() == [(100, [("b1", 2)])]
    assert kinds(desk.phase(TradingPhase.CONTINUOUS)) == ["PhaseChanged"]
    assert kinds(desk.order("s1", SELL, 1, 100)) == ["Accepted", "Trade"]


def test_new_day_moves_limits_and_cancels_good_till_orders_outside_them(desk):
    desk.order("in", BUY, 1, 95, tif=TimeInForce.GTC)
    desk.order("out", BUY, 1, 91, tif=TimeInForce.GTC)
    desk.order("stop-out", SELL, 1, ord_type=OrdType.STOP, stop_price=92, tif=TimeInForce.GTC)
    desk.order("s1", SELL, 1, 100)
    desk.order("b1", BUY, 1, 100)  # a print, so there is a last price
    desk.phase(TradingPhase.CLOSED)
    next_day = DAY + timedelta(days=1)
    events = desk.new_day(next_day, 93, 113, 103)
    assert [(e.order_id, e.reason) for e in events] == [
        ("out", CancelReason.OUTSIDE_PRICE_LIMITS),
        ("stop-out", CancelReason.OUTSIDE_PRICE_LIMITS),
    ]
    assert desk.book.trading_day == next_day and desk.book.last_price is None
    assert desk.bids() == [(95, [("in", 1)])]
    desk.phase(TradingPhase.CONTINUOUS)
    assert kinds(desk.order("hi", SELL, 1, 113)) == ["Accepted"]
    assert desk.order("lo", SELL, 1, 92)[0].reason is RejectReason.PRICE_OUTSIDE_LIMITS


def test_new_day_only_while_closed(desk):
    with pytest.raises(ValueError, match="CLOSED"):
        desk.new_day(DAY + timedelta(days=1), 90, 110, 100)


def test_expiry_takes_held_day_stops_too(desk):
    desk.order("st1", BUY, 1, ord_type=OrdType.STOP, stop_price=105)
    desk.order("st2", BUY, 1, ord_type=OrdType.STOP, stop_price=105, tif=TimeInForce.GTC)
    assert [e.order_id for e in desk.expire_day()] == ["st1"]
    assert desk.held() == ["st2"]
