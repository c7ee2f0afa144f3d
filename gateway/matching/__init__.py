"""The matching core: one price-time order book per instrument, trading phases and the auction.

Pure by design: no I/O, no clock, no FIX. The caller (the gateway's order service) runs the
pre-trade risk checks, calls the book with the command time, and receives a list of immutable
events to journal and report; replaying the same commands reproduces the same events,
trade ids included. `OrderBook` is the fast book; `ReferenceBook` is a deliberately naive one
with the same API, kept only to test the fast one against. Prices here are integer ticks
(`ticks` converts), quantities whole lots.
"""

from .book import OrderBook
from .events import (
    Accepted,
    Canceled,
    CancelReason,
    CancelRejected,
    Event,
    Expired,
    PhaseChanged,
    Rejected,
    RejectReason,
    Replaced,
    ReplaceRejected,
    Trade,
    TradeSide,
    Triggered,
)
from .orders import NewOrder, OrderFilter, OrdType, SelfTradePrevention, StpAction, StpScope, TimeInForce
from .phases import TradingPhase
from .reference_book import ReferenceBook
from .snapshot import BookSnapshot, HeldStop, LevelSnapshot
from .states import EventKind, IllegalTransition, OrderStatus
from .trade_ids import TradeIdCounter

__all__ = [
    "Accepted",
    "BookSnapshot",
    "CancelReason",
    "CancelRejected",
    "Canceled",
    "Event",
    "EventKind",
    "Expired",
    "HeldStop",
    "IllegalTransition",
    "LevelSnapshot",
    "NewOrder",
    "OrdType",
    "OrderBook",
    "OrderFilter",
    "OrderStatus",
    "PhaseChanged",
    "ReferenceBook",
    "RejectReason",
    "Rejected",
    "Replaced",
    "ReplaceRejected",
    "SelfTradePrevention",
    "StpAction",
    "StpScope",
    "TimeInForce",
    "Trade",
    "TradeIdCounter",
    "TradeSide",
    "Triggered",
    "TradingPhase",
]
