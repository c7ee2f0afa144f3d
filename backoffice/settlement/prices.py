"""The settlement price of one instrument for one trading day, with its source recorded.

Every mark-to-market figure of the day hangs on this price, so the rule that produced it is
kept with it: an operator-set official price (which always wins), a VWAP over a stated
window, or the previous settlement when nothing traded. The VWAP is
sum(price x qty) / sum(qty); the contract multiplier cancels out. It is rounded to the tick,
half-up (`round_to_tick`).

LAST_HOUR_VWAP (CFFEX). "The last hour" is measured in *trading* time, backwards from the
close across breaks: the caller passes the day's continuous-trading sessions in order, as
(start, end) aware datetimes (call auctions left out: an auction trade stamped before the
open counts at the open). Trading time T is the sum of the session lengths. Window k
(k = 0, 1, ...) is the trading-time interval [T - (k+1)h, T - kh), except that window 0 also
holds a trade stamped exactly at the close; the earliest window is cut at the open and may
be shorter than an hour. IF (09:30-11:30, 13:00-15:00) has window 0 = 14:00-15:00 and
window 1 = 13:00-14:00; T (09:30-11:30, 13:00-15:15) has window 0 = 14:15-15:15 and
window 2 = 10:45-11:30 + 13:00-13:15, across the lunch break. The price is the VWAP of the
latest window that holds trades ("step back one hour at a time").

"Traded less than one hour" follows the CFFEX wording (the day's last trade is less than one
hour after the open): when the last trade's trading-time offset from the open is under one
hour, the whole-day VWAP is used. A contract listed today is not a special case: with trades
in the last hour it gets the last-hour VWAP like any other. (Reading the rule as "first trade
to close under an hour" would change only the label, since every trade then lies in the last
hour.)

WHOLE_DAY_VWAP (commodity exchanges): the VWAP of every trade of the day.

Each trade counts once here (one print per trade, not one per side).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from backoffice.domain.enums import SettlementPriceRule
from backoffice.domain.money import round_to_tick

HOUR = timedelta(hours=1)
Period = tuple[datetime, datetime]


class PriceSource(StrEnum):
    OFFICIAL = "official"  # set by an operator; wins over any computed price
    LAST_HOUR_VWAP = "last_hour_vwap"  # window_start/window_end say which hour
    WHOLE_DAY_VWAP = "whole_day_vwap"
    PREVIOUS_SETTLEMENT = "previous_settlement"  # no trade today


class TradePrint(NamedTuple):
    """One trade as the price rule sees it."""

    time: datetime
    price: Decimal
    qty: int


@dataclass(frozen=True, slots=True)
class SettlementPrice:
    instrument: str
    price: Decimal
    source: PriceSource
    previous_settlement: Decimal
    # The wall-clock bounds of the VWAP window (the whole day: first open to close); None
    # for an official or previous-settlement price.
    window_start: datetime | None = None
    window_end: datetime | None = None
    hours_back: int | None = None  # LAST_HOUR_VWAP: 0 = the last hour, 1 = the hour before...
    lots: int = 0  # volume in the window


def vwap(prints: Iterable[TradePrint]) -> Decimal | None:
    """sum(price x qty) / sum(qty), unrounded; None when nothing traded."""
    value, volume = _totals(prints)
    return value / volume if volume else None


def _totals(prints: Iterable[TradePrint]) -> tuple[Decimal, int]:
    value = Decimal(0)
    volume = 0
    for _, price, qty in prints:
        value += price * qty
        volume += qty
    return value, volume


def settlement_price(
    instrument: str,
    rule: SettlementPriceRule,
    tick: Decimal,
    prints: Sequence[TradePrint],
    sessions: Sequence[Period],
    previous_settlement: Decimal,
    official: Decimal | None = None,
) -> SettlementPrice:
    """The day's settlement price of `instrument` under `rule` (see the module docstring)."""
    if official is not None:
        return SettlementPrice(instrument, official, PriceSource.OFFICIAL, previous_settlement)
    if not sessions:
        raise ValueError(f"{instrument}: a settlement price needs the day's sessions")
    if not prints:
        return SettlementPrice(instrument, previous_settlement, PriceSource.PREVIOUS_SETTLEMENT, previous_settlement)
    clock = _TradingClock(sessions)
    if rule is SettlementPriceRule.WHOLE_DAY_VWAP:
        return _whole_day(instrument, tick, prints, clock, previous_settlement)
    return _last_hour(instrument, tick, prints, clock, previous_settlement)


def _whole_day(
    instrument: str, tick: Decimal, prints: Sequence[TradePrint], clock: _TradingClock, previous: Decimal
) -> SettlementPrice:
    value, volume = _totals(prints)
    if not volume:
        return SettlementPrice(instrument, previous, PriceSource.PREVIOUS_SETTLEMENT, previous)
    return SettlementPrice(
        instrument,
        round_to_tick(value / volume, tick),
        PriceSource.WHOLE_DAY_VWAP,
        previous,
        window_start=clock.wall_start(timedelta(0)),
        window_end=clock.wall_end(clock.total),
        lots=volume,
    )


def _last_hour(
    instrument: str, tick: Decimal, prints: Sequence[TradePrint], clock: _TradingClock, previous: Decimal
) -> SettlementPrice:
    total = clock.total
    # Window k starts at trading time T - (k+1)h; the earliest window starts at the open.
    # `cuts` holds the wall-clock starts of windows count-2 .. 0, ascending, so the number of
    # cuts after a print's time is its window.
    count = -(-total // HOUR)  # number of windows, the earliest possibly short
    cuts = [clock.wall_start(total - k * HOUR) for k in range(count - 1, 0, -1)]
    values: dict[int, Decimal] = {}
    volumes: dict[int, int] = {}
    latest = prints[0].time
    for time, price, qty in prints:
        k = len(cuts) - bisect_right(cuts, time)
        values[k] = values.get(k, Decimal(0)) + price * qty
        volumes[k] = volumes.get(k, 0) + qty
        if time > latest:
            latest = time
    if clock.offset(latest) < HOUR:
        return _whole_day(instrument, tick, prints, clock, previous)
    k = min(volumes)
    low = max(total - (k + 1) * HOUR, timedelta(0))
    return SettlementPrice(
        instrument,
        round_to_tick(values[k] / volumes[k], tick),
        PriceSource.LAST_HOUR_VWAP,
        previous,
        window_start=clock.wall_start(low),
        window_end=clock.wall_end(total - k * HOUR),
        hours_back=k,
        lots=volumes[k],
    )


class _TradingClock:
    """Converts between wall-clock time and trading time (elapsed session time since the open)."""

    __slots__ = ("sessions", "before", "total")

    def __init__(self, sessions: Sequence[Period]) -> None:
        self.sessions = list(sessions)
        self.before: list[timedelta] = []
        elapsed = timedelta(0)
        previous_end: datetime | None = None
        for start, end in self.sessions:
            if end <= start or (previous_end is not None and start < previous_end):
                raise ValueError(f"sessions must be ordered and non-overlapping: {start} - {end}")
            self.before.append(elapsed)
            elapsed += end - start
            previous_end = end
        self.total = elapsed

    def offset(self, moment: datetime) -> timedelta:
        """Trading time elapsed at `moment`; breaks and times outside the day are clamped."""
        result = timedelta(0)
        for (start, end), before in zip(self.sessions, self.before):
            if moment < start:
                break
            result = before + min(moment, end) - start
        return result

    def wall_start(self, offset: timedelta) -> datetime:
        """The wall-clock time at which trading time `offset` begins (after a break: its end)."""
        for (start, end), before in zip(self.sessions, self.before):
            if offset < before + (end - start):
                return start + (offset - before)
        return self.sessions[-1][1]

    def wall_end(self, offset: timedelta) -> datetime:
        """The wall-clock time at which trading time `offset` is reached (before a break: its start)."""
        for (start, end), before in zip(self.sessions, self.before):
            if offset <= before + (end - start):
                return start + (offset - before)
        return self.sessions[-1][1]
