"""Random markets: every invariant holds at both levels, whatever the trades and flags."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.rates import RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.settlement.invariants import check_level, members_match_clients
from backoffice.settlement.rollup import level_one_input

D = Decimal
DAY = date(2026, 3, 2)
START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TICK = D("0.2")
FLAGS = (OffsetFlag.OPEN, OffsetFlag.CLOSE, OffsetFlag.CLOSE_TODAY, OffsetFlag.CLOSE_YESTERDAY)
CLIENT_RATES = {"X": RateSet(D("0.15"), D("0.14"), D("0.0001"), D("1.5"), D("0.0001"), D("1.5"), D("0.0003"), D("4.5"))}
EXCHANGE_RATES = {"X": RateSet(D("0.12"), D("0.11"), D("0.00003"), D("0.5"), D("0.00003"), D("0.5"), D("0.0001"), D("1.5"))}

ticks = st.integers(-100, 100).map(lambda n: D(5000) + n * TICK)
accounts_n = st.integers(2, 5)


class Positions:
    """What a client holds, to choose only flags the core can honour."""

    def __init__(self) -> None:
        self.today = {PositionDirection.LONG: 0, PositionDirection.SHORT: 0}
        self.carried = {PositionDirection.LONG: 0, PositionDirection.SHORT: 0}

    def flag(self, wanted: OffsetFlag, closes: PositionDirection, qty: int, inst: InstrumentDay) -> OffsetFlag:
        today, carried = self.today[closes], self.carried[closes]
        if wanted is OffsetFlag.CLOSE_TODAY and today >= qty:
            self.today[closes] -= qty
        elif wanted is OffsetFlag.CLOSE_YESTERDAY and carried >= qty:
            self.carried[closes] -= qty
        elif wanted is OffsetFlag.CLOSE and inst.close_today_distinct and carried >= qty:
            self.carried[closes] -= qty
        elif wanted is OffsetFlag.CLOSE and not inst.close_today_distinct and today + carried >= qty:
            first, second = (self.today, self.carried) if inst.close_priority is ClosePriority.TODAY_FIRST else (self.carried, self.today)
            taken = min(first[closes], qty)
            first[closes] -= taken
            second[closes] -= qty - taken
        else:
            return OffsetFlag.OPEN
        return wanted


@st.composite
def markets(draw):
    n = draw(accounts_n)
    codes = [f"c{i}" for i in range(n)]
    inst = InstrumentDay(
        "X2603", "X", D(10), draw(ticks), draw(ticks), draw(st.booleans()), draw(st.booleans()), draw(st.sampled_from(list(ClosePriority)))
    )
    held = {code: Positions() for code in codes}
    lots = []
    for _ in range(draw(st.integers(0, 4))):
        buyer, seller = draw(st.permutations(codes))[:2]
        qty = draw(st.integers(1, 5))
        lots.append(Lot(buyer, "X2603", PositionDirection.LONG, date(2026, 2, 20 + len(lots)), draw(ticks), qty))
        lots.append(Lot(seller, "X2603", PositionDirection.SHORT, date(2026, 2, 20 + len(lots)), draw(ticks), qty))
        held[buyer].carried[PositionDirection.LONG] += qty
        held[seller].carried[PositionDirection.SHORT] += qty
    trades = []
    for i in range(draw(st.integers(0, 12))):
        buyer, seller = draw(st.permutations(codes))[:2]
        qty = draw(st.integers(1, 4))
        price = draw(ticks)
        when = START + timedelta(minutes=i)
        buy_flag = held[buyer].flag(draw(st.sampled_from(FLAGS)), PositionDirection.SHORT, qty, inst)
        sell_flag = held[seller].flag(draw(st.sampled_from(FLAGS)), PositionDirection.LONG, qty, inst)
        if buy_flag is OffsetFlag.OPEN:
            held[buyer].today[PositionDirection.LONG] += qty
        if sell_flag is OffsetFlag.OPEN:
            held[seller].today[PositionDirection.SHORT] += qty
        trades.append(TradeLine(buyer, f"t{i}", "X2603", Side.BUY, buy_flag, price, qty, when))
        trades.append(TradeLine(seller, f"t{i}", "X2603", Side.SELL, sell_flag, price, qty, when))
    parents = {code: f"M{draw(st.integers(0, 1))}" for code in codes}
    return inst, codes, lots, trades, parents


@settings(max_examples=150, deadline=None)
@given(markets())
def test_invariants_hold_at_both_levels(market):
    inst, codes, lots, trades, parents = market
    instruments = {inst.code: inst}
    clients = settle_level(LevelInput(DAY, instruments, [AccountOpening(c, D("100000.00"), D(0), D(0), CLIENT_RATES) for c in codes], lots, trades))
    assert clients.problems == ()
    assert check_level(clients.accounts) == []

    members_in = [AccountOpening(m, D("1000000.00"), D(0), D(0), EXCHANGE_RATES) for m in sorted(set(parents.values()))]
    level, problems = level_one_input(DAY, instruments, members_in, lots, trades, parents)
    members = settle_level(level)
    assert problems == [] and members.problems == ()
    assert check_level(members.accounts) == []
    assert members_match_clients(members.accounts, clients.accounts, parents) == []
    for member in members.accounts:
        own = [c for c in clients.accounts if parents[c.account] == member.account]
        # lots are matched per client inside the member's book, so even the split between
        # close P&L and MTM is the clients' sum
        assert member.close_pnl == sum((c.close_pnl for c in own), D(0))
        assert member.position_mtm == sum((c.position_mtm for c in own), D(0))
