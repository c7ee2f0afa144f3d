"""Each invariant holds on a real settlement and detects a deliberately broken result."""

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.rates import RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.settlement.invariants import (
    LEVEL_CHECKS,
    balances_reconcile,
    check_level,
    open_interest_balanced,
    trades_settled_once,
    zero_sum,
)

D = Decimal
DAY = date(2026, 3, 2)
INST = InstrumentDay("X2603", "X", D(10), D(4990), D(5030), False, False, ClosePriority.TODAY_FIRST)
RATES = {"X": RateSet(D("0.12"), D("0.12"), D(0), D("0.5"), D(0), D("0.5"), D(0), D("1"))}


def at(minute: int) -> datetime:
    return datetime.combine(DAY, time(10, minute), ZoneInfo("Asia/Shanghai"))


def two_accounts_trading_with_each_other():
    # A is long 3 carried @ 4,900, B short 3 carried @ 4,950 (balanced open interest).
    lots = [Lot("A", "X2603", PositionDirection.LONG, date(2026, 2, 26), D(4900), 3), Lot("B", "X2603", PositionDirection.SHORT, date(2026, 2, 26), D(4950), 3)]
    trades = [
        # t1: A buys 2 more to open from B, who opens 2 short
        TradeLine("A", "t1", "X2603", Side.BUY, OffsetFlag.OPEN, D(5000), 2, at(0)),
        TradeLine("B", "t1", "X2603", Side.SELL, OffsetFlag.OPEN, D(5000), 2, at(0)),
        # t2: A sells 4 to close (2 today + 2 carried), B buys 4 to close (2 today + 2 carried)
        TradeLine("A", "t2", "X2603", Side.SELL, OffsetFlag.CLOSE, D(5020), 4, at(1)),
        TradeLine("B", "t2", "X2603", Side.BUY, OffsetFlag.CLOSE, D(5020), 4, at(1)),
    ]
    accounts = [AccountOpening("A", D("100000.00"), D(0), D(0), RATES), AccountOpening("B", D("100000.00"), D("500.00"), D("200.00"), RATES)]
    result = settle_level(LevelInput(DAY, {INST.code: INST}, accounts, lots, trades))
    assert result.problems == ()
    return result.accounts


def test_two_accounts_trading_with_each_other_are_zero_sum():
    a, b = two_accounts_trading_with_each_other()
    # A: today's 2 closed (5,020 - 5,000) x 2 x 10 = 400; 2 carried (5,020 - 4,990) x 2 x 10 = 600;
    #    1 carried left (5,030 - 4,990) x 10 = 400
    assert (a.close_pnl, a.position_mtm) == (D("1000.00"), D("400.00"))
    # B: the mirror image: -1,000 and -400
    assert (b.close_pnl, b.position_mtm) == (D("-1000.00"), D("-400.00"))
    # fees: open 2 x 0.5 = 1; close 2 x 1 (today) + 2 x 0.5 (carried) = 3 -> 4.00 each
    assert a.fees == b.fees == D("4.00")
    assert b.balance_cf == D("98896.00")  # 100,000 + 500 - 200 - 1,000 - 400 - 4
    assert check_level([a, b]) == []
    assert len(LEVEL_CHECKS) == 4


def test_zero_sum_detects_a_missing_position():
    a, b = two_accounts_trading_with_each_other()
    (violation,) = zero_sum([a, replace(b, positions=())])
    # without B's -400 MTM the instrument sums to +400
    assert (violation.check, violation.key) == ("zero_sum", "X2603")
    assert "400.00" in violation.message


def test_open_interest_detects_unbalanced_lots():
    a, b = two_accounts_trading_with_each_other()
    grown = a.positions[0]._replace(qty=2)  # same MTM, one lot too many
    (violation,) = open_interest_balanced([replace(a, positions=(grown,)), b])
    assert violation.key == "X2603" and violation.message == "2 long lots against 1 short"
    assert zero_sum([replace(a, positions=(grown,)), b]) == []


def test_trades_settled_once_detects_double_and_missing_sides():
    a, b = two_accounts_trading_with_each_other()
    doubled = replace(a, trades=a.trades + a.trades[:1])
    missing = replace(b, trades=b.trades[:1])
    violations = trades_settled_once([doubled, missing])
    assert [(v.key, v.message) for v in violations] == [
        ("t1", "settled 2 times as a buy and 1 times as a sell"),
        ("t2", "settled 0 times as a buy and 1 times as a sell"),
    ]


def test_balances_reconcile_detects_a_cent_off_and_totals_that_are_not_their_lines():
    a, b = two_accounts_trading_with_each_other()
    # A: 100,000 + 1,000 + 400 - 4 = 101,396.00
    found = balances_reconcile([replace(a, balance_cf=a.balance_cf + D("0.01"))])
    assert {(v.check, v.key) for v in found} == {("balances_reconcile", "A")}
    assert [v.message for v in found] == [
        "balance c/f is 101396.01, its lines give 101396.00",
        "equity is 101396.00, its lines give 101396.01",  # equity must equal the stated c/f
    ]
    (violation,) = balances_reconcile([replace(b, fees=D("3.99"))])
    assert violation.message == "fees is 3.99, its lines give 4.00"
    # B keeps 1 short lot: 5,030 x 1 x 10 x 0.12 = 6,036 of margin
    found = balances_reconcile([replace(b, margin=D(0))])
    assert [v.message for v in found] == ["margin is 0, its lines give 6036.00", f"funds available is {b.available}, its lines give {b.equity}"]


def test_check_level_in_one_pass_finds_what_the_checks_find_one_after_the_other():
    a, b = two_accounts_trading_with_each_other()
    grown = a.positions[0]._replace(qty=2)
    broken = [
        replace(a, positions=(grown,), trades=a.trades + a.trades[:1], balance_cf=a.balance_cf + D("0.01")),
        replace(b, positions=(), fees=D("3.99")),
    ]
    expected = [violation for check in LEVEL_CHECKS for violation in check(broken)]
    assert {v.check for v in expected} == {"zero_sum", "open_interest_balanced", "trades_settled_once", "balances_reconcile"}
    assert check_level(broken) == expected
    assert check_level([a, b]) == [violation for check in LEVEL_CHECKS for violation in check([a, b])] == []
