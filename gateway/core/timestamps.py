"""The core's time unit: integer nanoseconds since the epoch (UTC), exact both ways.

Commands carry their time as an int so that the journal replays it bit for bit; the edges
(risk's throttle, trade rows, FIX SendingTime) need aware datetimes. Conversions go through
integer arithmetic only, never a float timestamp.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_nanoseconds(moment: datetime) -> int:
    """An aware datetime as a command time."""
    return (moment - EPOCH) // timedelta(microseconds=1) * 1000


def from_nanoseconds(time_ns: int) -> datetime:
    """A command time as an aware UTC datetime (to the microsecond)."""
    return EPOCH + timedelta(microseconds=time_ns // 1000)
