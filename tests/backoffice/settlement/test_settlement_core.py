from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.rates import RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine

D = Decimal
DAY = date(2026, 3, 2)
TZ = ZoneInfo("Asia/Shanghai")
LONG, SHORT = PositionDirection.LONG, PositionDirection.SHORT
BUY, SELL = Side.BUY, Side.SELL
OPEN, CLOSE = OffsetFlag.OPEN, OffsetFlag.CLOSE
CLOSE_TODAY, CLOSE_YESTERDAY = OffsetFlag.CLOSE_TODAY, OffsetFlag.CLOSE_YESTERDAY


def instrument(
    code: str = "X2603",
    product: str = "X",
    multiplier: str = "10",
    previous: str = "4990",
    settlement: str = "5030",
    large_side: bool = False,
    distinct: bool = False,
    priority: ClosePriority = ClosePriority.TODAY_FIRST,
) -> InstrumentDay:
    return InstrumentDay(code, product, D(multiplier), D(previous), D(settlement), large_side, distinct, priority)


def rates(margin_long="0.12", margin_short=None, open_=("0", "0"), close=("0", "0"), close_today=("0", "0")) -> RateSet:
    return RateSet(
        D(margin_long), D(margin_short or margin_long), D(open_[0]), D(open_[1]), D(close[0]), D(close[1]), D(close_today[0]), D(close_today[1])
    )


def account(code="A", bf="1000000.00", deposits="0", withdrawals="0", product_rates=None) -> AccountOpening:
    return AccountOpening(code, D(bf), D(deposits), D(withdrawals), product_rates if product_rates is not None else {"X": rates()})


def trade(tid, side, offset, price, qty, acct="A", code="X2603", minute=0) -> TradeLine:
    return TradeLine(acct, tid, code, side, offset, D(price), qty, datetime.combine(DAY, time(10, minute), TZ))


def lot(direction, open_price, qty, open_date=date(2026, 2, 26), acct="A", code="X2603", tid="") -> Lot:
    return Lot(acct, code, direction, open_date, D(open_price), qty, tid)


def settle(accounts, lots=(), trades=(), instruments=None):
    instruments = instruments or [instrument()]
    return settle_level(LevelInput(DAY, {i.code: i for i in instruments}, accounts, list(lots), list(trades)))


def only(result):
    assert result.problems == ()
    (acct,) = result.accounts
    return acct


def test_reference_worked_example():
    # b/f 1,000,000.00; buy 2 @ 5,000 to open, M = 10; settlement 5,030; margin 12%; open fee 0.5 per lot
    acct = only(settle([account(product_rates={"X": rates("0.12", open_=("0", "0.5"))})], trades=[trade("t1", BUY, OPEN, "5000", 2)]))
    assert acct.position_mtm == D("600.00")  # (5,030 - 5,000) x 2 x 10
    assert acct.close_pnl == 0
    assert acct.fees == D("1.00")  # 2 x 0.5
    assert acct.balance_cf == D("1000599.00")  # 1,000,000 + 600 - 1
    assert acct.equity == D("1000599.00")
    assert acct.margin == D("12072.00")  # 5,030 x 2 x 10 x 0.12
    assert acct.available == D("988527.00")  # 1,000,599 - 12,072
    assert acct.risk_degree == D("0.0121")  # 12,072 / 1,000,599 = 0.012065 -> 1.21%
    assert acct.margin_call == 0
    (position,) = acct.positions
    assert (position.instrument, position.direction, position.open_date, position.qty, position.open_price) == ("X2603", LONG, DAY, 2, D("5000"))
    assert (position.settlement, position.mtm, position.accumulated_pnl, position.margin) == (D("5030"), D("600.00"), D("600.00"), D("12072.00"))
    (settled,) = acct.trades
    assert (settled.line.trade_id, settled.fee, settled.realized) == ("t1", D("1.00"), 0)


def test_close_today_long_partial():
    trades = [trade("t1", BUY, OPEN, "5000", 3), trade("t2", SELL, CLOSE_TODAY, "5020", 2, minute=5)]
    acct = only(settle([account()], trades=trades))
    (close,) = acct.closes
    # opened today: from the open price, (5,020 - 5,000) x 2 x 10 = 400
    assert (close.trade_id, close.direction, close.open_date, close.qty, close.pnl) == ("t2", LONG, DAY, 2, D("400.00"))
    assert close.previous_settlement == D("4990") and close.close_price == D("5020")
    # 1 lot left: (5,030 - 5,000) x 1 x 10 = 300
    (position,) = acct.positions
    assert (position.qty, position.mtm) == (1, D("300.00"))
    assert (acct.close_pnl, acct.position_mtm, acct.balance_cf) == (D("400.00"), D("300.00"), D("1000700.00"))
    assert [s.realized for s in acct.trades] == [0, D("400.00")]


def test_close_yesterday_long_uses_previous_settlement():
    lots = [lot(LONG, "4900", 2, tid="o1")]
    acct = only(settle([account()], lots, [trade("t1", SELL, CLOSE_YESTERDAY, "5020", 1)]))
    (close,) = acct.closes
    # carried lot: (5,020 - 4,990 prev settlement) x 1 x 10 = 300, not from the 4,900 open
    assert (close.open_date, close.open_trade_id, close.open_price, close.pnl) == (date(2026, 2, 26), "o1", D("4900"), D("300.00"))
    (position,) = acct.positions
    # remaining carried lot: MTM (5,030 - 4,990) x 10 = 400; accumulated (5,030 - 4,900) x 10 = 1,300
    assert (position.qty, position.mtm, position.accumulated_pnl, position.previous_settlement) == (1, D("400.00"), D("1300.00"), D("4990"))


def test_short_close_yesterday_and_short_open_today():
    lots = [lot(SHORT, "5100", 2)]
    trades = [trade("t1", BUY, CLOSE_YESTERDAY, "4950", 2), trade("t2", SELL, OPEN, "5000", 1, minute=1)]
    acct = only(settle([account()], lots, trades))
    (close,) = acct.closes
    # short closed: (4,950 - 4,990) x 2 x 10 x (-1) = +800
    assert (close.direction, close.pnl) == (SHORT, D("800.00"))
    (position,) = acct.positions
    # short opened today: (5,030 - 5,000) x 1 x 10 x (-1) = -300
    assert (position.direction, position.open_date, position.mtm) == (SHORT, DAY, D("-300.00"))
    assert acct.balance_cf == D("1000500.00")  # 1,000,000 + 800 - 300


def test_partial_close_of_multi_lot_position_is_fifo_by_open_date():
    # given newest first: the core orders carried lots by open date
    lots = [lot(LONG, "4900", 3, open_date=date(2026, 2, 26), tid="o2"), lot(LONG, "4800", 2, open_date=date(2026, 2, 25), tid="o1")]
    acct = only(settle([account()], lots, [trade("t1", SELL, CLOSE_YESTERDAY, "5000", 4)]))
    # o1: 2 lots, (5,000 - 4,990) x 2 x 10 = 200; o2: 2 of 3 lots, 200
    assert [(c.open_trade_id, c.qty, c.pnl) for c in acct.closes] == [("o1", 2, D("200.00")), ("o2", 2, D("200.00"))]
    assert acct.trades[0].realized == D("400.00")
    (position,) = acct.positions
    # o2 keeps 1 lot: (5,030 - 4,990) x 1 x 10 = 400
    assert (position.open_trade_id, position.qty, position.open_price, position.mtm) == ("o2", 1, D("4900"), D("400.00"))


def test_today_lots_consumed_fifo_across_open_trades():
    trades = [
        trade("t1", BUY, OPEN, "5000", 1),
        trade("t2", BUY, OPEN, "5010", 2, minute=1),
        trade("t3", SELL, CLOSE_TODAY, "5020", 2, minute=2),
    ]
    acct = only(settle([account()], trades=trades))
    # t1's lot: (5,020 - 5,000) x 1 x 10 = 200; one of t2's: (5,020 - 5,010) x 1 x 10 = 100
    assert [(c.open_trade_id, c.qty, c.pnl) for c in acct.closes] == [("t1", 1, D("200.00")), ("t2", 1, D("100.00"))]
    (position,) = acct.positions
    assert (position.open_trade_id, position.qty, position.mtm) == ("t2", 1, D("200.00"))  # (5,030 - 5,010) x 10


# Close-today fee 2 per lot, close fee 1 per lot: shows which lots a close consumed.
CLOSE_RATES = {"X": rates(close=("0", "1"), close_today=("0", "2"))}


def test_plain_close_today_first():
    lots = [lot(LONG, "4900", 1)]
    trades = [trade("t1", BUY, OPEN, "5000", 1), trade("t2", SELL, CLOSE, "5010", 1, minute=1)]
    acct = only(settle([account(product_rates=CLOSE_RATES)], lots, trades, [instrument(priority=ClosePriority.TODAY_FIRST)]))
    (close,) = acct.closes
    assert (close.open_date, close.pnl) == (DAY, D("100.00"))  # today's lot: (5,010 - 5,000) x 10
    assert acct.trades[1].fee == D("2.00")  # close-today rate


def test_plain_close_yesterday_first():
    lots = [lot(LONG, "4900", 1)]
    trades = [trade("t1", BUY, OPEN, "5000", 1), trade("t2", SELL, CLOSE, "5010", 1, minute=1)]
    acct = only(settle([account(product_rates=CLOSE_RATES)], lots, trades, [instrument(priority=ClosePriority.YESTERDAY_FIRST)]))
    (close,) = acct.closes
    assert (close.open_date, close.pnl) == (date(2026, 2, 26), D("200.00"))  # carried: (5,010 - 4,990) x 10
    assert acct.trades[1].fee == D("1.00")  # close rate


def test_plain_close_spanning_today_and_carried_lots_pays_each_rate():
    lots = [lot(LONG, "4900", 1)]
    trades = [trade("t1", BUY, OPEN, "5000", 1), trade("t2", SELL, CLOSE, "5010", 2, minute=1)]
    acct = only(settle([account(product_rates=CLOSE_RATES)], lots, trades))
    # today's lot first (100), then the carried one (5,010 - 4,990) x 10 = 200
    assert [(c.open_date, c.pnl) for c in acct.closes] == [(DAY, D("100.00")), (date(2026, 2, 26), D("200.00"))]
    assert acct.trades[1].fee == D("3.00")  # 1 lot x 2 close-today + 1 lot x 1 close
    assert acct.positions == ()


def test_shfe_plain_close_is_close_yesterday():
    shfe = instrument(distinct=True)
    lots = [lot(LONG, "4900", 1)]
    trades = [trade("t1", BUY, OPEN, "5000", 1), trade("t2", SELL, CLOSE, "5010", 1, minute=1)]
    acct = only(settle([account(product_rates=CLOSE_RATES)], lots, trades, [shfe]))
    (close,) = acct.closes
    assert close.open_date == date(2026, 2, 26)  # the carried lot, although today's is there
    assert acct.trades[1].fee == D("1.00")
    (position,) = acct.positions
    assert position.open_date == DAY


def test_shfe_plain_close_of_todays_lots_only_is_an_overclose():
    result = settle([account()], (), [trade("t1", BUY, OPEN, "5000", 1), trade("t2", SELL, CLOSE, "5010", 1, minute=1)], [instrument(distinct=True)])
    (problem,) = result.problems
    assert (problem.code, problem.account, problem.ref) == ("overclose", "A", "t2")


def test_close_today_does_not_touch_carried_lots():
    result = settle([account()], [lot(LONG, "4900", 1)], [trade("t1", SELL, CLOSE_TODAY, "5010", 1)])
    assert [p.code for p in result.problems] == ["overclose"]
    (acct,) = result.accounts
    assert acct.closes == () and acct.positions[0].qty == 1


def test_fees_by_money_with_open_close_and_close_today_rates():
    # CFFEX-like: M = 300; open and close 0.23 per 10,000 of turnover, close-today 2.3 per 10,000
    product_rates = {"X": rates(open_=("0.000023", "0"), close=("0.000023", "0"), close_today=("0.00023", "0"))}
    inst = instrument(multiplier="300", previous="4000", settlement="4010.0")
    lots = [lot(LONG, "3990", 2)]
    trades = [
        trade("t1", BUY, OPEN, "4000.2", 3),
        trade("t2", SELL, CLOSE_TODAY, "4010.0", 1, minute=1),
        trade("t3", SELL, CLOSE_YESTERDAY, "4010.0", 2, minute=2),
    ]
    acct = only(settle([account(product_rates=product_rates)], lots, trades, [inst]))
    assert [s.fee for s in acct.trades] == [
        D("82.80"),  # 4,000.2 x 3 x 300 x 0.000023 = 3,600,180 x 0.000023 = 82.80414
        D("276.69"),  # 4,010.0 x 1 x 300 x 0.00023 = 1,203,000 x 0.00023 = 276.69
        D("55.34"),  # 4,010.0 x 2 x 300 x 0.000023 = 2,406,000 x 0.000023 = 55.338
    ]
    assert acct.fees == D("414.83")


def test_fees_by_volume_and_money_together_round_half_up_per_line():
    # commodity-like: open 3 per lot, close-today 6 per lot, plus 0.0001 of turnover on open
    product_rates = {"X": rates(open_=("0.0001", "3"), close_today=("0", "6"))}
    trades = [trade("t1", BUY, OPEN, "5025", 1), trade("t2", SELL, CLOSE_TODAY, "5030", 1, minute=1)]
    acct = only(settle([account(product_rates=product_rates)], trades=trades))
    # open: 5,025 x 1 x 10 x 0.0001 + 1 x 3 = 5.025 + 3 = 8.025 -> 8.03 (half-up); close-today: 1 x 6
    assert [s.fee for s in acct.trades] == [D("8.03"), D("6.00")]


def test_large_side_margin_charges_only_the_larger_side_per_product():
    near = instrument("cu2604", "cu", "5", "70000", "70000", large_side=True)
    far = instrument("cu2605", "cu", "5", "70500", "70500", large_side=True)
    product_rates = {"cu": rates("0.10", "0.12")}
    lots = [lot(LONG, "70000", 2, code="cu2604"), lot(SHORT, "70500", 1, code="cu2605")]
    acct = only(settle([account(product_rates=product_rates)], lots, (), [near, far]))
    (line,) = acct.margins
    # long: 70,000 x 2 x 5 x 0.10 = 70,000; short: 70,500 x 1 x 5 x 0.12 = 42,300 -> charge 70,000
    assert (line.product, line.long_margin, line.short_margin, line.charged) == ("cu", D("70000.00"), D("42300.00"), D("70000.00"))
    assert acct.margin == D("70000.00")
    assert sorted(p.margin for p in acct.positions) == [D("42300.00"), D("70000.00")]


def test_without_large_side_both_sides_are_charged():
    lots = [lot(LONG, "5000", 2), lot(SHORT, "5000", 1)]
    acct = only(settle([account(product_rates={"X": rates("0.12", "0.10")})], lots))
    # long 5,030 x 2 x 10 x 0.12 = 12,072; short 5,030 x 1 x 10 x 0.10 = 5,030; total 17,102
    assert acct.margin == D("17102.00")


def test_margin_call_when_equity_below_margin():
    acct = only(settle([account(bf="10000.00", product_rates={"X": rates("0.12", open_=("0", "0.5"))})], trades=[trade("t1", BUY, OPEN, "5000", 2)], instruments=[instrument(settlement="4950")]))
    assert acct.position_mtm == D("-1000.00")  # (4,950 - 5,000) x 2 x 10
    assert acct.balance_cf == D("8999.00")  # 10,000 - 1,000 - 1
    assert acct.margin == D("11880.00")  # 4,950 x 2 x 10 x 0.12
    assert acct.available == D("-2881.00")  # 8,999 - 11,880
    assert acct.margin_call == D("2881.00")
    assert acct.risk_degree == D("1.3201")  # 11,880 / 8,999 = 1.320147 -> 132.01%


def test_risk_degree_undefined_without_equity_and_zero_without_margin():
    acct = only(settle([account(bf="500.00")], trades=[trade("t1", BUY, OPEN, "5000", 2)], instruments=[instrument(settlement="4950")]))
    # 500 - 1,000 = -500 equity against 11,880 margin
    assert acct.equity == D("-500.00")
    assert acct.risk_degree is None
    assert acct.margin_call == D("12380.00")  # 11,880 - (-500)
    flat = only(settle([account(bf="100.00")]))
    assert (flat.risk_degree, flat.margin, flat.balance_cf) == (0, 0, D("100.00"))


def test_deposits_and_withdrawals_enter_balance_cf():
    acct = only(settle([account(bf="1000.00", deposits="250.50", withdrawals="100.25")]))
    assert acct.balance_cf == D("1150.25")  # 1,000 + 250.50 - 100.25


def test_rolled_lots_are_valued_from_todays_settlement_tomorrow():
    day1 = only(settle([account()], trades=[trade("t1", BUY, OPEN, "5000", 2)]))
    rolled = day1.rolled_lots()
    assert rolled == [Lot("A", "X2603", LONG, DAY, D("5000"), 2, "t1", "")]
    tomorrow = date(2026, 3, 3)
    inst = instrument(previous="5030", settlement="5050")
    result = settle_level(LevelInput(tomorrow, {inst.code: inst}, [account(bf=str(day1.balance_cf))], rolled, []))
    (acct,) = result.accounts
    # carried now: (5,050 - 5,030) x 2 x 10 = 400, from today's settlement, not the 5,000 open
    assert acct.position_mtm == D("400.00")
    assert acct.positions[0].accumulated_pnl == D("1000.00")  # (5,050 - 5,000) x 2 x 10


def test_problems_are_reported_as_data():
    result = settle(
        [account("A", product_rates={})],
        [lot(LONG, "4900", 1, open_date=DAY), lot(LONG, "4900", 1, code="Y9999")],
        [trade("t1", BUY, OPEN, "5000", 1), trade("t2", BUY, OPEN, "5000", 1, acct="B"), trade("t3", BUY, OPEN, "1", 1, code="Y9999")],
    )
    codes = sorted((p.code, p.account, p.ref) for p in result.problems)
    assert codes == [
        ("lot_not_before_day", "A", "X2603"),
        ("missing_rates", "A", "X"),  # once for the product, though t1's fee and its lot's margin both need it
        ("unknown_account", "B", "t2"),
        ("unknown_instrument", "A", "Y9999"),
        ("unknown_instrument", "A", "t3"),
    ]
