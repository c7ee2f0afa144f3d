"""Client positions per account, instrument and direction: long and short never netted.

Each position splits its lots into today's (opened this trading day) and yesterday's (carried
over), because the exchanges treat them differently. On SHFE/INE (`close_today_distinct`) a
close must say which it closes, CLOSE_TODAY or CLOSE_YESTERDAY, and a plain CLOSE means
yesterday's lots. Elsewhere every close is a plain close (CLOSE_TODAY / CLOSE_YESTERDAY are
accepted and treated as CLOSE, since the exchange decides which lots go): it is reserved
against the position as a whole and takes today's or yesterday's lots first as the
exchange's `close_priority` says when it fills.

A working close order reserves its lots so two orders cannot close the same lot; a cancel
releases the reservation and a fill consumes it. Each bucket keeps the margin recorded for
its lots, so a close releases exactly that margin: proportionally, with the last lot taking
the remainder, so no cent is left behind. Today's lots keep their average open price (the
average-cost method: closing lots leaves the average unchanged), the reference for today's
realized close P&L; yesterday's lots are referenced to the previous settlement price, which
the caller knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.instruments import Exchange

from .funds import pro_rata

ZERO = Decimal(0)


class CloseTarget(StrEnum):
    """Which lots a close order is held against."""

    TODAY = "today"
    YESTERDAY = "yesterday"
    ANY = "any"  # the exchange's close priority decides at fill time


_DIRECTIONS = {
    (side, offset): PositionDirection.LONG if (side is Side.BUY) == (offset is OffsetFlag.OPEN) else PositionDirection.SHORT
    for side in Side
    for offset in OffsetFlag
}


def position_direction(side: Side, offset: OffsetFlag) -> PositionDirection:
    """The position an order touches: a buy opens long and closes short, a sell the reverse."""
    return _DIRECTIONS[side, offset]


def close_target(exchange: Exchange, offset: OffsetFlag) -> CloseTarget:
    if offset is OffsetFlag.OPEN:
        raise ValueError("an opening order has no close target")
    if not exchange.close_today_distinct:
        return CloseTarget.ANY
    return CloseTarget.TODAY if offset is OffsetFlag.CLOSE_TODAY else CloseTarget.YESTERDAY


@dataclass(frozen=True, slots=True)
class ClosedLots:
    """One bucket's share of a close: its lots, released margin and P&L reference price."""

    bucket: CloseTarget  # TODAY or YESTERDAY
    qty: int
    margin: Decimal
    open_price: Decimal | None  # today's average open price; None for yesterday's lots


@dataclass(slots=True)
class Position:
    direction: PositionDirection
    yesterday: int = 0
    today: int = 0
    yesterday_margin: Decimal = ZERO
    today_margin: Decimal = ZERO
    today_open_price: Decimal = ZERO  # average open price of today's lots
    reserved_today: int = 0
    reserved_yesterday: int = 0
    reserved_any: int = 0
    pending_open: int = 0  # leaves of working opening orders (for the position limit)

    @property
    def total(self) -> int:
        return self.today + self.yesterday

    @property
    def reserved(self) -> int:
        return self.reserved_today + self.reserved_yesterday + self.reserved_any

    @property
    def margin(self) -> Decimal:
        return self.today_margin + self.yesterday_margin

    def closable(self, target: CloseTarget) -> int:
        free_total = self.total - self.reserved
        if target is CloseTarget.TODAY:
            return min(self.today - self.reserved_today, free_total)
        if target is CloseTarget.YESTERDAY:
            return min(self.yesterday - self.reserved_yesterday, free_total)
        return free_total

    def reserve(self, target: CloseTarget, qty: int) -> bool:
        """Hold `qty` lots for a working close order; False (nothing held) if not closable."""
        if qty <= 0 or qty > self.closable(target):
            return False
        self._add_reserved(target, qty)
        return True

    def release(self, target: CloseTarget, qty: int) -> None:
        """Give back lots held by a close order that will not fill (cancel, expiry)."""
        if qty > self._reserved_for(target):
            raise ValueError(f"release of {qty} exceeds the {self._reserved_for(target)} lots reserved for {target}")
        self._add_reserved(target, -qty)

    def add_open(self, qty: int, price: Decimal, margin: Decimal) -> None:
        """Today's lots from an opening fill, with the margin charged for them."""
        self.today_open_price = (self.today_open_price * self.today + price * qty) / (self.today + qty)
        self.today += qty
        self.today_margin += margin

    def close(self, target: CloseTarget, qty: int, priority: ClosePriority) -> list[ClosedLots]:
        """Consume `qty` reserved lots for a close fill; which buckets gave them and their margin."""
        self.release(target, qty)
        if target is CloseTarget.TODAY:
            order = (CloseTarget.TODAY,)
        elif target is CloseTarget.YESTERDAY:
            order = (CloseTarget.YESTERDAY,)
        elif priority is ClosePriority.TODAY_FIRST:
            order = (CloseTarget.TODAY, CloseTarget.YESTERDAY)
        else:
            order = (CloseTarget.YESTERDAY, CloseTarget.TODAY)
        parts = []
        remaining = qty
        for bucket in order:
            free = self.today - self.reserved_today if bucket is CloseTarget.TODAY else self.yesterday - self.reserved_yesterday
            take = min(remaining, free)
            if take:
                parts.append(self._take(bucket, take))
                remaining -= take
        if remaining:
            raise ValueError(f"{remaining} reserved lots missing from the {self.direction} position")
        return parts

    def roll(self) -> None:
        """Start of a new trading day: today's lots become yesterday's."""
        if self.reserved or self.pending_open:
            raise ValueError("cannot roll a position with working orders; orders are day orders")
        self.yesterday += self.today
        self.yesterday_margin += self.today_margin
        self.today = 0
        self.today_margin = ZERO
        self.today_open_price = ZERO

    def _take(self, bucket: CloseTarget, qty: int) -> ClosedLots:
        if bucket is CloseTarget.TODAY:
            margin = pro_rata(self.today_margin, qty, self.today)
            part = ClosedLots(bucket, qty, margin, self.today_open_price)
            self.today -= qty
            self.today_margin -= margin
            if not self.today:
                self.today_open_price = ZERO
            return part
        margin = pro_rata(self.yesterday_margin, qty, self.yesterday)
        self.yesterday -= qty
        self.yesterday_margin -= margin
        return ClosedLots(bucket, qty, margin, None)

    def _reserved_for(self, target: CloseTarget) -> int:
        if target is CloseTarget.TODAY:
            return self.reserved_today
        if target is CloseTarget.YESTERDAY:
            return self.reserved_yesterday
        return self.reserved_any

    def _add_reserved(self, target: CloseTarget, qty: int) -> None:
        if target is CloseTarget.TODAY:
            self.reserved_today += qty
        elif target is CloseTarget.YESTERDAY:
            self.reserved_yesterday += qty
        else:
            self.reserved_any += qty


PositionKey = tuple[str, str, PositionDirection]  # (account, instrument, direction)


@dataclass(slots=True)
class PositionBook:
    """All positions of the day, created empty on first touch."""

    _positions: dict[PositionKey, Position] = field(default_factory=dict)

    def peek(self, account: str, instrument: str, direction: PositionDirection) -> Position:
        """The position for reading: an unattached empty one when there is none."""
        return self._positions.get((account, instrument, direction)) or Position(direction)

    def position(self, account: str, instrument: str, direction: PositionDirection) -> Position:
        """The position for changing, created empty on first touch."""
        key = (account, instrument, direction)
        found = self._positions.get(key)
        if found is None:
            found = self._positions[key] = Position(direction)
        return found

    def items(self) -> list[tuple[PositionKey, Position]]:
        return list(self._positions.items())

    def roll(self) -> None:
        for position in self._positions.values():
            position.roll()
