"""Cancel, cancel/replace (priority rules, filled-quantity rule) and mass cancel."""

from __future__ import annotations

from matching_desk import BUY, SELL, kinds, trades

from gateway.matching import (
    CancelReason,
    CancelRejected,
    OrderFilter,
    OrderStatus,
    OrdType,
    RejectReason,
    Replaced,
    ReplaceRejected,
    TradingPhase,
)


def test_cancel_reports_both_cl_ord_ids_and_frees_the_level(desk):
    desk.order("b1", BUY, 5, 99)
    desk.order("s1", SELL, 2, 99)
    (canceled,) = desk.cancel("b1")
    assert (canceled.cl_ord_id, canceled.orig_cl_ord_id) == ("cx-b1", "cl-b1")
    assert (canceled.reason, canceled.canceled_qty, canceled.cum_qty, canceled.leaves_qty) == (
        CancelReason.CLIENT_REQUEST, 3, 2, 0)
    assert canceled.status is OrderStatus.CANCELED
    assert desk.bids() == []


def test_cancel_of_unknown_or_finished_order_is_rejected(desk):
    desk.order("s1", SELL, 1, 100)
    desk.order("b1", BUY, 1, 100)  # both filled
    for order_id in ("nobody", "b1"):
        (rejected,) = desk.cancel(order_id)
        assert isinstance(rejected, CancelRejected)
        assert (rejected.reason, rejected.status, rejected.orig_cl_ord_id) == (RejectReason.UNKNOWN_ORDER, None, None)


def test_quantity_decrease_keeps_time_priority(desk):
    desk.order("b1", BUY, 5, 99)
    desk.order("b2", BUY, 5, 99)
    (replaced,) = desk.replace("b1", "r1", qty=3, price=99)
    assert replaced == Replaced("b1", "r1", "cl-b1", BUY, 3, 99, None, OrderStatus.NEW, 0, 3, 0, True, desk.time)
    assert desk.bids() == [(99, [("b1", 3), ("b2", 5)])]
    assert trades(desk.order("s1", SELL, 1, 99)) == [(99, 1, "b1", "s1")]


def test_quantity_increase_loses_time_priority(desk):
    desk.order("b1", BUY, 5, 99)
    desk.order("b2", BUY, 5, 99)
    (replaced,) = desk.replace("b1", "r1", qty=6, price=99)
    assert replaced.priority_kept is False
    assert desk.bids() == [(99, [("b2", 5), ("b1", 6)])]


def test_price_change_loses_time_priority_even_back_to_the_same_level(desk):
    desk.order("b1", BUY, 5, 99)
    desk.order("b2", BUY, 5, 99)
    desk.replace("b1", "r1", qty=5, price=98)
    desk.replace("b1", "r2", qty=5, price=99)
    assert desk.bids() == [(99, [("b2", 5), ("b1", 5)])]


def test_replace_keeps_cumulative_quantity_and_leaves_is_new_total_minus_filled(desk):
    desk.order("b1", BUY, 10, 99)
    desk.order("s1", SELL, 4, 99)  # b1: cum 4, leaves 6
    (replaced,) = desk.replace("b1", "r1", qty=7, price=99)
    # new total 7, already filled 4: leaves 7 - 4 = 3
    assert (replaced.qty, replaced.cum_qty, replaced.leaves_qty) == (7, 4, 3)
    assert replaced.status is OrderStatus.PARTIALLY_FILLED
    assert replaced.avg_price_ticks == 99
    assert desk.bids() == [(99, [("b1", 3)])]
    events = desk.order("s2", SELL, 5, 99)
    assert events[1].buy.cum_qty == 7 and events[1].buy.status is OrderStatus.FILLED


def test_replace_to_filled_quantity_or_less_is_rejected(desk):
    desk.order("b1", BUY, 10, 99)
    desk.order("s1", SELL, 4, 99)
    for qty in (4, 3):
        (rejected,) = desk.replace("b1", "r1", qty=qty, price=99)
        assert isinstance(rejected, ReplaceRejected)
        assert rejected.reason is RejectReason.QTY_NOT_ABOVE_FILLED
        assert (rejected.orig_cl_ord_id, rejected.status) == ("cl-b1", OrderStatus.PARTIALLY_FILLED)
    assert desk.bids() == [(99, [("b1", 6)])]


def test_replace_rejections_leave_the_order_alone(desk):
    desk.order("b1", BUY, 5, 99)
    assert desk.replace("b1", "r1", qty=5, price=111)[0].reason is RejectReason.PRICE_OUTSIDE_LIMITS
    assert desk.replace("b1", "r2", qty=0, price=99)[0].reason is RejectReason.INVALID_QUANTITY
    assert desk.replace("b1", "r3", qty=5)[0].reason is RejectReason.MISSING_PRICE
    assert desk.replace("zz", "r4", qty=5, price=99)[0].reason is RejectReason.UNKNOWN_ORDER
    assert desk.bids() == [(99, [("b1", 5)])]
    # the chain still starts from the original ClOrdID
    assert desk.cancel("b1")[0].orig_cl_ord_id == "cl-b1"


def test_replace_to_a_crossing_price_trades_at_once(desk):
    desk.order("s1", SELL, 2, 101)
    desk.order("b1", BUY, 5, 99)
    events = desk.replace("b1", "r1", qty=5, price=101)
    assert kinds(events) == ["Replaced", "Trade"]
    assert trades(events) == [(101, 2, "b1", "s1")]
    assert events[1].buy.cl_ord_id == "r1"
    assert desk.bids() == [(101, [("b1", 3)])]


def test_replace_of_a_stop_changes_its_trigger(desk):
    desk.order("st1", BUY, 2, ord_type=OrdType.STOP, stop_price=105)
    desk.replace("st1", "r1", qty=2, stop_price=101)
    desk.order("s1", SELL, 1, 101)
    desk.order("s2", SELL, 2, 102)
    events = desk.order("b1", BUY, 1, 101)
    assert kinds(events) == ["Accepted", "Trade", "Triggered", "Trade"]


def test_replace_and_new_orders_are_refused_in_a_break_but_cancels_pass(desk):
    desk.order("b1", BUY, 5, 99)
    desk.phase(TradingPhase.BREAK)
    assert desk.replace("b1", "r1", qty=4, price=99)[0].reason is RejectReason.TRADING_BREAK
    assert desk.order("b2", BUY, 1, 99)[0].reason is RejectReason.TRADING_BREAK
    assert kinds(desk.cancel("b1")) == ["Canceled"]


def test_mass_cancel_by_account_member_session_and_all(desk):
    desk.order("a", BUY, 1, 95, account="A1", member="M1", session="S1")
    desk.order("b", BUY, 1, 95, account="A2", member="M1", session="S2")
    desk.order("c", SELL, 1, 105, account="A3", member="M2", session="S1")
    desk.order("d", SELL, 1, 106, account="A3", member="M2", session="S2", ord_type=OrdType.STOP_LIMIT, stop_price=94)
    desk.order("e", BUY, 1, 96, account="A4", member="M3", session="S3")
    assert [e.order_id for e in desk.mass_cancel(OrderFilter(account="A3", session="S2"))] == ["d"]
    assert [e.order_id for e in desk.mass_cancel(OrderFilter(member="M1"))] == ["a", "b"]
    assert [e.order_id for e in desk.mass_cancel(OrderFilter(session="S1"))] == ["c"]
    events = desk.mass_cancel(OrderFilter(), reason=CancelReason.HALT)
    assert [(e.order_id, e.reason) for e in events] == [("e", CancelReason.HALT)]
    assert desk.bids() == [] and desk.asks() == [] and desk.held() == []


def test_mass_cancel_goes_in_time_priority_order(desk):
    desk.order("x", BUY, 1, 95)
    desk.order("y", SELL, 1, 105)
    desk.order("z", BUY, 2, 95)
    desk.replace("x", "rx", qty=2, price=95)  # x now comes after z
    events = desk.mass_cancel(OrderFilter())
    assert [e.order_id for e in events] == ["y", "z", "x"]
    assert all(e.reason is CancelReason.MASS_CANCEL and e.orig_cl_ord_id is None for e in events)
