from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from backoffice.domain.enums import ClosePriority, OffsetFlag, RateMode, RateScope, Side
from backoffice.domain.rates import RatePolicy, RateSchedule, RateSet
from backoffice.settlement.client_rates import ClientRates
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, TradeLine

D = Decimal
DAY = date(2026, 3, 2)
# Exchange: margin 12% both sides, open fee 0.5 per lot, no fee by money.
EXCHANGE = {"X": RateSet(D("0.12"), D("0.12"), D(0), D("0.5"), D(0), D("0.5"), D(0), D("1.5"))}
RELATIVE = RateSchedule("M1", RateScope.MEMBER, None, None, date(2026, 1, 1), RateMode.RELATIVE, fee_multiple=D(4), margin_addon=D("0.05"))
ABSOLUTE_VIP = RateSchedule(
    "M1",
    RateScope.CLIENT,
    "vip",
    "X",
    date(2026, 1, 1),
    RateMode.ABSOLUTE,
    absolute=RateSet(D("0.2"), D("0.2"), D(0), D(2), D(0), D(2), D(0), D(6)),
)
GROUP_HEDGERS = RateSchedule("M1", RateScope.GROUP, "hedgers", None, date(2026, 1, 1), RateMode.RELATIVE, fee_multiple=D(3), margin_addon=D("0.03"))
LATER = RateSchedule("M1", RateScope.MEMBER, None, None, date(2026, 4, 1), RateMode.RELATIVE, fee_multiple=D(10), margin_addon=D("0.5"))
OTHER_MEMBER = RateSchedule("M2", RateScope.CLIENT, "c1", None, date(2026, 1, 1), RateMode.RELATIVE, fee_multiple=D(9), margin_addon=D("0.4"))


def member_rates(schedules):
    return ClientRates("M1", schedules, EXCHANGE, DAY, RatePolicy())


def settle_buy_two(rates):
    # buy 2 @ 5,000 to open, M = 10, settlement 5,030 (the reference example)
    inst = InstrumentDay("X2603", "X", D(10), D(4990), D(5030), False, False, ClosePriority.TODAY_FIRST)
    line = TradeLine("c", "t1", "X2603", Side.BUY, OffsetFlag.OPEN, D(5000), 2, datetime.combine(DAY, time(10), ZoneInfo("Asia/Shanghai")))
    result = settle_level(LevelInput(DAY, {"X2603": inst}, [AccountOpening("c", D("1000000"), D(0), D(0), rates)], [], [line]))
    return result.accounts[0]


def test_relative_schedule_applies_fee_multiple_and_margin_addon():
    rates = member_rates([RELATIVE, LATER, OTHER_MEMBER]).for_client("c1", None)["X"]
    assert (rates.margin_long, rates.fee_open_volume, rates.fee_close_today_volume) == (D("0.17"), D("2.0"), D("6.0"))  # 0.12 + 0.05; 0.5 x 4; 1.5 x 4
    acct = settle_buy_two({"X": rates})
    assert acct.fees == D("4.00")  # 2 lots x 2.0
    assert acct.margin == D("17102.00")  # 5,030 x 2 x 10 x 0.17


def test_absolute_client_schedule_beats_the_member_schedule():
    rates = member_rates([RELATIVE, ABSOLUTE_VIP]).for_client("vip", None)
    assert rates["X"] is ABSOLUTE_VIP.absolute
    acct = settle_buy_two(rates)
    assert acct.fees == D("4.00")  # 2 lots x 2
    assert acct.margin == D("20120.00")  # 5,030 x 2 x 10 x 0.2


def test_group_schedule_beats_member_schedule():
    rates = member_rates([RELATIVE, GROUP_HEDGERS]).for_client("h1", "hedgers")["X"]
    assert (rates.margin_short, rates.fee_open_volume) == (D("0.15"), D("1.5"))  # 0.12 + 0.03; 0.5 x 3


def test_no_schedule_means_the_policy_floor():
    rates = member_rates([]).for_client("c1", None)["X"]
    # default policy: fee x 3, margin + 0.03
    assert (rates.margin_long, rates.fee_open_volume) == (D("0.15"), D("1.5"))
    acct = settle_buy_two({"X": rates})
    assert (acct.fees, acct.margin) == (D("3.00"), D("15090.00"))  # 2 x 1.5; 5,030 x 2 x 10 x 0.15


def test_clients_on_the_same_schedules_share_one_mapping():
    resolver = member_rates([RELATIVE, ABSOLUTE_VIP, GROUP_HEDGERS])
    assert resolver.for_client("a", None) is resolver.for_client("b", None)
    assert resolver.for_client("a", None) is not resolver.for_client("vip", None)
    assert resolver.for_client("h1", "hedgers") is resolver.for_client("h2", "hedgers")
