"""Which lots to force-close for an account that did not meet its margin call (强平).

The rule (settlement.md, "Margin call and forced liquidation"): positions are closed until
the risk degree (margin occupied / equity) falls below 100%, largest margin first. The plan
works on last night's settled margins, the only figures known before the open: each lot
closed releases its share of its position's margin, and margin occupied is recomputed per
product with the large-side rule, so closing the larger side of a large-side product
releases only down to the other side. With equity at or below zero no margin is covered:
everything is closed.

Pure: positions and equity in, a plan out. Turning the plan into orders is the caller's
job (`fixbroker settle liquidate` submits them through the trading core).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from backoffice.domain.enums import PositionDirection

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class HeldPosition:
    """One position (an instrument and direction) as settled last night."""

    instrument: str
    product: str
    direction: PositionDirection
    qty: int
    margin: Decimal  # the position's settled margin, before the large-side rule
    large_side: bool  # the product charges only the larger side


@dataclass(frozen=True, slots=True)
class ForcedClose:
    account: str
    instrument: str
    direction: PositionDirection  # of the position closed: a long is closed by a sell
    qty: int


def margin_occupied(positions: Sequence[HeldPosition], open_qty: Sequence[int]) -> Decimal:
    """Margin charged for `positions` reduced to `open_qty` lots each, per product with the
    large-side rule (margin scales with the lots still open)."""
    by_product: dict[str, list] = {}
    for position, qty in zip(positions, open_qty):
        margin = position.margin * qty / position.qty if qty != position.qty else position.margin
        entry = by_product.setdefault(position.product, [ZERO, ZERO, position.large_side])
        entry[0 if position.direction is PositionDirection.LONG else 1] += margin
    return sum((max(long, short) if large else long + short for long, short, large in by_product.values()), ZERO)


def forced_closes(account: str, equity: Decimal, positions: Sequence[HeldPosition]) -> list[ForcedClose]:
    """The lots to close, largest-margin position first, until margin occupied < equity."""
    order = sorted(range(len(positions)), key=lambda i: (-positions[i].margin, positions[i].instrument, positions[i].direction.value))
    open_qty = [position.qty for position in positions]
    closes: list[ForcedClose] = []
    for i in order:
        taken = 0
        while open_qty[i] and margin_occupied(positions, open_qty) >= equity:
            open_qty[i] -= 1
            taken += 1
        if taken:
            closes.append(ForcedClose(account, positions[i].instrument, positions[i].direction, taken))
        if margin_occupied(positions, open_qty) < equity:
            break
    return closes
