from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.domain.enums import SessionKind

SH = ZoneInfo("Asia/Shanghai")
# 2026-09-25 (Friday) Mid-Autumn and 2026-10-01..07 National Day, sample.
HOLIDAYS = frozenset({date(2026, 9, 25), *(date(2026, 10, d) for d in (1, 2, 5, 6, 7))})
CAL = TradingCalendar(timezone="Asia/Shanghai", holidays=HOLIDAYS)
METAL = TradingHours("shfe_metal", day=((time(9), time(10, 15)), (time(10, 30), time(11, 30)), (time(13, 30), time(15))), night=((time(21), time(1)),))
INDEX = TradingHours("cffex_index", day=((time(9, 30), time(11, 30)), (time(13), time(15))))


def at(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def test_trading_days_skip_weekends_and_holidays():
    assert CAL.is_trading_day(date(2026, 11, 20))  # Friday
    assert not CAL.is_trading_day(date(2026, 11, 21))  # Saturday
    assert not CAL.is_trading_day(date(2026, 10, 1))
    assert CAL.next_trading_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.previous_trading_day(date(2026, 10, 8)) == date(2026, 9, 30)


def test_night_session_trade_belongs_to_next_trading_day():
    assert CAL.trading_day_of(at(2026, 11, 17, 21, 30)) == date(2026, 11, 18)  # Tuesday night -> Wednesday
    assert CAL.trading_day_of(at(2026, 11, 18, 0, 30)) == date(2026, 11, 18)  # after midnight, same trading day
    assert CAL.trading_day_of(at(2026, 11, 18, 14, 59)) == date(2026, 11, 18)


def test_friday_night_belongs_to_monday():
    assert CAL.trading_day_of(at(2026, 11, 20, 22)) == date(2026, 11, 23)
    assert CAL.trading_day_of(at(2026, 11, 21, 0, 45)) == date(2026, 11, 23)  # small hours of Saturday


def test_utc_timestamps_are_judged_in_exchange_time():
    # 13:30 UTC on Friday is 21:30 in Shanghai: night session, Monday's trading day.
    assert CAL.trading_day_of(datetime(2026, 11, 20, 13, 30, tzinfo=ZoneInfo("UTC"))) == date(2026, 11, 23)
    with pytest.raises(ValueError):
        CAL.trading_day_of(datetime(2026, 11, 20, 13, 30))


def test_no_night_session_on_the_eve_of_a_holiday():
    assert CAL.has_night_session(date(2026, 11, 20))  # Friday before an ordinary weekend
    assert not CAL.has_night_session(date(2026, 9, 24))  # Thursday before Mid-Autumn Friday
    assert not CAL.has_night_session(date(2026, 9, 30))  # before National Day
    assert not CAL.has_night_session(date(2026, 11, 21))  # not a trading day


def test_sessions_of_a_monday_start_with_friday_night():
    sessions = CAL.sessions(date(2026, 11, 23), METAL)
    kinds = [s.kind for s in sessions]
    assert kinds == [SessionKind.CALL_AUCTION, SessionKind.NIGHT, SessionKind.DAY, SessionKind.DAY, SessionKind.DAY]
    auction, night = sessions[0], sessions[1]
    assert (auction.start, auction.end) == (at(2026, 11, 20, 20, 55), at(2026, 11, 20, 21))
    assert (night.start, night.end) == (at(2026, 11, 20, 21), at(2026, 11, 21, 1))
    assert CAL.session_at(at(2026, 11, 21, 0, 30), METAL).kind is SessionKind.NIGHT
    assert CAL.session_at(at(2026, 11, 23, 10, 20), METAL) is None  # the 10:15-10:30 break


def test_first_day_after_a_holiday_has_no_night_and_auctions_before_the_day_open():
    sessions = CAL.sessions(date(2026, 10, 8), METAL)
    assert sessions[0].kind is SessionKind.CALL_AUCTION
    assert (sessions[0].start, sessions[0].end) == (at(2026, 10, 8, 8, 55), at(2026, 10, 8, 9))
    assert SessionKind.NIGHT not in [s.kind for s in sessions]


def test_products_without_night_hours_never_trade_at_night():
    sessions = CAL.sessions(date(2026, 11, 23), INDEX)
    assert [(s.kind, s.start.time(), s.end.time()) for s in sessions] == [
        (SessionKind.CALL_AUCTION, time(9, 25), time(9, 30)),
        (SessionKind.DAY, time(9, 30), time(11, 30)),
        (SessionKind.DAY, time(13), time(15)),
    ]
    assert CAL.sessions(date(2026, 11, 21), INDEX) == []
