"""Trading phases from the calendar: when each book enters which phase on a trading day.

The books never read a clock; the venue's driver turns this schedule into `SetPhase`
commands at the right moments (and they are journalled like everything else). The call
auction collects orders (PRE_OPEN) and its end uncrosses into CONTINUOUS; gaps between
sessions are BREAKs; after the last session the book is CLOSED. A night session belongs to
the trading day it trades for, so the schedule of Monday starts on Friday evening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.domain.enums import SessionKind
from gateway.matching import TradingPhase

from .commands import SetPhase
from .timestamps import to_nanoseconds


@dataclass(frozen=True, slots=True)
class PhaseChange:
    at: datetime
    phase: TradingPhase


def phase_schedule(calendar: TradingCalendar, hours: TradingHours, trading_day: date) -> list[PhaseChange]:
    """Every phase change of one book on `trading_day`, in time order."""
    changes: list[PhaseChange] = []
    sessions = calendar.sessions(trading_day, hours)
    for i, session in enumerate(sessions):
        opening = TradingPhase.PRE_OPEN if session.kind is SessionKind.CALL_AUCTION else TradingPhase.CONTINUOUS
        if changes and changes[-1].at == session.start:
            changes.pop()  # no break between back-to-back sessions (auction -> open)
        changes.append(PhaseChange(session.start, opening))
        last = i == len(sessions) - 1
        changes.append(PhaseChange(session.end, TradingPhase.CLOSED if last else TradingPhase.BREAK))
    return changes


def phase_commands(
    calendar: TradingCalendar, hours_by_instrument: dict[str, TradingHours], trading_day: date
) -> list[SetPhase]:
    """The `SetPhase` commands of a whole trading day for every book, in time order."""
    commands = [
        SetPhase(to_nanoseconds(change.at), change.phase, instrument)
        for instrument, hours in sorted(hours_by_instrument.items())
        for change in phase_schedule(calendar, hours, trading_day)
    ]
    return sorted(commands, key=lambda c: (c.time, c.instrument or ""))
