"""Scenario tests run every case on both books: the fast one and the naive reference one.

The default book (see `make_desk`) has price limits [90, 110] ticks, a previous settlement of
100 ticks, trade ids T1, T2, ... and starts in continuous trading.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from matching_desk import DAY, Desk

from gateway.matching import OrderBook, ReferenceBook, SelfTradePrevention, TradeIdCounter, TradingPhase


@pytest.fixture(params=[OrderBook, ReferenceBook], ids=["fast", "reference"])
def book_class(request: pytest.FixtureRequest) -> type:
    return request.param


@pytest.fixture
def make_desk(book_class: type) -> Callable[..., Desk]:
    def make(
        lower: int = 90,
        upper: int = 110,
        prev: int = 100,
        phase: TradingPhase | None = TradingPhase.CONTINUOUS,
        stp: SelfTradePrevention | None = None,
        trade_ids: Callable[[], str] | None = None,
    ) -> Desk:
        book = book_class(
            "IF2603", DAY, lower, upper, prev, stp=stp, trade_ids=trade_ids or TradeIdCounter(1, "T")
        )
        desk = Desk(book)
        if phase is not None:
            desk.phase(phase)
            desk.log.clear()
        return desk

    return make


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    """A book in continuous trading with no self-trade prevention."""
    return make_desk()
