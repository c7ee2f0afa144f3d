"""Level 1 built from level-2 data: the members' books are the sums of their clients'."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from backoffice.domain.enums import ClientKind, ClosePriority, MemberKind, OffsetFlag, PositionDirection, Side
from backoffice.domain.organisation import Client, Member
from backoffice.domain.rates import RatePolicy, RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.settlement.invariants import check_level, members_match_clients
from backoffice.settlement.rollup import level_one_input, reserve_parents, roll_up

D = Decimal
DAY = date(2026, 3, 2)
EARLIER = date(2026, 2, 26)
LONG, SHORT = PositionDirection.LONG, PositionDirection.SHORT
BUY, SELL = Side.BUY, Side.SELL
OPEN, CLOSE = OffsetFlag.OPEN, OffsetFlag.CLOSE

MEMBERS = [
    Member("M1", "Member one", MemberKind.TRADING_SETTLEMENT, ("CFFEX",), None, D(2000000), RatePolicy()),
    Member("M2", "Member two", MemberKind.GENERAL_SETTLEMENT, ("CFFEX",), None, D(2000000), RatePolicy()),
    Member("T", "Trading member", MemberKind.TRADING, ("CFFEX",), "M2", D(0), RatePolicy()),
]
CLIENTS = [
    Client("a1", "A one", "M1", ClientKind.INDIVIDUAL, None),
    Client("a2", "A two", "M1", ClientKind.INDIVIDUAL, None),
    Client("h1", "M1 house", "M1", ClientKind.PROPRIETARY, None),
    Client("b1", "B one", "M2", ClientKind.INSTITUTION, None),
    Client("t1", "T's client", "T", ClientKind.INDIVIDUAL, None),
]
# Yesterday first: a plain close in a pooled member book would take another client's carried lot.
INST = InstrumentDay("X2603", "X", D(10), D(4990), D(5030), False, False, ClosePriority.YESTERDAY_FIRST)
EXCHANGE_RATES = {"X": RateSet(D("0.12"), D("0.12"), D(0), D("0.5"), D(0), D("0.5"), D(0), D("0.5"))}
CLIENT_RATES = {"X": RateSet(D("0.15"), D("0.15"), D(0), D("1.5"), D(0), D("1.5"), D(0), D("1.5"))}


def at(minute: int) -> datetime:
    return datetime.combine(DAY, time(10, minute), ZoneInfo("Asia/Shanghai"))


LOTS = [
    Lot("a1", "X2603", LONG, EARLIER, D(4900), 2, "o1"),
    Lot("b1", "X2603", SHORT, EARLIER, D(4950), 2, "o2"),
]
TRADES = [
    TradeLine("a2", "tA", "X2603", BUY, OPEN, D(5000), 1, at(0)),
    TradeLine("t1", "tA", "X2603", SELL, OPEN, D(5000), 1, at(0)),
    TradeLine("a2", "tB", "X2603", SELL, CLOSE, D(5010), 1, at(1)),
    TradeLine("h1", "tB", "X2603", BUY, OPEN, D(5010), 1, at(1)),
    TradeLine("a1", "tC", "X2603", SELL, CLOSE, D(5020), 1, at(2)),
    TradeLine("b1", "tC", "X2603", BUY, CLOSE, D(5020), 1, at(2)),
]


def level_two():
    accounts = [AccountOpening(c.code, D("1000000.00"), D(0), D(0), CLIENT_RATES) for c in CLIENTS]
    return settle_level(LevelInput(DAY, {INST.code: INST}, accounts, LOTS, TRADES))


def level_one(parents):
    accounts = [AccountOpening(code, D("5000000.00"), D(0), D(0), EXCHANGE_RATES) for code in sorted(set(parents.values()))]
    level, problems = level_one_input(DAY, {INST.code: INST}, accounts, LOTS, TRADES, parents)
    assert problems == []
    return settle_level(level)


def test_reserve_parents_follow_member_business_type_and_clearing_member():
    assert reserve_parents(CLIENTS, MEMBERS, "CFFEX") == {
        "a1": "RSV-CFFEX-M1-B",
        "a2": "RSV-CFFEX-M1-B",
        "h1": "RSV-CFFEX-M1-P",  # the member's house account: proprietary
        "b1": "RSV-CFFEX-M2-B",
        "t1": "RSV-CFFEX-M2-B",  # T's client: brokerage of T's settlement member M2
    }


def test_roll_up_moves_rows_and_keeps_the_innermost_holder():
    trades, lots, problems = roll_up(TRADES[:1], LOTS[:1], {"a2": "TM-M2-T", "a1": "TM-M2-T"})
    assert trades == [TRADES[0]._replace(account="TM-M2-T", holder="a2")]
    assert lots == [LOTS[0]._replace(account="TM-M2-T", holder="a1")]
    again, _, _ = roll_up(trades, [], {"TM-M2-T": "RSV-CFFEX-M2-B"})
    assert again[0].account == "RSV-CFFEX-M2-B" and again[0].holder == "a2"
    _, _, problems = roll_up(TRADES, [], {"a1": "X"})
    assert {(p.code, p.account) for p in problems} == {("unknown_account", a) for a in ("a2", "t1", "h1", "b1")}


def test_level_two_client_results():
    result = level_two()
    assert result.problems == ()
    by = {a.account: a for a in result.accounts}
    # a1: close tC (5,020 - 4,990) x 10 = 300; 1 carried lot left (5,030 - 4,990) x 10 = 400
    assert (by["a1"].close_pnl, by["a1"].position_mtm) == (D("300.00"), D("400.00"))
    # a2: opened at 5,000, closed at 5,010 -> 100; flat
    assert (by["a2"].close_pnl, by["a2"].position_mtm, by["a2"].fees) == (D("100.00"), 0, D("3.00"))  # 2 lots x 1.5
    # t1: short 1 @ 5,000 -> (5,030 - 5,000) x 10 x (-1) = -300
    assert by["t1"].position_mtm == D("-300.00")
    # h1: long 1 @ 5,010 -> (5,030 - 5,010) x 10 = 200
    assert by["h1"].position_mtm == D("200.00")
    # b1: bought back 1 carried short: (5,020 - 4,990) x 10 x (-1) = -300; 1 left: (5,030 - 4,990) x 10 x (-1) = -400
    assert (by["b1"].close_pnl, by["b1"].position_mtm) == (D("-300.00"), D("-400.00"))
    # 700 + 100 - 300 + 200 - 700 = 0
    assert check_level(result.accounts) == []


def test_level_one_is_the_sum_of_clients_and_matches_lots_per_client():
    parents = reserve_parents(CLIENTS, MEMBERS, "CFFEX")
    clients = level_two()
    members = level_one(parents)
    assert members.problems == ()
    by = {a.account: a for a in members.accounts}
    # M1 brokerage = a1 + a2: close 300 + 100 = 400 (a2's close took a2's own lot, not a1's
    # carried one, though the book is yesterday-first), MTM 400
    assert (by["RSV-CFFEX-M1-B"].close_pnl, by["RSV-CFFEX-M1-B"].position_mtm) == (D("400.00"), D("400.00"))
    assert by["RSV-CFFEX-M1-B"].fees == D("1.50")  # 3 trade lines of 1 lot x 0.5 exchange fee
    assert by["RSV-CFFEX-M1-P"].position_mtm == D("200.00")
    # M2 brokerage = b1 + t1: close -300, MTM -400 - 300 = -700
    assert (by["RSV-CFFEX-M2-B"].close_pnl, by["RSV-CFFEX-M2-B"].position_mtm) == (D("-300.00"), D("-700.00"))
    # exchange margin 12%: M2 holds 2 short lots (b1 carried, t1 today): 5,030 x 2 x 10 x 0.12 = 12,072
    assert by["RSV-CFFEX-M2-B"].margin == D("12072.00")
    assert {p.holder for p in by["RSV-CFFEX-M2-B"].positions} == {"b1", "t1"}
    assert members_match_clients(members.accounts, clients.accounts, parents) == []
    assert check_level(members.accounts) == []
    for code, member in by.items():
        own = [c for c in clients.accounts if parents[c.account] == code]
        assert member.close_pnl == sum((c.close_pnl for c in own), D(0))
        assert member.position_mtm == sum((c.position_mtm for c in own), D(0))


def test_members_match_clients_detects_a_member_book_that_differs():
    parents = reserve_parents(CLIENTS, MEMBERS, "CFFEX")
    clients = level_two()
    members = level_one(parents)
    broken = [m for m in members.accounts if m.account != "RSV-CFFEX-M1-P"]  # h1's long lot is gone
    (violation,) = members_match_clients(broken, clients.accounts, parents)
    assert violation.key == "RSV-CFFEX-M1-P X2603 long"
    assert "member holds 0 lots, its clients 1" in violation.message
