from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.rates import RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.settlement.reserve import ReserveOpening, roll_reserve

D = Decimal
DAY = date(2026, 3, 2)
ACCOUNT = "RSV-CFFEX-M1-B"


def member_day():
    # IF-like: M = 300, previous settlement 4,000, settlement 3,900; exchange margin 12%,
    # open fee 0.23 per 10,000 of turnover.
    inst = InstrumentDay("IF2603", "IF", D(300), D(4000), D(3900), False, False, ClosePriority.TODAY_FIRST)
    rates = {"IF": RateSet(D("0.12"), D("0.12"), D("0.000023"), D(0), D("0.000023"), D(0), D("0.00023"), D(0))}
    # reserve b/f 2,300,000 + margin b/f 4,000 x 10 x 300 x 0.12 = 1,440,000 -> balance b/f 3,740,000
    opening = AccountOpening(ACCOUNT, D("3740000.00"), D("100000.00"), D(0), rates)
    lots = [Lot(ACCOUNT, "IF2603", PositionDirection.LONG, date(2026, 2, 27), D(4010), 10)]
    trades = [TradeLine(ACCOUNT, "t1", "IF2603", Side.BUY, OffsetFlag.OPEN, D(3950), 2, datetime.combine(DAY, time(10), ZoneInfo("Asia/Shanghai")))]
    result = settle_level(LevelInput(DAY, {"IF2603": inst}, [opening], lots, trades))
    assert result.problems == ()
    return result.accounts[0]


def test_reserve_roll_forward_with_minimum_reserve_call():
    settled = member_day()
    # MTM: carried (3,900 - 4,000) x 10 x 300 = -300,000; new (3,900 - 3,950) x 2 x 300 = -30,000
    assert settled.pnl == D("-330000.00")
    assert settled.fees == D("54.51")  # 3,950 x 2 x 300 x 0.000023 = 54.51
    assert settled.margin == D("1684800.00")  # 3,900 x 12 x 300 x 0.12
    reserve = roll_reserve(ReserveOpening(ACCOUNT, D("2300000.00"), D("1440000.00"), D("2000000.00")), settled)
    # 2,300,000 + 1,440,000 - 1,684,800 - 330,000 + 100,000 - 0 - 54.51 = 1,825,145.49
    assert reserve.reserve == D("1825145.49")
    assert reserve.reserve == settled.balance_cf - settled.margin  # 3,509,945.49 - 1,684,800
    assert reserve.margin_call == D("174854.51")  # 2,000,000 - 1,825,145.49
    assert reserve.net_settlement == D("-330054.51")  # -330,000 - 54.51: the member pays
    assert (reserve.deposits, reserve.withdrawals, reserve.margin_bf, reserve.margin) == (D("100000.00"), 0, D("1440000.00"), D("1684800.00"))


def test_no_call_at_or_above_minimum_reserve():
    settled = member_day()
    reserve = roll_reserve(ReserveOpening(ACCOUNT, D("2300000.00"), D("1440000.00"), D("1825145.49")), settled)
    assert reserve.margin_call == 0


def test_reserve_must_be_rolled_with_its_own_result():
    with pytest.raises(ValueError):
        roll_reserve(ReserveOpening("RSV-CFFEX-M2-B", D(0), D(0), D(0)), member_day())
