"""Dispute deadline and finality: 30 minutes before the next trading day's first open."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.settlement.deadlines import dispute_deadline, is_final, next_open

SH = ZoneInfo("Asia/Shanghai")
CALENDAR = TradingCalendar("Asia/Shanghai", frozenset({date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)}))
INDEX = TradingHours("cffex_index", day=((time(9, 30), time(11, 30)), (time(13, 0), time(15, 0))))
METAL = TradingHours("shfe_metal", day=((time(9, 0), time(10, 15)), (time(10, 30), time(11, 30)), (time(13, 30), time(15, 0))), night=((time(21, 0), time(1, 0)),))


def test_without_night_trading_the_next_open_is_the_next_morning():
    # Monday 2026-11-23 -> Tuesday 09:30 (the 09:25 call auction is not the open); deadline 09:00
    assert next_open(CALENDAR, [INDEX], date(2026, 11, 23)) == datetime(2026, 11, 24, 9, 30, tzinfo=SH)
    assert dispute_deadline(CALENDAR, [INDEX], date(2026, 11, 23)) == datetime(2026, 11, 24, 9, 0, tzinfo=SH)


def test_night_trading_opens_the_next_trading_day_on_the_same_evening():
    # Monday's 21:00 night session trades for Tuesday: the earliest open of any product wins
    assert next_open(CALENDAR, [INDEX, METAL], date(2026, 11, 23)) == datetime(2026, 11, 23, 21, 0, tzinfo=SH)
    assert dispute_deadline(CALENDAR, [INDEX, METAL], date(2026, 11, 23)) == datetime(2026, 11, 23, 20, 30, tzinfo=SH)
    # Friday night trades for Monday
    assert next_open(CALENDAR, [METAL], date(2026, 11, 20)) == datetime(2026, 11, 20, 21, 0, tzinfo=SH)


def test_no_night_session_before_a_holiday():
    # Wednesday 2026-09-30: the next trading day is Tuesday 2026-10-06, no night session on the eve of a holiday
    assert next_open(CALENDAR, [INDEX, METAL], date(2026, 9, 30)) == datetime(2026, 10, 6, 9, 0, tzinfo=SH)


def test_final_from_the_deadline_on():
    deadline = dispute_deadline(CALENDAR, [METAL], date(2026, 11, 23))
    assert not is_final(CALENDAR, [METAL], date(2026, 11, 23), deadline - timedelta(microseconds=1))
    assert is_final(CALENDAR, [METAL], date(2026, 11, 23), deadline.astimezone(timezone.utc))
