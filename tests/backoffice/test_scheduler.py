"""The scheduler's calendar: when the end of day fires, which day a (late) firing closes, and
which end-of-day times the trading hours allow."""

import pickle
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.scheduler import TradingDayTrigger, check_end_of_day_time

SH = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = date(2026, 10, 1)  # a Thursday
CAL = TradingCalendar("Asia/Shanghai", frozenset({NATIONAL_DAY, date(2026, 10, 2)}))
TRIGGER = TradingDayTrigger(CAL, time(15, 30))


def at(*args):
    return datetime(*args, tzinfo=SH)


def test_it_fires_on_trading_days_only():
    assert TRIGGER.get_next_fire_time(None, at(2026, 11, 20, 16, 0)) == at(2026, 11, 23, 15, 30)  # Friday after: Monday
    assert TRIGGER.get_next_fire_time(None, at(2026, 11, 24, 9, 0)) == at(2026, 11, 24, 15, 30)
    assert TRIGGER.get_next_fire_time(None, at(2026, 9, 30, 15, 31)) == at(2026, 10, 5, 15, 30)  # holidays, weekend
    assert TRIGGER.get_next_fire_time(None, at(2026, 11, 24, 15, 30)) == at(2026, 11, 24, 15, 30)


def test_after_a_previous_fire_time_it_gives_the_next_one_even_if_past_so_a_missed_run_is_seen():
    previous = at(2026, 11, 20, 15, 30)
    assert TRIGGER.get_next_fire_time(previous, at(2026, 11, 23, 18, 0)) == at(2026, 11, 23, 15, 30)


def test_a_late_firing_closes_the_day_of_the_latest_fire_time():
    assert TRIGGER.latest_fire_time(at(2026, 11, 23, 18, 0)) == at(2026, 11, 23, 15, 30)
    assert TRIGGER.latest_fire_time(at(2026, 11, 24, 2, 0)) == at(2026, 11, 23, 15, 30)  # after midnight: still Monday's
    assert TRIGGER.latest_fire_time(at(2026, 11, 23, 15, 29)) == at(2026, 11, 20, 15, 30)
    assert TRIGGER.latest_fire_time(at(2026, 10, 5, 9, 0)) == at(2026, 9, 30, 15, 30)


def test_the_trigger_is_stored_and_compared_with_its_calendar():
    assert pickle.loads(pickle.dumps(TRIGGER)) == TRIGGER
    assert TradingDayTrigger(TradingCalendar("Asia/Shanghai", frozenset()), time(15, 30)) != TRIGGER
    assert str(TRIGGER) == "trading days at 15:30:00 Asia/Shanghai"


CFFEX = TradingHours("cffex", ((time(9, 30), time(11, 30)), (time(13, 0), time(15, 15))))
SHFE = TradingHours("shfe", ((time(9, 0), time(10, 15)), (time(13, 30), time(15, 0))), ((time(21, 0), time(23, 0)),))


def test_the_end_of_day_comes_after_the_last_close_and_before_the_night_auction():
    assert check_end_of_day_time(time(15, 30), [CFFEX, SHFE]) is None
    assert check_end_of_day_time(time(15, 10), [CFFEX, SHFE]) == "end_of_day.at 15:10 is before the last day-session close 15:15"
    assert check_end_of_day_time(time(20, 55), [CFFEX, SHFE]) == "end_of_day.at 20:55 is not before the night session's call auction at 20:55"
    assert check_end_of_day_time(time(22, 0), [CFFEX]) is None  # no night session anywhere
