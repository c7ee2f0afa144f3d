"""Trading calendar: trading days, holidays, day and night sessions.

Chinese futures trading days run from the previous evening's night session to the afternoon
close. A night-session trade therefore belongs to the *next* trading day: Monday night to
Tuesday, Friday night (and the small hours of Saturday) to Monday. There is no night session
on the eve of a holiday: a night session on trading day D exists only when every calendar day
between D and the next trading day is a weekend day.

The call auction takes the `auction_minutes` before the first session of the trading day:
before the night open when there is a night session, before the day open otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .enums import SessionKind

Period = tuple[time, time]


@dataclass(frozen=True, slots=True)
class TradingHours:
    """A named template of session times in exchange local time."""

    name: str
    day: tuple[Period, ...]
    night: tuple[Period, ...] = ()
    auction_minutes: int = 5

    def problems(self) -> list[tuple[str, str]]:
        found = []
        if not self.day:
            found.append(("day", "at least one day period is required"))
        for label, periods in (("day", self.day), ("night", self.night)):
            for i, (start, end) in enumerate(periods):
                if label == "day" and end <= start:
                    found.append((f"{label}[{i}]", f"ends at {end} before it starts at {start}"))
        if self.auction_minutes < 0:
            found.append(("auction_minutes", "must not be negative"))
        return found


@dataclass(frozen=True, slots=True)
class Session:
    kind: SessionKind
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class TradingCalendar:
    timezone: str
    holidays: frozenset[date]
    # Timestamps at or after this local time on a trading day belong to the next trading day.
    rollover: time = time(18, 0)
    weekend: frozenset[int] = field(default_factory=lambda: frozenset({5, 6}))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_trading_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_trading_day(self, day: date) -> date:
        candidate = day + timedelta(days=1)
        while not self.is_trading_day(candidate):
            candidate += timedelta(days=1)
        return candidate

    def previous_trading_day(self, day: date) -> date:
        candidate = day - timedelta(days=1)
        while not self.is_trading_day(candidate):
            candidate -= timedelta(days=1)
        return candidate

    def has_night_session(self, day: date) -> bool:
        """Whether trading day `day` has a night session (which trades for the next day)."""
        if not self.is_trading_day(day):
            return False
        following = self.next_trading_day(day)
        between = (day + timedelta(days=n) for n in range(1, (following - day).days))
        return not any(d in self.holidays for d in between)

    def trading_day_of(self, moment: datetime) -> date:
        """The trading day a timestamp (a trade, a deposit) belongs to."""
        if moment.tzinfo is None:
            raise ValueError("trading_day_of needs a timezone-aware timestamp")
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.is_trading_day(day) and local.time() < self.rollover:
            return day
        return self.next_trading_day(day)

    def sessions(self, trading_day: date, hours: TradingHours) -> list[Session]:
        """Every session of `trading_day` in time order, auction first, as aware datetimes."""
        if not self.is_trading_day(trading_day):
            return []
        tz = self.tz
        periods: list[Session] = []
        evening = self.previous_trading_day(trading_day)
        if hours.night and self.has_night_session(evening):
            for start, end in hours.night:
                start_dt = datetime.combine(evening, start, tz)
                end_day = evening if end > start else evening + timedelta(days=1)
                periods.append(Session(SessionKind.NIGHT, start_dt, datetime.combine(end_day, end, tz)))
        for start, end in hours.day:
            periods.append(Session(SessionKind.DAY, datetime.combine(trading_day, start, tz), datetime.combine(trading_day, end, tz)))
        if hours.auction_minutes:
            first = periods[0].start
            periods.insert(0, Session(SessionKind.CALL_AUCTION, first - timedelta(minutes=hours.auction_minutes), first))
        return periods

    def session_at(self, moment: datetime, hours: TradingHours) -> Session | None:
        """The session trading at `moment`, or None in a break or when closed."""
        for session in self.sessions(self.trading_day_of(moment), hours):
            if session.contains(moment):
                return session
        return None
