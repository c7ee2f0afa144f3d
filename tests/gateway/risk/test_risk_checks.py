"""Every pre-trade check, failing and passing, through RiskEngine.pre_trade on the test venue."""

from dataclasses import replace
from decimal import Decimal

from backoffice.domain.enums import OffsetFlag, PositionDirection, Side
from gateway.risk import checks
from gateway.risk.codes import Reject, ResultCode
from gateway.risk.engine import OrderHold
from gateway.risk.killswitch import KillLevel
from gateway.risk.request import OrdType, TimeInForce

D = Decimal
BUY, SELL = Side.BUY, Side.SELL
OPEN, CLOSE = OffsetFlag.OPEN, OffsetFlag.CLOSE
LONG = PositionDirection.LONG


def code(result):
    return result.code if isinstance(result, Reject) else None


def test_checks_run_in_the_documented_order():
    assert [c.__name__ for c in checks.CHECKS] == [
        "check_instrument_known",
        "check_instrument_listed",
        "check_reference_price",
        "check_order_fields",
        "check_quantity",
        "check_price_tick",
        "check_price_limits",
        "check_forced_closes",
        "check_account_known",
        "check_account_active",
        "check_rates",
        "check_kill_switch",
        "check_member_block",
        "check_throttle",
        "check_closable",
        "check_position_limit",
        "check_funds",
    ]


def test_first_failure_wins(engine, order, clock):
    # both off tick and for an unknown account: the price is validated first
    assert code(engine.pre_trade(order(price="3800.1", account="NOPE"), clock())) is ResultCode.PRICE_OFF_TICK


def test_plain_limit_order_passes(engine, order, clock):
    assert isinstance(engine.pre_trade(order(), clock()), OrderHold)


def test_instrument_known(engine, order, clock):
    found = engine.pre_trade(order(instrument="XX9999"), clock())
    assert found == Reject(ResultCode.UNKNOWN_INSTRUMENT, "Unknown instrument XX9999")


def test_instrument_listed_on_the_trading_day(engine, order, clock):
    # IF2611 expired on 2026-11-20
    found = engine.pre_trade(order(instrument="IF2611", price="3790.0"), clock())
    assert found == Reject(ResultCode.INSTRUMENT_NOT_LISTED, "IF2611 not listed on 2026-12-01")


def test_reference_price_needed_for_limits(build, order, clock):
    engine = build(previous_settlement={"IF2612": D("3800.0")})
    assert code(engine.pre_trade(order("m2701", price="3000"), clock())) is ResultCode.NO_REFERENCE_PRICE
    assert isinstance(engine.pre_trade(order(), clock()), OrderHold)


def test_time_in_force(engine, order, clock):
    for tif in (TimeInForce.GTC, TimeInForce.GTD):
        found = engine.pre_trade(order(tif=tif), clock())
        assert found == Reject(ResultCode.UNSUPPORTED_TIME_IN_FORCE, f"Time in force {tif.name} not supported")
    for tif in (TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK):
        assert isinstance(engine.pre_trade(order(tif=tif), clock()), OrderHold)


def test_price_fields_per_order_type(engine, order, clock):
    cases = [
        (order(price=None, ord_type=OrdType.LIMIT), ResultCode.PRICE_REQUIRED),
        (order(price="3800.0", ord_type=OrdType.MARKET), ResultCode.PRICE_NOT_ALLOWED),
        (order(price=None, ord_type=OrdType.STOP), ResultCode.STOP_PRICE_REQUIRED),
        (order(price=None, ord_type=OrdType.STOP_LIMIT, stop_price="3900.0"), ResultCode.PRICE_REQUIRED),
        (order(price="3950.0", ord_type=OrdType.STOP_LIMIT), ResultCode.STOP_PRICE_REQUIRED),
        (order(price="3800.0", stop_price="3900.0"), ResultCode.STOP_PRICE_NOT_ALLOWED),
        (order(price="NaN"), ResultCode.PRICE_NOT_A_NUMBER),
        (order(price=None, ord_type=OrdType.STOP, stop_price="Infinity"), ResultCode.PRICE_NOT_A_NUMBER),
    ]
    for request, expected in cases:
        assert code(engine.pre_trade(request, clock())) is expected, request
    assert engine.pre_trade(cases[0][0], clock()).text == "LIMIT order needs a price"
    for request in (
        order(price=None),
        order(price=None, ord_type=OrdType.STOP, stop_price="3900.0"),
        order(price="3950.0", ord_type=OrdType.STOP_LIMIT, stop_price="3900.0"),
    ):
        assert isinstance(engine.pre_trade(request, clock()), OrderHold), request


def test_quantity(engine, order, clock):
    assert engine.pre_trade(order(qty="1.5"), clock()) == Reject(ResultCode.QTY_NOT_WHOLE, "Quantity 1.5 is not whole lots")
    assert code(engine.pre_trade(order(qty="NaN"), clock())) is ResultCode.QTY_NOT_WHOLE
    assert code(engine.pre_trade(order(qty=0), clock())) is ResultCode.QTY_NOT_POSITIVE
    assert code(engine.pre_trade(order(qty=-2), clock())) is ResultCode.QTY_NOT_POSITIVE
    # m2701's max order size is 1000
    found = engine.pre_trade(order("m2701", qty=1001, price="3000"), clock())
    assert found == Reject(ResultCode.QTY_ABOVE_MAX, "Quantity 1001 above max order 1000")
    hold = engine.pre_trade(order("m2701", qty="2.0", price="3000"), clock())
    assert isinstance(hold, OrderHold) and hold.qty == 2


def test_price_on_tick(engine, order, clock):
    found = engine.pre_trade(order(price="3800.1"), clock())
    assert found == Reject(ResultCode.PRICE_OFF_TICK, "Price 3800.1 not on tick 0.2")
    stop = order(price=None, ord_type=OrdType.STOP, stop_price="3900.1")
    assert code(engine.pre_trade(stop, clock())) is ResultCode.STOP_PRICE_OFF_TICK
    assert code(engine.pre_trade(order("cu2701", price="68005"), clock())) is ResultCode.PRICE_OFF_TICK
    assert isinstance(engine.pre_trade(order("cu2701", price="68010"), clock()), OrderHold)


def test_price_within_daily_limits(engine, order, clock):
    # IF2612 band 3420.0-4180.0 (3800.0 +/- 10%)
    assert engine.pre_trade(order(price="4180.2"), clock()) == Reject(ResultCode.PRICE_ABOVE_LIMIT, "Price 4180.2 above limit up 4180.0")
    assert engine.pre_trade(order(side=SELL, price="3419.8"), clock()) == Reject(
        ResultCode.PRICE_BELOW_LIMIT, "Price 3419.8 below limit down 3420.0"
    )
    assert isinstance(engine.pre_trade(order(price="4180.0"), clock()), OrderHold)
    assert isinstance(engine.pre_trade(order(side=SELL, price="3420.0"), clock()), OrderHold)
    stop = order(price=None, ord_type=OrdType.STOP, stop_price="4180.2")
    assert engine.pre_trade(stop, clock()) == Reject(ResultCode.STOP_PRICE_OUTSIDE_LIMITS, "Stop 4180.2 outside 3420.0-4180.0")
    # cu2701: 68130 +/- 7% rounded inward to tick 10 -> 63370-72890
    assert code(engine.pre_trade(order("cu2701", price="72900"), clock())) is ResultCode.PRICE_ABOVE_LIMIT
    assert isinstance(engine.pre_trade(order("cu2701", price="72890"), clock()), OrderHold)
    assert code(engine.pre_trade(order("cu2701", side=SELL, price="63360"), clock())) is ResultCode.PRICE_BELOW_LIMIT


def test_forced_orders_must_close(engine, order, clock):
    found = engine.pre_trade(order(forced=True), clock())
    assert found == Reject(ResultCode.FORCED_MUST_CLOSE, "Forced liquidation must close")


def test_account_known(engine, order, clock):
    assert engine.pre_trade(order(account="C9"), clock()) == Reject(ResultCode.UNKNOWN_ACCOUNT, "Unknown account C9")


def test_account_active(engine, order, clock):
    assert engine.pre_trade(order(account="C4"), clock()) == Reject(ResultCode.ACCOUNT_CLOSED, "Account C4 is closed")
    assert engine.pre_trade(order(account="C3"), clock()) == Reject(ResultCode.ACCOUNT_HALTED, "Account C3 is halted")
    assert isinstance(engine.pre_trade(order(account="C2"), clock()), OrderHold)


def test_rates_for_the_product(build, order, clock):
    accounts = build().state.accounts
    no_meal = replace(accounts["C1"], rates={k: v for k, v in accounts["C1"].rates.items() if k != "m"})
    engine = build(accounts={**accounts, "C1": no_meal})
    assert engine.pre_trade(order("m2701", price="3000"), clock()) == Reject(ResultCode.NO_RATES, "No rates for m on account")
    assert isinstance(engine.pre_trade(order("m2701", price="3000", account="C2"), clock()), OrderHold)


def test_kill_switch_levels(engine, order, clock):
    switch = engine.kill_switch
    switch.halt(KillLevel.INSTRUMENT, "cu2701")
    assert engine.pre_trade(order("cu2701", price="68010"), clock()) == Reject(ResultCode.INSTRUMENT_HALTED, "cu2701 is halted")
    assert isinstance(engine.pre_trade(order(), clock()), OrderHold)
    switch.halt(KillLevel.ACCOUNT, "C1")
    assert engine.pre_trade(order(), clock()) == Reject(ResultCode.ACCOUNT_HALTED, "Account C1 is halted")
    assert isinstance(engine.pre_trade(order(account="C2"), clock()), OrderHold)
    switch.halt(KillLevel.MEMBER, "M2")
    assert engine.pre_trade(order(account="C2"), clock()) == Reject(ResultCode.MEMBER_HALTED, "Member M2 is halted")
    switch.halt(KillLevel.ALL)
    assert engine.pre_trade(order("m2701", price="3000", account="C2"), clock()) == Reject(ResultCode.TRADING_HALTED, "Trading halted")
    switch.resume(KillLevel.ALL)
    switch.resume(KillLevel.MEMBER, "M2")
    switch.resume(KillLevel.ACCOUNT, "C1")
    assert isinstance(engine.pre_trade(order(), clock()), OrderHold)


def test_halted_instruments_from_the_start_of_day_state(build, order, clock):
    engine = build(halted_instruments=frozenset({"m2701"}))
    assert code(engine.pre_trade(order("m2701", price="3000"), clock())) is ResultCode.INSTRUMENT_HALTED
    engine.kill_switch.resume(KillLevel.INSTRUMENT, "m2701")
    assert isinstance(engine.pre_trade(order("m2701", price="3000"), clock()), OrderHold)


def test_member_block_stops_opening_only(build, order, carry, clock):
    engine = build(blocked_members=frozenset({"M2"}), positions=(carry("C2", "m2701", LONG, 2, "4800.00"),))
    found = engine.pre_trade(order("m2701", price="3000", account="C2"), clock())
    assert found == Reject(ResultCode.MEMBER_BLOCKED, "Member M2 reserve low: close only")
    assert isinstance(engine.pre_trade(order("m2701", SELL, CLOSE, price="3000", account="C2"), clock()), OrderHold)
    # a client of another member is not affected
    assert isinstance(engine.pre_trade(order("m2701", price="3000"), clock()), OrderHold)


def test_throttle_counts_accepted_orders_per_rolling_second(engine, order, clock):
    # limit 5 per rolling second
    for ms in (0, 10, 20, 30, 40):
        assert isinstance(engine.pre_trade(order("m2701", price="3000"), clock(ms)), OrderHold)
    assert engine.pre_trade(order("m2701", price="3000"), clock(500)) == Reject(ResultCode.THROTTLED, "Over 5 orders per second")
    # another account is not throttled
    assert isinstance(engine.pre_trade(order("m2701", price="3000", account="C2"), clock(500)), OrderHold)
    # the order at 0 ms leaves the window at 1000 ms
    assert code(engine.pre_trade(order("m2701", price="3000"), clock(999))) is ResultCode.THROTTLED
    assert isinstance(engine.pre_trade(order("m2701", price="3000"), clock(1000)), OrderHold)


def test_rejected_orders_do_not_use_the_throttle(engine, order, clock):
    for ms in range(10):
        assert code(engine.pre_trade(order(price="3800.1"), clock(ms))) is ResultCode.PRICE_OFF_TICK
    for ms in range(10, 15):
        assert isinstance(engine.pre_trade(order(), clock(ms)), OrderHold)


def test_closable_quantity(build, order, carry, clock):
    engine = build(positions=(carry("C1", "m2701", LONG, 3, "7200.00"),))
    # a sell-close closes LONG: 3 held
    found = engine.pre_trade(order("m2701", SELL, CLOSE, qty=4, price="3000"), clock())
    assert found == Reject(ResultCode.CLOSE_EXCEEDS_POSITION, "Close 4 exceeds closable 3")
    first = engine.pre_trade(order("m2701", SELL, CLOSE, qty=2, price="3000"), clock())
    assert isinstance(first, OrderHold)
    # 2 of 3 now reserved by the working order
    assert engine.pre_trade(order("m2701", SELL, CLOSE, qty=2, price="3000"), clock()).text == "Close 2 exceeds closable 1"
    # a buy-close closes SHORT, and there is none
    assert engine.pre_trade(order("m2701", BUY, CLOSE, qty=1, price="3000"), clock()).text == "Close 1 exceeds closable 0"
    # cancelling the working order frees its lots
    engine.on_cancel(first)
    assert isinstance(engine.pre_trade(order("m2701", SELL, CLOSE, qty=3, price="3000"), clock()), OrderHold)


def test_position_limit_per_side(build, order, carry, clock):
    # IF2612 position limit 10 per side; 6 carried long, 3 working, so 1 more fits and 2 do not
    accounts = build().state.accounts
    rich = replace(accounts["C1"], balance=D("100000000.00"))
    engine = build(accounts={**accounts, "C1": rich}, positions=(carry("C1", "IF2612", LONG, 6, "1026000.00"),))
    assert isinstance(engine.pre_trade(order(qty=3), clock()), OrderHold)
    assert engine.pre_trade(order(qty=2), clock()) == Reject(ResultCode.POSITION_LIMIT, "Position 11 over limit 10")
    assert isinstance(engine.pre_trade(order(qty=1), clock()), OrderHold)
    assert code(engine.pre_trade(order(qty=1), clock())) is ResultCode.POSITION_LIMIT
    # the short side has its own limit
    assert isinstance(engine.pre_trade(order(side=SELL, qty=10), clock()), OrderHold)
    # closing is never limited
    assert isinstance(engine.pre_trade(order(side=SELL, offset=CLOSE, qty=6), clock()), OrderHold)


def test_funds_for_opening_orders(engine, order, clock):
    # 5 lots at 3800.0: margin 3800.0 x 5 x 300 x 0.15 = 855000.00, fee x 0.000023 = 131.10
    hold = engine.pre_trade(order(qty=5), clock())
    assert isinstance(hold, OrderHold)
    assert engine.funds["C1"].available == D("144868.90")  # 1000000.00 - 855131.10
    # 1 more lot needs 171000.00 + 26.22 = 171026.22
    assert engine.pre_trade(order(qty=1), clock()) == Reject(ResultCode.INSUFFICIENT_FUNDS, "Funds: need 171026.22 have 144868.90")
    # 144868.90 covers a lot of m2701: 3000 x 10 x 0.08 = 2400.00 + 1.50
    assert isinstance(engine.pre_trade(order("m2701", price="3000"), clock()), OrderHold)


def test_funds_for_market_orders_use_the_limit_price_of_the_side(engine, order, clock):
    # buy: limit up 4180.0 -> 4180.0 x 300 x 0.15 = 188100.00; fee 4180.0 x 300 x 0.000023 = 28.842 -> 28.84
    buy = engine.pre_trade(order(price=None), clock())
    assert (buy.frozen.margin, buy.frozen.fee) == (D("188100.00"), D("28.84"))
    # sell opens short at the short rate: limit down 3420.0 x 300 x 0.16 = 164160.00; fee 23.598 -> 23.60
    sell = engine.pre_trade(order(side=SELL, price=None), clock())
    assert (sell.frozen.margin, sell.frozen.fee) == (D("164160.00"), D("23.60"))
    # a STOP also freezes at the limit; a STOP_LIMIT at its limit price 3950.0 -> 177750.00
    stop = engine.pre_trade(order(price=None, ord_type=OrdType.STOP, stop_price="3900.0"), clock())
    assert stop.frozen.margin == D("188100.00")
    stop_limit = engine.pre_trade(order(price="3950.0", ord_type=OrdType.STOP_LIMIT, stop_price="3900.0"), clock())
    assert stop_limit.frozen.margin == D("177750.00")


def test_closing_orders_need_no_funds(build, order, carry, clock):
    accounts = build().state.accounts
    poor = replace(accounts["C1"], balance=D("100000.00"))
    # carried margin 171000.00 > balance: available is -71000.00
    engine = build(accounts={**accounts, "C1": poor}, positions=(carry("C1", "IF2612", LONG, 1, "171000.00"),))
    assert engine.funds["C1"].available == D("-71000.00")
    assert code(engine.pre_trade(order("m2701", price="3000"), clock())) is ResultCode.INSUFFICIENT_FUNDS
    assert isinstance(engine.pre_trade(order(side=SELL, offset=CLOSE), clock()), OrderHold)
