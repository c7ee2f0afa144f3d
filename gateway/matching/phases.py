"""Trading phases of one book, and what each phase lets through.

The caller owns the clock and the calendar, so the book never decides the phase itself: the
composition root calls `set_phase` at the session boundaries. The rules below follow CFFEX and
SHFE practice as far as a single book can see it:

- CLOSED: nothing trades and new orders and replaces are rejected; cancels are accepted so that
  good-till orders can be withdrawn overnight.
- PRE_OPEN (call auction): orders are collected without matching. Only DAY, GTC and GTD limit
  orders are accepted, as CFFEX and SHFE accept only limit orders in the call auction; market,
  stop, IOC and FOK orders are rejected (not held), so no order waits for a price it cannot see.
  Entering CONTINUOUS uncrosses the book once at the single auction price.
- CONTINUOUS: price-time matching.
- BREAK (the mid-session pauses): new orders and replaces are rejected rather than queued, so
  nothing is decided at the reopening on the strength of a price formed before the pause;
  cancels are accepted.
"""

from __future__ import annotations

from enum import StrEnum


class TradingPhase(StrEnum):
    PRE_OPEN = "pre_open"
    CONTINUOUS = "continuous"
    BREAK = "break"
    CLOSED = "closed"
