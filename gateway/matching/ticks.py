"""Conversions between Decimal prices and the integer ticks the book works in.

The book compares and sums plain ints; these two functions are the only place where a price
crosses that boundary, and an off-tick price is refused rather than rounded.
"""

from __future__ import annotations

from decimal import Decimal

from backoffice.domain.money import Price, is_on_tick


def to_ticks(price: Decimal, tick_size: Decimal) -> int:
    if isinstance(price, float) or isinstance(tick_size, float):
        raise TypeError("prices are Decimal, never float")
    if tick_size <= 0:
        raise ValueError(f"tick size must be positive: {tick_size}")
    if not is_on_tick(price, tick_size):
        raise ValueError(f"price {price} is not a multiple of the tick {tick_size}")
    return int(price / tick_size)


def from_ticks(ticks: int, tick_size: Decimal) -> Price:
    return Price(ticks * tick_size)
