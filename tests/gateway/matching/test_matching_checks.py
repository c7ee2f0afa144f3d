"""Static order checks, tick conversion, trade ids and self-trade rules (plain functions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backoffice.domain.enums import Side
from backoffice.domain.money import Price
from gateway.matching import (
    NewOrder,
    OrderFilter,
    OrdType,
    RejectReason,
    SelfTradePrevention,
    StpAction,
    StpScope,
    TimeInForce,
    TradeIdCounter,
    TradingPhase,
)
from gateway.matching.events import REJECT_TEXT
from gateway.matching.orders import Order
from gateway.matching.self_trade import self_trade_action
from gateway.matching.ticks import from_ticks, to_ticks
from gateway.matching.validation import check_replace

DAY = date(2026, 3, 2)


def request(order_id="o1", account="A1", member="M1", session="S1", stp=None):
    return NewOrder(order_id, "c", account, member, session, Side.BUY, OrdType.LIMIT, TimeInForce.DAY, 1,
                    price=100, stp=stp)


def test_ticks_round_trip_exactly():
    # IF tick 0.2: 3812.4 / 0.2 = 19062 ticks
    assert to_ticks(Decimal("3812.4"), Decimal("0.2")) == 19062
    assert from_ticks(19062, Decimal("0.2")) == Price("3812.4")
    with pytest.raises(ValueError, match="not a multiple"):
        to_ticks(Decimal("3812.3"), Decimal("0.2"))
    with pytest.raises(TypeError):
        to_ticks(3812.4, Decimal("0.2"))  # type: ignore[arg-type]


def test_replace_checks():
    def check(qty, price=100, stop=None, cum=0, phase=TradingPhase.CONTINUOUS, ord_type=OrdType.LIMIT):
        return check_replace(phase, ord_type, cum, qty, price, stop, 90, 110)

    assert check(5) is None
    assert check(5, cum=5) is RejectReason.QTY_NOT_ABOVE_FILLED
    assert check(6, cum=5) is None
    assert check(5, price=None) is RejectReason.MISSING_PRICE
    assert check(5, stop=99) is RejectReason.UNEXPECTED_STOP_PRICE
    assert check(5, price=None, stop=120, ord_type=OrdType.STOP) is RejectReason.STOP_PRICE_OUTSIDE_LIMITS
    assert check(5, phase=TradingPhase.PRE_OPEN) is None
    assert check(5, phase=TradingPhase.BREAK) is RejectReason.TRADING_BREAK


def test_every_reject_reason_has_a_short_text():
    assert set(REJECT_TEXT) == set(RejectReason)
    assert all(0 < len(text) <= 44 for text in REJECT_TEXT.values())


def test_trade_id_counter_is_seeded_and_deterministic():
    ids = TradeIdCounter(start=7, prefix="X")
    assert [ids(), ids(), ids()] == ["X7", "X8", "X9"]


def test_order_filter():
    r = request(account="A1", member="M1", session="S1")
    assert OrderFilter().matches(r)
    assert OrderFilter(account="A1", session="S1").matches(r)
    assert not OrderFilter(account="A1", session="S2").matches(r)
    assert not OrderFilter(member="M2").matches(r)


def test_self_trade_scope_and_override():
    mine = Order.from_request(request("a", account="A1", member="M1"))
    same_member = Order.from_request(request("b", account="A2", member="M1"))
    by_account = SelfTradePrevention(StpScope.ACCOUNT, StpAction.CANCEL_RESTING)
    by_member = SelfTradePrevention(StpScope.MEMBER, StpAction.CANCEL_BOTH)
    assert self_trade_action(mine, same_member, None) is None
    assert self_trade_action(mine, same_member, by_account) is None
    assert self_trade_action(mine, same_member, by_member) is StpAction.CANCEL_BOTH
    overriding = Order.from_request(request("c", account="A1", member="M1", stp=by_account))
    assert self_trade_action(overriding, same_member, by_member) is None
    assert self_trade_action(overriding, mine, by_member) is StpAction.CANCEL_RESTING
