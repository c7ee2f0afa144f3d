"""Order types and times in force in continuous trading, on both books."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from matching_desk import BUY, DAY, SELL, kinds, trades

from backoffice.domain.enums import OffsetFlag
from gateway.matching import (
    Accepted,
    Canceled,
    CancelReason,
    Expired,
    OrderStatus,
    OrdType,
    Rejected,
    RejectReason,
    TimeInForce,
    NewOrder,
    Trade,
    TradeIdCounter,
    TradeSide,
    TradingPhase,
)


def test_resting_limit_orders_form_price_levels_in_time_order(desk):
    desk.order("b1", BUY, 5, 99)
    desk.order("b2", BUY, 3, 100)
    desk.order("b3", BUY, 2, 99)
    desk.order("s1", SELL, 4, 102)
    desk.order("s2", SELL, 1, 101)
    assert desk.bids() == [(100, [("b2", 3)]), (99, [("b1", 5), ("b3", 2)])]
    assert desk.asks() == [(101, [("s2", 1)]), (102, [("s1", 4)])]


def test_accepted_event_reports_the_order(desk):
    (accepted,) = desk.order("b1", BUY, 5, 99)
    assert accepted == Accepted("b1", "cl-b1", BUY, OrdType.LIMIT, 5, 99, None, desk.time)
    assert (accepted.status, accepted.cum_qty, accepted.leaves_qty) == (OrderStatus.NEW, 0, 5)


def test_aggressor_sweeps_best_price_first_then_time_priority(desk):
    desk.order("s1", SELL, 2, 101)
    desk.order("s2", SELL, 3, 100)
    desk.order("s3", SELL, 4, 100)
    events = desk.order("b1", BUY, 8, 101)
    # 100 first (s2 then s3, oldest first), then 101: 3 + 4 + 1 = 8
    assert trades(events) == [(100, 3, "b1", "s2"), (100, 4, "b1", "s3"), (101, 1, "b1", "s1")]
    assert desk.asks() == [(101, [("s1", 1)])]
    assert desk.bids() == []
    last = events[-1]
    # average price of b1: (3*100 + 4*100 + 1*101) / 8 = 801 / 8 = 100.125 ticks
    assert last.buy.notional == 801
    assert last.buy.avg_price_ticks == Decimal("100.125")
    assert (last.buy.status, last.buy.cum_qty, last.buy.leaves_qty) == (OrderStatus.FILLED, 8, 0)
    assert (last.sell.status, last.sell.cum_qty, last.sell.leaves_qty) == (OrderStatus.PARTIALLY_FILLED, 1, 1)


def test_trades_happen_at_the_resting_price(desk):
    desk.order("b1", BUY, 2, 103)
    events = desk.order("s1", SELL, 2, 95)
    assert trades(events) == [(103, 2, "b1", "s1")]
    assert events[-1].aggressor is SELL
    assert desk.book.last_price == 103


def test_limit_remainder_rests_after_partial_fill(desk):
    desk.order("s1", SELL, 2, 100)
    events = desk.order("b1", BUY, 5, 100)
    assert kinds(events) == ["Accepted", "Trade"]
    assert events[1].buy.status is OrderStatus.PARTIALLY_FILLED
    assert desk.bids() == [(100, [("b1", 3)])]


def test_trade_records_both_sides_with_their_flags(book_class):
    book = book_class("cu2605", DAY, 90, 110, 100, trade_ids=TradeIdCounter(41, "SHFE-"))
    book.set_phase(TradingPhase.CONTINUOUS, 0)
    sell = NewOrder("s1", "c-s1", "acct-S", "mem-S", "sess-S", SELL, OrdType.LIMIT, TimeInForce.DAY, 3,
                    price=100, offset=OffsetFlag.CLOSE_TODAY, forced=True)
    buy = NewOrder("b1", "c-b1", "acct-B", "mem-B", "sess-B", BUY, OrdType.LIMIT, TimeInForce.DAY, 3, price=100)
    book.submit(sell, 5)
    _, trade = book.submit(buy, 7)
    assert isinstance(trade, Trade)
    assert (trade.trade_id, trade.instrument, trade.trading_day, trade.time) == ("SHFE-41", "cu2605", DAY, 7)
    assert (trade.price, trade.qty, trade.aggressor) == (100, 3, BUY)
    assert trade.buy == TradeSide("b1", "c-b1", "acct-B", "mem-B", "sess-B", OffsetFlag.OPEN, False,
                                  OrderStatus.FILLED, 3, 0, 300)
    assert trade.sell == TradeSide("s1", "c-s1", "acct-S", "mem-S", "sess-S", OffsetFlag.CLOSE_TODAY, True,
                                   OrderStatus.FILLED, 3, 0, 300)


def test_trade_ids_continue_from_a_seeded_counter(make_desk):
    desk = make_desk(trade_ids=TradeIdCounter(1000))
    desk.order("s1", SELL, 1, 100)
    desk.order("s2", SELL, 1, 100)
    events = desk.order("b1", BUY, 2, 100)
    assert [e.trade_id for e in events if isinstance(e, Trade)] == ["1000", "1001"]


def test_market_order_takes_all_prices_and_cancels_the_rest(desk):
    desk.order("s1", SELL, 2, 100)
    desk.order("s2", SELL, 2, 110)  # at the upper limit: still within the daily limits
    events = desk.market("m1", BUY, 6)
    assert trades(events) == [(100, 2, "m1", "s1"), (110, 2, "m1", "s2")]
    cancel = events[-1]
    assert isinstance(cancel, Canceled)
    assert (cancel.reason, cancel.canceled_qty, cancel.cum_qty) == (CancelReason.MARKET_REMAINDER, 2, 4)
    # avg price (2*100 + 2*110) / 4 = 420 / 4 = 105
    assert cancel.avg_price_ticks == Decimal(105)
    assert desk.asks() == [] and desk.bids() == []


def test_market_order_on_an_empty_side_is_cancelled(desk):
    events = desk.market("m1", SELL, 3)
    assert kinds(events) == ["Accepted", "Canceled"]
    assert events[1].reason is CancelReason.MARKET_REMAINDER
    assert events[1].avg_price_ticks is None


def test_market_order_with_a_price_is_rejected(desk):
    (rejected,) = desk.order("m1", BUY, 1, 100, ord_type=OrdType.MARKET)
    assert rejected.reason is RejectReason.UNEXPECTED_PRICE


def test_ioc_fills_what_it_can_and_cancels_the_rest(desk):
    desk.order("s1", SELL, 2, 100)
    desk.order("s2", SELL, 5, 102)
    events = desk.order("b1", BUY, 4, 101, tif=TimeInForce.IOC)
    assert trades(events) == [(100, 2, "b1", "s1")]
    assert (events[-1].reason, events[-1].canceled_qty) == (CancelReason.IOC_REMAINDER, 2)
    assert desk.bids() == []


def test_fok_that_cannot_fill_completely_trades_nothing(desk):
    desk.order("s1", SELL, 2, 100)
    desk.order("s2", SELL, 2, 101)
    desk.order("s3", SELL, 9, 103)
    events = desk.order("b1", BUY, 5, 101, tif=TimeInForce.FOK)  # only 2 + 2 = 4 up to 101
    assert kinds(events) == ["Accepted", "Canceled"]
    assert (events[1].reason, events[1].canceled_qty, events[1].cum_qty) == (CancelReason.FOK_UNFILLABLE, 5, 0)
    assert desk.asks() == [(100, [("s1", 2)]), (101, [("s2", 2)]), (103, [("s3", 9)])]


def test_fok_that_can_fill_fills_completely(desk):
    desk.order("s1", SELL, 2, 100)
    desk.order("s2", SELL, 2, 101)
    events = desk.order("b1", BUY, 4, 101, tif=TimeInForce.FOK)
    assert trades(events) == [(100, 2, "b1", "s1"), (101, 2, "b1", "s2")]
    assert events[-1].buy.status is OrderStatus.FILLED


def test_day_orders_expire_at_the_end_of_the_day_gtc_stays(desk):
    desk.order("d1", BUY, 3, 95)
    desk.order("g1", BUY, 2, 95, tif=TimeInForce.GTC)
    desk.order("s1", SELL, 1, 95)  # fills one lot of d1 first: d1 has 2 open
    events = desk.expire_day()
    assert events == [Expired("d1", "cl-d1", BUY, 2, 1, 95, desk.time)]
    assert events[0].status is OrderStatus.EXPIRED and events[0].leaves_qty == 0
    assert desk.bids() == [(95, [("g1", 2)])]


def test_gtd_orders_expire_after_their_expire_date(desk):
    desk.order("t0", BUY, 1, 95, tif=TimeInForce.GTD, expire_date=DAY)
    desk.order("t1", BUY, 1, 96, tif=TimeInForce.GTD, expire_date=DAY + timedelta(days=1))
    assert [e.order_id for e in desk.expire_day(DAY)] == ["t0"]
    assert [e.order_id for e in desk.expire_day(DAY + timedelta(days=1))] == ["t1"]


def test_gtd_needs_a_date_not_in_the_past_and_only_gtd_takes_one(desk):
    assert desk.order("x1", BUY, 1, 95, tif=TimeInForce.GTD)[0].reason is RejectReason.MISSING_EXPIRE_DATE
    yesterday = DAY - timedelta(days=1)
    assert desk.order("x2", BUY, 1, 95, tif=TimeInForce.GTD, expire_date=yesterday)[0].reason is RejectReason.EXPIRE_DATE_PASSED
    assert desk.order("x3", BUY, 1, 95, expire_date=DAY)[0].reason is RejectReason.UNEXPECTED_EXPIRE_DATE


def test_static_rejections(desk):
    def reason(events):
        (event,) = events
        assert isinstance(event, Rejected) and event.status is OrderStatus.REJECTED and event.text
        return event.reason

    assert reason(desk.order("x1", BUY, 0, 100)) is RejectReason.INVALID_QUANTITY
    assert reason(desk.order("x2", BUY, 1, None)) is RejectReason.MISSING_PRICE
    assert reason(desk.order("x3", BUY, 1, 111)) is RejectReason.PRICE_OUTSIDE_LIMITS
    assert reason(desk.order("x4", SELL, 1, 89)) is RejectReason.PRICE_OUTSIDE_LIMITS
    assert reason(desk.order("x5", BUY, 1, 100, stop_price=99)) is RejectReason.UNEXPECTED_STOP_PRICE
    assert reason(desk.order("x6", BUY, 1, ord_type=OrdType.STOP)) is RejectReason.MISSING_STOP_PRICE
    assert reason(desk.order("x7", BUY, 1, ord_type=OrdType.STOP, stop_price=120)) is RejectReason.STOP_PRICE_OUTSIDE_LIMITS
    desk.order("ok", BUY, 1, 100)
    assert reason(desk.order("ok", BUY, 1, 100)) is RejectReason.DUPLICATE_ORDER_ID
    assert desk.bids() == [(100, [("ok", 1)])]


def test_prices_at_the_limits_are_accepted(desk):
    assert kinds(desk.order("lo", BUY, 1, 90)) == ["Accepted"]
    assert kinds(desk.order("hi", SELL, 1, 110)) == ["Accepted"]
