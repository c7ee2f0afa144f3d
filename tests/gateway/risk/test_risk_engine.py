"""Order life cycles through the engine: holds, fills at real prices, cancels, hand-computed."""

from dataclasses import replace
from decimal import Decimal

import pytest

from backoffice.domain.enums import OffsetFlag, PositionDirection, Side
from gateway.risk.codes import Reject, ResultCode
from gateway.risk.engine import ClosedPart, OrderHold, Release, RiskEngine
from gateway.risk.killswitch import KillLevel
from gateway.risk.positions import CloseTarget

D = Decimal
BUY, SELL = Side.BUY, Side.SELL
OPEN, CLOSE = OffsetFlag.OPEN, OffsetFlag.CLOSE
CLOSE_TODAY, CLOSE_YESTERDAY = OffsetFlag.CLOSE_TODAY, OffsetFlag.CLOSE_YESTERDAY
LONG, SHORT = PositionDirection.LONG, PositionDirection.SHORT
TODAY, YESTERDAY = CloseTarget.TODAY, CloseTarget.YESTERDAY


def accept(engine, request, when):
    hold = engine.pre_trade(request, when)
    assert isinstance(hold, OrderHold), hold
    return hold


def assert_margin_matches_positions(engine: RiskEngine, account: str) -> None:
    held = sum((p.margin for (acct, _, _), p in engine.positions.items() if acct == account), D(0))
    assert engine.funds[account].margin_used == held


def test_open_fills_convert_the_freeze(engine, order, clock):
    hold = accept(engine, order(qty=2), clock())
    funds = engine.funds["C1"]
    # 3800.0 x 2 x 300 x 0.15 = 342000.00; fee 3800.0 x 2 x 300 x 0.000023 = 52.44
    assert (funds.frozen_margin, funds.frozen_fee) == (D("342000.00"), D("52.44"))
    assert engine.positions.peek("C1", "IF2612", LONG).pending_open == 2

    first = engine.on_fill(hold, 1, D("3799.8"))
    # releases half the freeze (171000.00, 26.22); books 3799.8 x 300 x 0.15 = 170991.00,
    # fee 3799.8 x 300 x 0.000023 = 26.21862 -> 26.22
    assert (first.frozen_margin_released, first.frozen_fee_released) == (D("171000.00"), D("26.22"))
    assert (first.margin_added, first.fee) == (D("170991.00"), D("26.22"))

    second = engine.on_fill(hold, 1, D("3800.2"))
    # the rest of the freeze; 3800.2 x 300 x 0.15 = 171009.00, fee 26.22138 -> 26.22
    assert (second.frozen_margin_released, second.frozen_fee_released) == (D("171000.00"), D("26.22"))
    assert (second.margin_added, second.fee) == (D("171009.00"), D("26.22"))

    assert (funds.frozen_margin, funds.frozen_fee) == (0, 0)
    assert (funds.margin_used, funds.fees) == (D("342000.00"), D("52.44"))
    assert funds.available == D("657947.56")  # 1000000.00 - 342000.00 - 52.44
    position = engine.positions.peek("C1", "IF2612", LONG)
    assert (position.today, position.pending_open, position.today_open_price) == (2, 0, D("3800.0"))
    assert engine.holds() == []
    assert_margin_matches_positions(engine, "C1")


def test_partial_fill_then_cancel_loses_no_cent(engine, order, clock):
    hold = accept(engine, order("cu2701", qty=3, price="68010"), clock())
    # margin 68010 x 3 x 5 x 0.10 = 102015.00; fee 68010 x 15 x 0.00005 + 3 x 1.00 = 54.0075 -> 54.01
    assert (hold.frozen.margin, hold.frozen.fee) == (D("102015.00"), D("54.01"))
    fill = engine.on_fill(hold, 1, D("68000"))
    # one third of the freeze: 34005.00 and 54.01 / 3 = 18.0033 -> 18.00
    assert (fill.frozen_margin_released, fill.frozen_fee_released) == (D("34005.00"), D("18.00"))
    # actual: 68000 x 5 x 0.10 = 34000.00; fee 68000 x 5 x 0.00005 + 1.00 = 18.00
    assert (fill.margin_added, fill.fee) == (D("34000.00"), D("18.00"))
    released = engine.on_cancel(hold)
    # what is left: 102015.00 - 34005.00 = 68010.00 and 54.01 - 18.00 = 36.01
    assert released == Release(2, D("68010.00"), D("36.01"))
    assert fill.frozen_margin_released + released.margin == D("102015.00")
    assert fill.frozen_fee_released + released.fee == D("54.01")
    funds = engine.funds["C1"]
    assert (funds.frozen_margin, funds.frozen_fee) == (0, 0)
    assert funds.available == D("965982.00")  # 1000000.00 - 34000.00 - 18.00
    assert engine.positions.peek("C1", "cu2701", LONG).pending_open == 0
    assert engine.on_cancel(hold) == Release(0, D(0), D(0))


def test_market_order_remainder_releases_its_freeze(engine, order, clock):
    hold = accept(engine, order(qty=2, price=None), clock())
    # frozen at limit up 4180.0: 4180.0 x 2 x 300 x 0.15 = 376200.00; fee 57.684 -> 57.68
    assert (hold.frozen.margin, hold.frozen.fee) == (D("376200.00"), D("57.68"))
    engine.on_fill(hold, 1, D("3800.0"))
    assert engine.on_cancel(hold) == Release(1, D("188100.00"), D("28.84"))
    assert engine.funds["C1"].available == D("828973.78")  # 1000000.00 - 171000.00 - 26.22


def test_shfe_close_today_and_close_yesterday(build, order, carry, clock):
    # 4 lots carried long, margin settled at 68130 x 4 x 5 x 0.10 = 136260.00
    engine = build(positions=(carry("C1", "cu2701", LONG, 4, "136260.00"),))
    cu = lambda offset, qty, side=SELL: order("cu2701", side, offset, qty, "68100")  # noqa: E731
    assert engine.pre_trade(cu(CLOSE_TODAY, 1), clock()).text == "Close 1 exceeds closable 0"

    opened = accept(engine, order("cu2701", qty=2, price="68000"), clock())
    # margin 68000 x 2 x 5 x 0.10 = 68000.00; fee 68000 x 10 x 0.00005 + 2 x 1.00 = 36.00
    assert (engine.on_fill(opened, 2, D("68000")).fee) == D("36.00")
    assert engine.pre_trade(cu(CLOSE_TODAY, 3), clock()).text == "Close 3 exceeds closable 2"

    today = accept(engine, cu(CLOSE_TODAY, 2), clock())
    assert today.target is TODAY
    # close-today fee 68100 x 2 x 5 x 0.0001 = 68.10; P&L (68100 - 68000) x 2 x 5 = 1000.00
    assert engine.on_fill(today, 2, D("68100")).closed == (ClosedPart(TODAY, 2, D("68000.00"), D("68.10"), D("1000.00")),)

    plain = accept(engine, cu(CLOSE, 3), clock())
    assert plain.target is YESTERDAY  # a plain close on SHFE closes yesterday's lots
    # margin 136260.00 x 3/4 = 102195.00; fee 68100 x 15 x 0.00005 + 3 = 54.075 -> 54.08;
    # P&L against previous settlement (68100 - 68130) x 3 x 5 = -450.00
    assert engine.on_fill(plain, 3, D("68100")).closed == (ClosedPart(YESTERDAY, 3, D("102195.00"), D("54.08"), D("-450.00")),)

    assert engine.pre_trade(cu(CLOSE_YESTERDAY, 2), clock()).text == "Close 2 exceeds closable 1"
    last = accept(engine, cu(CLOSE_YESTERDAY, 1), clock())
    assert last.target is YESTERDAY

    funds = engine.funds["C1"]
    # margin 136260.00 + 68000.00 - 68000.00 - 102195.00 = 34065.00; fees 36.00 + 68.10 + 54.08 = 158.18
    assert (funds.margin_used, funds.fees, funds.realized_pnl) == (D("34065.00"), D("158.18"), D("550.00"))
    assert funds.available == D("966326.82")  # 1000000.00 + 550.00 - 34065.00 - 158.18
    assert_margin_matches_positions(engine, "C1")


def test_cffex_plain_close_takes_todays_lots_first(build, order, carry, clock):
    engine = build(positions=(carry("C1", "IF2612", LONG, 1, "171000.00"),))
    opened = accept(engine, order(price="3790.0"), clock())
    # margin 3790.0 x 300 x 0.15 = 170550.00; fee 3790.0 x 300 x 0.000023 = 26.151 -> 26.15
    assert engine.on_fill(opened, 1, D("3790.0")).margin_added == D("170550.00")
    close = accept(engine, order(side=SELL, offset=CLOSE, qty=2, price="3810.0"), clock())
    assert close.target is CloseTarget.ANY
    outcome = engine.on_fill(close, 2, D("3810.0"))
    assert outcome.closed == (
        # today's lot: close-today fee 3810.0 x 300 x 0.00023 = 262.89; P&L (3810.0 - 3790.0) x 300 = 6000.00
        ClosedPart(TODAY, 1, D("170550.00"), D("262.89"), D("6000.00")),
        # yesterday's lot: close fee 3810.0 x 300 x 0.000023 = 26.289 -> 26.29; P&L (3810.0 - 3800.0) x 300 = 3000.00
        ClosedPart(YESTERDAY, 1, D("171000.00"), D("26.29"), D("3000.00")),
    )
    assert (outcome.fee, outcome.margin_released, outcome.realized_pnl) == (D("289.18"), D("341550.00"), D("9000.00"))
    funds = engine.funds["C1"]
    assert funds.margin_used == 0
    assert funds.available == D("1008684.67")  # 1000000.00 + 9000.00 - (26.15 + 289.18)
    assert engine.positions.peek("C1", "IF2612", LONG).total == 0


def test_cffex_close_today_flag_is_a_plain_close(build, order, carry, clock):
    engine = build(positions=(carry("C1", "IF2612", LONG, 1, "171000.00"),))
    hold = accept(engine, order(side=SELL, offset=CLOSE_TODAY, price="3800.0"), clock())
    assert hold.target is CloseTarget.ANY
    # only a yesterday lot exists: it is closed, at the close (not close-today) fee 3800.0 x 300 x 0.000023 = 26.22
    assert engine.on_fill(hold, 1, D("3800.0")).closed == (ClosedPart(YESTERDAY, 1, D("171000.00"), D("26.22"), D("0.00")),)


def test_dce_buy_close_takes_yesterdays_short_lots_first(build, order, carry, clock):
    # 2 lots carried short, margin 3000 x 2 x 10 x 0.08 = 4800.00
    engine = build(positions=(carry("C1", "m2701", SHORT, 2, "4800.00"),))
    opened = accept(engine, order("m2701", SELL, OPEN, 1, "2990"), clock())
    # margin 2990 x 10 x 0.08 = 2392.00; fee 1.50 per lot
    assert engine.on_fill(opened, 1, D("2990")).fee == D("1.50")
    assert engine.pre_trade(order("m2701", SELL, CLOSE, 1, "2980"), clock()).text == "Close 1 exceeds closable 0"
    close = accept(engine, order("m2701", BUY, CLOSE, 3, "2985"), clock())
    # first fill 1 @ 2980: a yesterday lot; margin 4800.00 / 2 = 2400.00; fee 1.50; short P&L (3000 - 2980) x 10 = 200.00
    assert engine.on_fill(close, 1, D("2980")).closed == (ClosedPart(YESTERDAY, 1, D("2400.00"), D("1.50"), D("200.00")),)
    # second fill 2 @ 2985: the last yesterday lot, then today's lot
    assert engine.on_fill(close, 2, D("2985")).closed == (
        ClosedPart(YESTERDAY, 1, D("2400.00"), D("1.50"), D("150.00")),  # (3000 - 2985) x 10
        ClosedPart(TODAY, 1, D("2392.00"), D("0.75"), D("50.00")),  # (2990 - 2985) x 10, close-today fee 0.75
    )
    funds = engine.funds["C1"]
    assert (funds.margin_used, funds.fees, funds.realized_pnl) == (0, D("5.25"), D("400.00"))
    assert funds.available == D("1000394.75")  # 1000000.00 + 400.00 - 5.25


def test_cancel_of_a_partly_filled_close_gives_back_its_lots(build, order, carry, clock):
    engine = build(positions=(carry("C1", "m2701", LONG, 3, "7200.00"),))
    hold = accept(engine, order("m2701", SELL, CLOSE, 3, "3000"), clock())
    engine.on_fill(hold, 1, D("3000"))
    assert engine.on_cancel(hold) == Release(2, D(0), D(0))
    position = engine.positions.peek("C1", "m2701", LONG)
    assert (position.total, position.reserved, position.yesterday_margin) == (2, 0, D("4800.00"))
    assert_margin_matches_positions(engine, "C1")


def test_fill_beyond_leaves_is_a_bug(engine, order, clock):
    hold = accept(engine, order(qty=2), clock())
    with pytest.raises(ValueError):
        engine.on_fill(hold, 3, D("3800.0"))
    with pytest.raises(ValueError):
        engine.on_fill(hold, 0, D("3800.0"))


def test_forced_liquidation_bypasses_funds_halts_and_member_block(build, order, carry, clock):
    accounts = build().state.accounts
    # C3 is HALTED; balance 300000.00 against 342000.00 margin carried: available -42000.00
    poor = replace(accounts["C3"], balance=D("300000.00"))
    engine = build(
        accounts={**accounts, "C3": poor},
        positions=(carry("C3", "IF2612", LONG, 2, "342000.00"),),
        blocked_members=frozenset({"M1"}),
    )
    engine.kill_switch.halt(KillLevel.MEMBER, "M1")
    engine.kill_switch.halt(KillLevel.ACCOUNT, "C3")
    assert engine.funds["C3"].available == D("-42000.00")
    sell = lambda qty=1, price="3700.0", **kw: order(side=SELL, offset=CLOSE, qty=qty, price=price, account="C3", **kw)  # noqa: E731

    assert engine.pre_trade(sell(), clock()) == Reject(ResultCode.ACCOUNT_HALTED, "Account C3 is halted")
    forced = accept(engine, sell(forced=True), clock())
    assert engine.orders_to_cancel() == []  # account and member halts spare forced orders

    # still held to the market's rules and to the position
    assert engine.pre_trade(sell(price="3700.1", forced=True), clock()).code is ResultCode.PRICE_OFF_TICK
    assert engine.pre_trade(sell(price="3419.8", forced=True), clock()).code is ResultCode.PRICE_BELOW_LIMIT
    assert engine.pre_trade(sell(qty="1.5", forced=True), clock()).code is ResultCode.QTY_NOT_WHOLE
    assert engine.pre_trade(sell(qty=2, forced=True), clock()).text == "Close 2 exceeds closable 1"
    assert engine.pre_trade(order(account="C3", forced=True), clock()).code is ResultCode.FORCED_MUST_CLOSE
    engine.kill_switch.halt(KillLevel.INSTRUMENT, "IF2612")
    assert engine.pre_trade(sell(forced=True), clock()).code is ResultCode.INSTRUMENT_HALTED
    assert engine.orders_to_cancel() == [forced]
    engine.kill_switch.resume(KillLevel.INSTRUMENT, "IF2612")
    engine.kill_switch.halt(KillLevel.ALL)
    assert engine.pre_trade(sell(forced=True), clock()).code is ResultCode.TRADING_HALTED
    engine.kill_switch.resume(KillLevel.ALL)

    # the fill: margin 342000.00 / 2 = 171000.00 freed; fee 3700.0 x 300 x 0.000023 = 25.53;
    # P&L (3700.0 - 3800.0) x 300 = -30000.00
    assert engine.on_fill(forced, 1, D("3700.0")).closed == (ClosedPart(YESTERDAY, 1, D("171000.00"), D("25.53"), D("-30000.00")),)
    # 300000.00 - 30000.00 - 171000.00 - 25.53 = 98974.47
    assert engine.funds["C3"].available == D("98974.47")


def test_kill_switch_lists_the_working_orders_to_cancel(build, order, carry, clock):
    engine = build(positions=(carry("C2", "m2701", LONG, 1, "2400.00"),))
    a = accept(engine, order(), clock())
    b = accept(engine, order("m2701", price="3000"), clock())
    c = accept(engine, order("m2701", SELL, CLOSE, 1, "3000", account="C2"), clock())
    engine.kill_switch.halt(KillLevel.ACCOUNT, "C1")
    assert engine.orders_to_cancel() == [a, b]
    engine.kill_switch.halt(KillLevel.INSTRUMENT, "m2701")
    assert engine.orders_to_cancel() == [a, b, c]
    # the switch cancels nothing itself: the caller cancels through the book, then tells risk
    assert engine.holds() == [a, b, c]
    for hold in engine.orders_to_cancel():
        engine.on_cancel(hold)
    assert engine.holds() == [] and engine.orders_to_cancel() == []
    assert (engine.funds["C1"].frozen_margin, engine.funds["C1"].frozen_fee) == (0, 0)
    assert engine.positions.peek("C2", "m2701", LONG).closable(CloseTarget.ANY) == 1


def test_daily_cancel_limit_per_account_and_instrument(engine):
    # limit 3 cancels per day per account per instrument
    for _ in range(3):
        assert engine.on_cancel_request("C1", "IF2612") is None
    assert engine.on_cancel_request("C1", "IF2612") == Reject(ResultCode.CANCEL_LIMIT, "Cancel limit 3 reached for today")
    assert engine.on_cancel_request("C1", "IF2612").code.fix_cxl_rej_reason == 2
    assert engine.on_cancel_request("C1", "cu2701") is None
    assert engine.on_cancel_request("C2", "IF2612") is None
    assert engine.on_cancel_request("C9", "IF2612").code is ResultCode.UNKNOWN_ACCOUNT
    assert engine.on_cancel_request("C1", "XX9999").code is ResultCode.UNKNOWN_INSTRUMENT


def test_carried_positions_load_margin_and_need_known_accounts(build, carry):
    engine = build(positions=(carry("C1", "IF2612", LONG, 2, "342000.00"), carry("C1", "m2701", SHORT, 2, "4800.00")))
    assert engine.funds["C1"].margin_used == D("346800.00")
    assert engine.funds["C1"].available == D("653200.00")
    assert_margin_matches_positions(engine, "C1")
    with pytest.raises(ValueError):
        build(positions=(carry("C9", "IF2612", LONG, 1, "1.00"),))
