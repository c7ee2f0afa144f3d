"""A comparable picture of a book, used to check the fast book against the reference book.

Plain frozen tuples, so two snapshots compare with `==` and print readably in a failing test.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.domain.enums import Side

from .orders import OrdType
from .phases import TradingPhase


@dataclass(frozen=True, slots=True)
class LevelSnapshot:
    price: int
    orders: tuple[tuple[str, int], ...]  # (order id, leaves qty) in time priority


@dataclass(frozen=True, slots=True)
class HeldStop:
    order_id: str
    side: Side
    ord_type: OrdType
    stop_price: int
    price: int | None
    leaves_qty: int


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    phase: TradingPhase
    last_price: int | None
    bids: tuple[LevelSnapshot, ...]  # best (highest) first
    asks: tuple[LevelSnapshot, ...]  # best (lowest) first
    stops: tuple[HeldStop, ...]  # in arrival (trigger-priority) order
