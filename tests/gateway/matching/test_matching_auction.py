"""The call auction: price selection (unit) and the uncross in the book (both books)."""

from __future__ import annotations

import random

import pytest
from matching_desk import BUY, SELL, kinds, trades

from gateway.matching import (
    OrderStatus,
    OrdType,
    PhaseChanged,
    RejectReason,
    TimeInForce,
    Trade,
    TradingPhase,
)
from gateway.matching.auction import uncross_price


def test_price_maximises_executed_volume():
    bids = [(101, 10)]
    asks = [(99, 4), (101, 6)]
    # demand D(p) = bid qty at p or above; supply S(p) = ask qty at p or below
    #   p=99:  D=10 S=4  -> 4 lots;  p=100: D=10 S=4 -> 4;  p=101: D=10 S=10 -> 10
    assert uncross_price(bids, asks, reference=99) == 101


def test_equal_volume_goes_to_the_smallest_imbalance_before_nearness():
    bids = [(102, 4), (100, 2)]
    asks = [(100, 4), (101, 3)]
    #   p=100: D=6 S=4 -> 4 lots, imbalance 2
    #   p=101: D=4 S=7 -> 4 lots, imbalance 3
    #   p=102: D=4 S=7 -> 4 lots, imbalance 3
    # 102 is the previous settlement, yet 100 wins on imbalance
    assert uncross_price(bids, asks, reference=102) == 100


@pytest.mark.parametrize(("reference", "expected"), [(100, 100), (97, 98), (104, 102), (101, 101)])
def test_then_the_price_nearest_the_previous_settlement(reference, expected):
    bids = [(102, 5)]
    asks = [(98, 5)]
    # every p in 98..102 executes 5 lots with imbalance 0: the tie goes to the tick nearest the
    # previous settlement, which need not be a price any order was entered at (100, 101)
    assert uncross_price(bids, asks, reference=reference) == expected


def test_nothing_crosses():
    assert uncross_price([(99, 5)], [(100, 5)], reference=100) is None
    assert uncross_price([], [(100, 5)], reference=100) is None


def test_matches_trying_every_tick_on_random_books():
    rng = random.Random(20260302)
    for _ in range(3000):
        bids = {rng.randint(90, 110): rng.randint(1, 9) for _ in range(rng.randint(0, 6))}
        asks = {rng.randint(90, 110): rng.randint(1, 9) for _ in range(rng.randint(0, 6))}
        reference = rng.randint(88, 112)
        best = None
        for p in range(85, 116):
            d = sum(q for price, q in bids.items() if price >= p)
            s = sum(q for price, q in asks.items() if price <= p)
            key = (min(d, s), -abs(d - s), -abs(p - reference))
            if min(d, s) > 0 and (best is None or key > best[0]):
                best = (key, p)
        assert uncross_price(bids.items(), asks.items(), reference) == (best[1] if best else None)


# ---------------------------------------------------------------- the book in PRE_OPEN


@pytest.fixture
def auction(make_desk):
    return make_desk(phase=TradingPhase.PRE_OPEN)


def test_pre_open_collects_limit_orders_without_matching(auction):
    assert kinds(auction.order("b1", BUY, 5, 102)) == ["Accepted"]
    assert kinds(auction.order("s1", SELL, 5, 98)) == ["Accepted"]
    assert auction.bids() == [(102, [("b1", 5)])] and auction.asks() == [(98, [("s1", 5)])]


def test_pre_open_accepts_only_day_or_good_till_limit_orders(auction):
    def reason(events):
        return events[0].reason

    assert reason(auction.market("m1", BUY, 1)) is RejectReason.AUCTION_LIMIT_ONLY
    assert reason(auction.order("i1", BUY, 1, 100, tif=TimeInForce.IOC)) is RejectReason.AUCTION_LIMIT_ONLY
    assert reason(auction.order("f1", BUY, 1, 100, tif=TimeInForce.FOK)) is RejectReason.AUCTION_LIMIT_ONLY
    assert reason(auction.order("st", BUY, 1, ord_type=OrdType.STOP, stop_price=101)) is RejectReason.AUCTION_LIMIT_ONLY
    assert kinds(auction.order("g1", BUY, 1, 95, tif=TimeInForce.GTC)) == ["Accepted"]


def test_open_uncrosses_at_one_price_in_priority_order(auction):
    auction.order("b1", BUY, 3, 103)
    auction.order("b2", BUY, 4, 101)
    auction.order("b3", BUY, 2, 99)
    auction.order("s1", SELL, 2, 98)
    auction.order("s2", SELL, 3, 100)
    auction.order("s3", SELL, 5, 101)
    # D(p): 98..99: 9, 100..101: 7, 102..103: 3.   S(p): 98..99: 2, 100: 5, 101..: 10
    # volume: 98: 2, 99: 2, 100: 5, 101: 7, 102: 3, 103: 3  -> 101, 7 lots
    events = auction.phase(TradingPhase.CONTINUOUS)
    assert isinstance(events[0], PhaseChanged)
    assert (events[0].previous, events[0].phase) == (TradingPhase.PRE_OPEN, TradingPhase.CONTINUOUS)
    # bids from the highest, asks from the lowest, all at 101
    assert trades(events) == [
        (101, 2, "b1", "s1"),
        (101, 1, "b1", "s2"),
        (101, 2, "b2", "s2"),
        (101, 2, "b2", "s3"),
    ]
    assert all(e.aggressor is None for e in events if isinstance(e, Trade))
    assert auction.bids() == [(99, [("b3", 2)])]
    assert auction.asks() == [(101, [("s3", 3)])]
    assert auction.book.last_price == 101
    # continuous trading follows
    assert trades(auction.order("b4", BUY, 1, 101)) == [(101, 1, "b4", "s3")]


def test_uncross_price_is_nearest_previous_settlement_in_the_book(make_desk):
    desk = make_desk(phase=TradingPhase.PRE_OPEN, prev=97)
    desk.order("b1", BUY, 5, 102)
    desk.order("s1", SELL, 5, 96)
    events = desk.phase(TradingPhase.CONTINUOUS)
    # 5 lots at every price 96..102 with no imbalance: 97 is the previous settlement
    assert trades(events) == [(97, 5, "b1", "s1")]
    fill = events[1]
    assert fill.buy.status is OrderStatus.FILLED and fill.sell.status is OrderStatus.FILLED


def test_an_uncrossed_book_opens_without_trades(auction):
    auction.order("b1", BUY, 5, 99)
    auction.order("s1", SELL, 5, 100)
    assert kinds(auction.phase(TradingPhase.CONTINUOUS)) == ["PhaseChanged"]


def test_auction_print_fires_stops_carried_from_an_earlier_session(make_desk):
    desk = make_desk(phase=TradingPhase.CONTINUOUS)
    desk.order("st1", BUY, 1, ord_type=OrdType.STOP, stop_price=100, tif=TimeInForce.GTC)
    desk.order("s9", SELL, 1, 105, tif=TimeInForce.GTC)
    desk.phase(TradingPhase.PRE_OPEN)
    desk.order("b1", BUY, 1, 100)
    desk.order("s1", SELL, 1, 100)
    events = desk.phase(TradingPhase.CONTINUOUS)
    assert kinds(events) == ["PhaseChanged", "Trade", "Triggered", "Trade"]
    assert trades(events) == [(100, 1, "b1", "s1"), (105, 1, "st1", "s9")]
