"""The call-auction price: one price for the whole uncross, chosen by the CFFEX/SHFE rules.

The price maximises the executed volume; among equal volumes it minimises the imbalance (the
quantity left unmatched at that price on the heavier side); among those it is the price nearest
the previous settlement price. The prices best by volume and imbalance always form one run of
consecutive ticks (checked by brute force over random books while writing this), so the nearest
one is unique and no further rule is needed.

Demand D(p) (bid quantity at p or higher) and supply S(p) (ask quantity at p or lower) only
change at prices where orders rest, so between two neighbouring order prices a < b the open gap
behaves like one point with D(b) and S(a). Looking at every order price, and in every gap at
the tick nearest the previous settlement, therefore finds the same price as trying every tick
(which is what the reference book does).
"""

from __future__ import annotations

from collections.abc import Iterable


def uncross_price(
    bids: Iterable[tuple[int, int]], asks: Iterable[tuple[int, int]], reference: int
) -> int | None:
    """The auction price for (price, total qty) levels of each side, None if nothing crosses."""
    bid_qty = dict(bids)
    ask_qty = dict(asks)
    prices = sorted(bid_qty.keys() | ask_qty.keys())
    count = len(prices)
    demand = [0] * count
    running = 0
    for i in range(count - 1, -1, -1):
        running += bid_qty.get(prices[i], 0)
        demand[i] = running
    supply = [0] * count
    running = 0
    for i in range(count):
        running += ask_qty.get(prices[i], 0)
        supply[i] = running

    best_price: int | None = None
    best_key: tuple[int, int, int] | None = None

    def consider(price: int, d: int, s: int) -> None:
        nonlocal best_price, best_key
        volume = min(d, s)
        if volume <= 0:
            return
        key = (volume, -abs(d - s), -abs(price - reference))
        if best_key is None or key > best_key:
            best_price, best_key = price, key

    for i, price in enumerate(prices):
        consider(price, demand[i], supply[i])
        if i + 1 < count and prices[i + 1] - price > 1:
            nearest = min(max(reference, price + 1), prices[i + 1] - 1)
            consider(nearest, demand[i + 1], supply[i])
    return best_price
