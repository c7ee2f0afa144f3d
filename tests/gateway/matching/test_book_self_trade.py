"""Self-trade prevention: the three actions, account and member scope, per-order override."""

from __future__ import annotations

from matching_desk import BUY, SELL, kinds, trades

from gateway.matching import CancelReason, SelfTradePrevention, StpAction, StpScope, TimeInForce, TradingPhase

ACCOUNT = StpScope.ACCOUNT
MEMBER = StpScope.MEMBER


def setup_asks(desk):
    # own order first in the queue at 100, then another account's order behind it
    desk.order("own", SELL, 2, 100, account="A1", member="M1")
    desk.order("other", SELL, 2, 100, account="A2", member="M2")


def test_without_stp_an_account_trades_with_itself(make_desk):
    desk = make_desk()
    setup_asks(desk)
    assert trades(desk.order("b1", BUY, 2, 100, account="A1")) == [(100, 2, "b1", "own")]


def test_cancel_resting_cancels_own_order_and_keeps_matching(make_desk):
    desk = make_desk(stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_RESTING))
    setup_asks(desk)
    events = desk.order("b1", BUY, 3, 100, account="A1")
    assert kinds(events) == ["Accepted", "Canceled", "Trade"]
    assert (events[1].order_id, events[1].reason) == ("own", CancelReason.SELF_TRADE)
    assert trades(events) == [(100, 2, "b1", "other")]
    assert desk.bids() == [(100, [("b1", 1)])] and desk.asks() == []


def test_cancel_incoming_cancels_the_aggressor_remainder(make_desk):
    desk = make_desk(stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_INCOMING))
    desk.order("cheap", SELL, 1, 99, account="A2", member="M2")
    setup_asks(desk)
    events = desk.order("b1", BUY, 4, 100, account="A1")
    # 1 lot from "cheap" at 99, then "own" at 100 stops it: 4 - 1 = 3 lots cancelled
    assert kinds(events) == ["Accepted", "Trade", "Canceled"]
    assert (events[2].order_id, events[2].reason, events[2].canceled_qty, events[2].cum_qty) == (
        "b1", CancelReason.SELF_TRADE, 3, 1)
    assert desk.asks() == [(100, [("own", 2), ("other", 2)])]


def test_cancel_both(make_desk):
    desk = make_desk(stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_BOTH))
    setup_asks(desk)
    events = desk.order("b1", BUY, 3, 100, account="A1")
    assert [(type(e).__name__, e.order_id) for e in events] == [("Accepted", "b1"), ("Canceled", "own"), ("Canceled", "b1")]
    assert desk.asks() == [(100, [("other", 2)])] and desk.bids() == []


def test_member_scope_catches_other_accounts_of_the_same_member(make_desk):
    desk = make_desk(stp=SelfTradePrevention(MEMBER, StpAction.CANCEL_INCOMING))
    setup_asks(desk)
    events = desk.order("b1", BUY, 2, 100, account="A9", member="M1")
    assert kinds(events) == ["Accepted", "Canceled"]
    # account scope would have let A9 trade with A1
    desk2 = make_desk(stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_INCOMING))
    setup_asks(desk2)
    assert trades(desk2.order("b1", BUY, 2, 100, account="A9", member="M1")) == [(100, 2, "b1", "own")]


def test_order_setting_overrides_the_book(make_desk):
    desk = make_desk(stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_INCOMING))
    setup_asks(desk)
    events = desk.order("b1", BUY, 2, 100, account="A1", stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_RESTING))
    assert kinds(events) == ["Accepted", "Canceled", "Trade"]
    assert events[1].order_id == "own"
    assert trades(events) == [(100, 2, "b1", "other")]


def test_stp_per_order_without_a_book_setting(make_desk):
    desk = make_desk()
    setup_asks(desk)
    events = desk.order("b1", BUY, 2, 100, account="A1", stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_INCOMING))
    assert kinds(events) == ["Accepted", "Canceled"]


def test_fok_check_counts_only_what_stp_lets_it_take(make_desk):
    desk = make_desk(stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_RESTING))
    setup_asks(desk)
    # 4 lots rest at 100 but 2 are its own: a FOK for 3 cannot fill, and nothing happens
    events = desk.order("b1", BUY, 3, 100, account="A1", tif=TimeInForce.FOK)
    assert kinds(events) == ["Accepted", "Canceled"]
    assert events[1].reason is CancelReason.FOK_UNFILLABLE
    assert desk.asks() == [(100, [("own", 2), ("other", 2)])]
    # for 2 it can: its own order is cancelled on the way
    events = desk.order("b2", BUY, 2, 100, account="A1", tif=TimeInForce.FOK)
    assert kinds(events) == ["Accepted", "Canceled", "Trade"]


def test_fok_blocked_by_cancel_incoming(make_desk):
    desk = make_desk(stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_INCOMING))
    setup_asks(desk)
    events = desk.order("b1", BUY, 2, 100, account="A1", tif=TimeInForce.FOK)
    assert events[1].reason is CancelReason.FOK_UNFILLABLE
    assert desk.asks() == [(100, [("own", 2), ("other", 2)])]


def test_stp_in_the_auction_treats_the_later_order_as_incoming(make_desk):
    desk = make_desk(phase=TradingPhase.PRE_OPEN, stp=SelfTradePrevention(ACCOUNT, StpAction.CANCEL_INCOMING))
    desk.order("s1", SELL, 2, 100, account="A1")
    desk.order("s2", SELL, 2, 100, account="A2", member="M2")
    desk.order("b1", BUY, 2, 100, account="A1")  # later than s1: b1 is cancelled
    events = desk.phase(TradingPhase.CONTINUOUS)
    assert [(type(e).__name__, getattr(e, "order_id", None)) for e in events] == [
        ("PhaseChanged", None), ("Canceled", "b1")]
    assert desk.asks() == [(100, [("s1", 2), ("s2", 2)])]
