"""When a trading day's results become final, and when its margin calls fall due.

Both hang on the next open: a member may dispute a day's results until 30 minutes before
the next trading day's open, after which they are deemed accepted (and rerunning the day
needs `--force`); a margin call must be met before that open, else forced liquidation. The
open is the earliest continuous session of any product on the next trading day, which with
night trading is the evening of the day itself (Monday's 21:00 session trades for Tuesday).
The call auction before it is not the open: it only collects orders.

Pure: the calendar and trading hours come in, the caller supplies "now".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.domain.enums import SessionKind

DISPUTE_WINDOW_CLOSES_BEFORE_OPEN = timedelta(minutes=30)


def next_open(calendar: TradingCalendar, hours: Iterable[TradingHours], day: date) -> datetime:
    """The first open of the trading day after `day`, over every set of trading hours."""
    following = calendar.next_trading_day(day)
    starts = [
        session.start
        for template in hours
        for session in calendar.sessions(following, template)
        if session.kind is not SessionKind.CALL_AUCTION
    ]
    if not starts:
        raise ValueError(f"no trading hours: the open after {day} is unknown")
    return min(starts)


def dispute_deadline(calendar: TradingCalendar, hours: Iterable[TradingHours], day: date) -> datetime:
    """The last instant at which a member may dispute the results of `day`."""
    return next_open(calendar, hours, day) - DISPUTE_WINDOW_CLOSES_BEFORE_OPEN


def is_final(calendar: TradingCalendar, hours: Iterable[TradingHours], day: date, now: datetime) -> bool:
    """Whether the results of `day` are final at `now` (the dispute deadline has passed)."""
    return now >= dispute_deadline(calendar, hours, day)
