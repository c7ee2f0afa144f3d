from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backoffice.domain.enums import SettlementPriceRule
from backoffice.settlement.prices import PriceSource, TradePrint, settlement_price, vwap

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
LAST_HOUR = SettlementPriceRule.LAST_HOUR_VWAP
WHOLE_DAY = SettlementPriceRule.WHOLE_DAY_VWAP


def at(hh: int, mm: int, ss: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), TZ)


# CFFEX IF: 09:30-11:30, 13:00-15:00 = 4h of trading. T: 09:30-11:30, 13:00-15:15 = 4h15.
IF_SESSIONS = [(at(9, 30), at(11, 30)), (at(13, 0), at(15, 0))]
T_SESSIONS = [(at(9, 30), at(11, 30)), (at(13, 0), at(15, 15))]


def p(when: datetime, price: str, qty: int) -> TradePrint:
    return TradePrint(when, Decimal(price), qty)


def test_reference_example_last_hour_vwap_rounded_to_tick():
    prints = [
        p(at(10, 0), "90.000", 100),  # before the last hour: ignored
        p(at(14, 10), "100.000", 10),
        p(at(14, 30), "101.000", 20),
        p(at(14, 59), "102.000", 30),
    ]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.005"), prints, IF_SESSIONS, Decimal("99.000"))
    # (100 x 10 + 101 x 20 + 102 x 30) / 60 = 6080 / 60 = 101.3333...
    # 101.3333 / 0.005 = 20266.67 -> 20267 ticks -> 101.335
    assert result.price == Decimal("101.335")
    assert result.source is PriceSource.LAST_HOUR_VWAP
    assert (result.window_start, result.window_end) == (at(14, 0), at(15, 0))
    assert result.hours_back == 0
    assert result.lots == 60
    assert result.previous_settlement == Decimal("99.000")


def test_vwap_is_unrounded():
    prints = [p(at(14, 10), "100", 10), p(at(14, 30), "101", 20), p(at(14, 59), "102", 30)]
    assert vwap(prints) == Decimal(6080) / Decimal(60)
    assert vwap([]) is None


def test_last_hour_includes_its_start_and_the_close_but_not_a_second_before():
    prints = [
        p(at(13, 59, 59), "50", 100),  # in the hour before: ignored
        p(at(14, 0), "100", 1),
        p(at(15, 0), "104", 1),
    ]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"))
    # (100 + 104) / 2 = 102.0
    assert result.price == Decimal("102.0")
    assert result.lots == 2


def test_no_trade_in_last_hour_steps_back_one_hour():
    prints = [
        p(at(10, 0), "50", 100),  # two hours back: not reached
        p(at(13, 10), "100", 1),
        p(at(13, 50), "101", 3),
    ]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"))
    # (100 x 1 + 101 x 3) / 4 = 403 / 4 = 100.75; 100.75 / 0.2 = 503.75 -> 504 ticks -> 100.8
    assert result.price == Decimal("100.8")
    assert result.source is PriceSource.LAST_HOUR_VWAP
    assert result.hours_back == 1
    assert (result.window_start, result.window_end) == (at(13, 0), at(14, 0))


def test_stepping_back_skips_the_lunch_break_in_trading_time():
    # IF: window 2 is trading time [1h, 2h) = 10:30-11:30; the lunch break does not count.
    prints = [p(at(10, 29), "50", 100), p(at(10, 30), "100", 1), p(at(11, 29), "102", 1)]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"))
    # (100 + 102) / 2 = 101.0; the 10:29 print is in window 3
    assert result.price == Decimal("101.0")
    assert result.hours_back == 2
    assert (result.window_start, result.window_end) == (at(10, 30), at(11, 30))


def test_t_last_hour_is_1415_to_1515():
    prints = [p(at(14, 14), "90.000", 50), p(at(14, 15), "97.000", 1), p(at(15, 10), "97.010", 1)]
    result = settlement_price("T2606", LAST_HOUR, Decimal("0.005"), prints, T_SESSIONS, Decimal("96"))
    # (97.000 + 97.010) / 2 = 97.005, on the tick
    assert result.price == Decimal("97.005")
    assert (result.window_start, result.window_end) == (at(14, 15), at(15, 15))


def test_t_window_measured_across_the_lunch_break():
    # T has 4h15 of trading: window 0 = 14:15-15:15, window 1 = 13:15-14:15,
    # window 2 = trading time [1h15, 2h15) = 10:45-11:30 plus 13:00-13:15.
    prints = [
        p(at(10, 30), "90.000", 50),  # window 3: ignored
        p(at(11, 0), "97.000", 2),
        p(at(13, 10), "97.100", 2),
    ]
    result = settlement_price("T2606", LAST_HOUR, Decimal("0.005"), prints, T_SESSIONS, Decimal("96"))
    # (97.000 x 2 + 97.100 x 2) / 4 = 388.2 / 4 = 97.05 -> on the tick -> 97.050
    assert result.price == Decimal("97.050")
    assert result.hours_back == 2
    assert (result.window_start, result.window_end) == (at(10, 45), at(13, 15))
    assert result.lots == 4


def test_traded_less_than_one_hour_after_the_open_uses_whole_day_vwap():
    # The last trade is 50 minutes of trading after the 09:30 open.
    prints = [p(at(9, 35), "97.000", 1), p(at(10, 20), "97.100", 1)]
    result = settlement_price("T2606", LAST_HOUR, Decimal("0.005"), prints, T_SESSIONS, Decimal("96"))
    # whole day: (97.000 + 97.100) / 2 = 97.050 (stepping back alone would have found only the
    # 10:20 print, in window 3 = 09:45-10:45, and given 97.100)
    assert result.price == Decimal("97.050")
    assert result.source is PriceSource.WHOLE_DAY_VWAP
    assert (result.window_start, result.window_end) == (at(9, 30), at(15, 15))
    assert result.hours_back is None


def test_last_trade_exactly_one_hour_after_the_open_steps_back_normally():
    prints = [p(at(9, 40), "100", 1), p(at(10, 30), "102", 1)]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"))
    # IF window 2 = 10:30-11:30 holds the 10:30 print only -> 102
    assert result.price == Decimal("102.0")
    assert result.source is PriceSource.LAST_HOUR_VWAP
    assert result.hours_back == 2


def test_auction_print_before_the_open_counts_at_the_open():
    prints = [p(at(9, 25), "100", 1), p(at(9, 50), "101", 1)]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"))
    # last trade 20 minutes after the open -> whole day (100 + 101) / 2 = 100.5 -> 502.5 ticks -> 503 -> 100.6
    assert result.price == Decimal("100.6")
    assert result.source is PriceSource.WHOLE_DAY_VWAP


def test_no_trade_falls_back_to_previous_settlement():
    for rule in (LAST_HOUR, WHOLE_DAY):
        result = settlement_price("IF2603", rule, Decimal("0.2"), [], IF_SESSIONS, Decimal("4012.4"))
        assert result.price == Decimal("4012.4")
        assert result.source is PriceSource.PREVIOUS_SETTLEMENT
        assert result.window_start is None and result.lots == 0


def test_official_price_wins_over_computed():
    prints = [p(at(14, 10), "100", 10)]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"), official=Decimal("99.8"))
    assert result.price == Decimal("99.8")
    assert result.source is PriceSource.OFFICIAL
    assert result.window_start is None


def test_whole_day_vwap_includes_the_night_session():
    evening = date(2026, 2, 27)  # Friday night trades for Monday
    sessions = [
        (at(21, 0, day=evening), at(23, 0, day=evening)),
        (at(9, 0), at(10, 15)),
        (at(10, 30), at(11, 30)),
        (at(13, 30), at(15, 0)),
    ]
    prints = [p(at(21, 5, day=evening), "70000", 2), p(at(9, 1), "70100", 1), p(at(14, 59), "70230", 1)]
    result = settlement_price("cu2604", WHOLE_DAY, Decimal("10"), prints, sessions, Decimal("69900"))
    # (70000 x 2 + 70100 + 70230) / 4 = 280330 / 4 = 70082.5 -> 7008.25 ticks -> 7008 -> 70080
    assert result.price == Decimal("70080")
    assert result.source is PriceSource.WHOLE_DAY_VWAP
    assert (result.window_start, result.window_end) == (at(21, 0, day=evening), at(15, 0))
    assert result.lots == 4


def test_rounding_half_up_to_the_tick():
    prints = [p(at(14, 10), "100.0", 1), p(at(14, 20), "100.2", 1), p(at(14, 30), "100.2", 2)]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"))
    # (100.0 + 100.2 x 3) / 4 = 400.6 / 4 = 100.15 -> 500.75 ticks -> 501 -> 100.2
    assert result.price == Decimal("100.2")
    prints = [p(at(14, 10), "100.0", 3), p(at(14, 20), "100.2", 1)]
    result = settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), prints, IF_SESSIONS, Decimal("90"))
    # (300.0 + 100.2) / 4 = 100.05 -> 500.25 ticks -> 500 -> 100.0
    assert result.price == Decimal("100.0")


def test_sessions_are_required_and_must_be_ordered():
    with pytest.raises(ValueError):
        settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), [p(at(14, 0), "1", 1)], [], Decimal("90"))
    with pytest.raises(ValueError):
        settlement_price("IF2603", LAST_HOUR, Decimal("0.2"), [p(at(14, 0), "1", 1)], list(reversed(IF_SESSIONS)), Decimal("90"))
