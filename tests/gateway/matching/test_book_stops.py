"""Stop and stop-limit orders: held aside, triggered by the last trade price, cascading."""

from __future__ import annotations

from matching_desk import BUY, SELL, kinds, trades

from gateway.matching import CancelReason, HeldStop, OrderStatus, OrdType, TimeInForce, Triggered


def stop(desk, order_id, side, qty, stop_price, limit=None, **kw):
    ord_type = OrdType.STOP if limit is None else OrdType.STOP_LIMIT
    return desk.order(order_id, side, qty, limit, ord_type=ord_type, stop_price=stop_price, **kw)


def test_stop_is_held_out_of_the_book_until_triggered(desk):
    assert kinds(stop(desk, "st1", BUY, 2, 103)) == ["Accepted"]
    assert desk.bids() == [] and desk.held() == ["st1"]
    assert desk.book.snapshot().stops == (HeldStop("st1", BUY, OrdType.STOP, 103, None, 2),)


def test_buy_stop_triggers_when_last_reaches_stop_and_becomes_market(desk):
    stop(desk, "st1", BUY, 2, 103)
    desk.order("s1", SELL, 1, 102)
    desk.order("s2", SELL, 5, 104)
    assert kinds(desk.order("b1", BUY, 1, 102)) == ["Accepted", "Trade"]  # last 102 < 103: still held
    assert desk.held() == ["st1"]
    desk.order("s3", SELL, 1, 103)
    events = desk.order("b2", BUY, 1, 103)  # prints 103 >= 103: fires
    assert kinds(events) == ["Accepted", "Trade", "Triggered", "Trade"]
    triggered = events[2]
    assert triggered == Triggered("st1", "cl-st1", BUY, OrdType.MARKET, None, 2, 103, desk.time)
    assert trades(events[3:]) == [(104, 2, "st1", "s2")]
    assert events[3].aggressor is BUY
    assert desk.held() == []


def test_sell_stop_limit_triggers_at_or_below_and_rests_as_limit(desk):
    stop(desk, "st1", SELL, 3, 98, limit=97)
    desk.order("b1", BUY, 1, 98)
    desk.order("b2", BUY, 1, 97)
    events = desk.order("s1", SELL, 1, 98)  # prints 98 <= 98
    assert kinds(events) == ["Accepted", "Trade", "Triggered", "Trade"]
    assert events[2].ord_type is OrdType.LIMIT and events[2].price == 97
    # the stop-limit sells 1 at 97 to b2, and its 2 remaining lots rest at 97
    assert trades(events[3:]) == [(97, 1, "b2", "st1")]
    assert desk.asks() == [(97, [("st1", 2)])]


def test_sell_stop_not_triggered_by_higher_print(desk):
    stop(desk, "st1", SELL, 1, 98)
    desk.order("b1", BUY, 1, 99)
    desk.order("s1", SELL, 1, 99)
    assert desk.held() == ["st1"]


def test_stops_cascade(desk):
    # st1 fires at 101 and its market buy prints 102, which fires st2, which prints 103
    stop(desk, "st1", BUY, 1, 101)
    stop(desk, "st2", BUY, 1, 102)
    desk.order("s1", SELL, 1, 101)
    desk.order("s2", SELL, 1, 102)
    desk.order("s3", SELL, 1, 103)
    events = desk.order("b1", BUY, 1, 101)
    assert kinds(events) == ["Accepted", "Trade", "Triggered", "Trade", "Triggered", "Trade"]
    assert trades(events) == [(101, 1, "b1", "s1"), (102, 1, "st1", "s2"), (103, 1, "st2", "s3")]
    assert [e.last_price for e in events if isinstance(e, Triggered)] == [101, 102]
    assert desk.book.last_price == 103


def test_stops_fired_by_one_print_enter_in_arrival_order(desk):
    stop(desk, "first", BUY, 1, 101, limit=105)  # arrives first, with the higher stop
    stop(desk, "second", BUY, 1, 100, limit=105)
    desk.order("s1", SELL, 1, 101)
    desk.order("s2", SELL, 2, 104)
    events = desk.order("b1", BUY, 1, 101)  # prints 101: both fire
    fired = [e.order_id for e in events if isinstance(e, Triggered)]
    assert fired == ["first", "second"]
    assert trades(events)[1:] == [(104, 1, "first", "s2"), (104, 1, "second", "s2")]


def test_an_intermediate_print_fires_a_stop_the_final_price_would_not(desk):
    # a sell sweep prints 101 then 99; the buy stop at 100 is reached by the first print
    stop(desk, "st1", BUY, 1, 100, limit=102)
    desk.order("b1", BUY, 1, 101)
    desk.order("b2", BUY, 1, 99)
    events = desk.order("s1", SELL, 2, 99)
    assert kinds(events) == ["Accepted", "Trade", "Trade", "Triggered"]
    assert events[3].last_price == 101
    assert desk.bids() == [(102, [("st1", 1)])]


def test_stop_already_reached_triggers_on_entry(desk):
    desk.order("s1", SELL, 1, 100)
    desk.order("b1", BUY, 1, 100)  # last = 100
    desk.order("s2", SELL, 1, 105)
    events = stop(desk, "st1", BUY, 1, 99)
    assert kinds(events) == ["Accepted", "Triggered", "Trade"]
    assert trades(events) == [(105, 1, "st1", "s2")]


def test_triggered_stop_keeps_its_time_in_force(desk):
    stop(desk, "st1", BUY, 3, 100, limit=100, tif=TimeInForce.IOC)
    desk.order("s1", SELL, 2, 100)
    events = desk.order("b1", BUY, 1, 100)  # prints 100: st1 fires, takes 1, cancels 2
    assert kinds(events) == ["Accepted", "Trade", "Triggered", "Trade", "Canceled"]
    assert (events[-1].reason, events[-1].canceled_qty) == (CancelReason.IOC_REMAINDER, 2)


def test_held_stop_can_be_cancelled_and_then_never_fires(desk):
    stop(desk, "st1", BUY, 1, 100)
    events = desk.cancel("st1")
    assert kinds(events) == ["Canceled"] and events[0].status is OrderStatus.CANCELED
    desk.order("s1", SELL, 1, 100)
    assert kinds(desk.order("b1", BUY, 1, 100)) == ["Accepted", "Trade"]
