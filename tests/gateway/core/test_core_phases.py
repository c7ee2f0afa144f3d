"""Phases of a book through a trading day, from the calendar."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from backoffice.domain.calendar import TradingCalendar, TradingHours
from gateway.core.phases import phase_commands, phase_schedule
from gateway.matching import TradingPhase as P

SH = ZoneInfo("Asia/Shanghai")
CAL = TradingCalendar("Asia/Shanghai", frozenset({date(2026, 10, 1)}))
METAL = TradingHours("metal", day=((time(9), time(10, 15)), (time(10, 30), time(11, 30)), (time(13, 30), time(15))), night=((time(21), time(1)),))
INDEX = TradingHours("index", day=((time(9, 30), time(11, 30)), (time(13), time(15))))


def local(d, h, m=0):
    return datetime(2026, 11, d, h, m, tzinfo=SH)


def test_monday_of_a_night_product_starts_with_fridays_auction():
    changes = [(c.at, c.phase) for c in phase_schedule(CAL, METAL, date(2026, 11, 23))]
    assert changes == [
        (local(20, 20, 55), P.PRE_OPEN),
        (local(20, 21), P.CONTINUOUS),  # the auction's end uncrosses into the night session
        (local(21, 1), P.BREAK),
        (local(23, 9), P.CONTINUOUS),
        (local(23, 10, 15), P.BREAK),
        (local(23, 10, 30), P.CONTINUOUS),
        (local(23, 11, 30), P.BREAK),
        (local(23, 13, 30), P.CONTINUOUS),
        (local(23, 15), P.CLOSED),
    ]


def test_day_only_product_and_commands_in_time_order():
    commands = phase_commands(CAL, {"IF2612": INDEX, "cu2701": METAL}, date(2026, 11, 24))
    assert [c.time for c in commands] == sorted(c.time for c in commands)
    index = [(c.phase) for c in commands if c.instrument == "IF2612"]
    assert index == [P.PRE_OPEN, P.CONTINUOUS, P.BREAK, P.CONTINUOUS, P.CLOSED]
    first = commands[0]
    assert first.instrument == "cu2701" and first.time == 1_795_438_500 * 10**9  # 2026-11-23 20:55 Shanghai = 12:55 UTC
