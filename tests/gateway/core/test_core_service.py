"""The trading core on the sample venue: risk around the books, command by command.

Client rates of member 0001's retail client C000101 (member schedule: fee x4, margin +5%):
IF margin 0.12 + 0.05 = 0.17, open fee 0.000023 x 4 = 0.000092 by money.
C000201 at member 0002 (fee x3.5, margin +4%): IF margin 0.16, open fee 0.0000805.
"""

from decimal import Decimal as D

import pytest

from backoffice.domain.enums import OffsetFlag, Side
from gateway.core.commands import Cancel, EndOfDay, Halt, MassCancel, NewOrder, Replace, SetPhase
from gateway.core.service import CancelRefused, Refused, TradingCore
from gateway.matching import Accepted, Canceled, CancelReason, Expired, OrderStatus, Replaced, Trade, TradingPhase
from gateway.risk.codes import ResultCode
from gateway.risk.killswitch import KillLevel
from gateway.risk.request import OrderRequest, OrdType

T0 = 1_795_000_000_000_000_000


def order(account, side, qty, price, instrument="IF2612", offset=OffsetFlag.OPEN, ord_type=OrdType.LIMIT):
    return OrderRequest(account, instrument, side, offset, ord_type, D(qty), None if price is None else D(price))


@pytest.fixture
def core(start_state):
    core = TradingCore(start_state)
    core.handle(SetPhase(T0, TradingPhase.CONTINUOUS))
    return core


def test_a_fill_converts_frozen_funds_at_each_clients_rates(core):
    (accepted,) = core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 2, "3800.0")))
    assert isinstance(accepted, Accepted)
    funds = core.risk.funds["C000101"]
    # frozen: 3800 x 2 x 300 x 0.17 = 387,600.00 margin; 3800 x 2 x 300 x 0.000092 = 209.76 fee
    assert (funds.frozen_margin, funds.frozen_fee) == (D("387600.00"), D("209.76"))
    outputs = core.handle(NewOrder(T0 + 2, "TOMS44", "S1", order("C000201", Side.SELL, 1, "3799.8")))
    trade = outputs[-1]
    assert isinstance(trade, Trade) and trade.price * D("0.2") == D("3800.0") and trade.qty == 1
    assert trade.buy.account == "C000101" and trade.sell.account == "C000201" and trade.aggressor is Side.SELL
    # one lot converted at 3800: margin 193,800.00, fee 104.88; one lot still frozen
    assert (funds.margin_used, funds.fees) == (D("193800.00"), D("104.88"))
    assert (funds.frozen_margin, funds.frozen_fee) == (D("193800.00"), D("104.88"))
    seller = core.risk.funds["C000201"]
    # 3800 x 300 x 0.16 = 182,400.00; fee 3800 x 300 x 0.0000805 = 91.77
    assert (seller.margin_used, seller.fees, seller.frozen_margin) == (D("182400.00"), D("91.77"), D("0.00"))
    assert core.orders[trade.buy.order_id].status is OrderStatus.PARTIALLY_FILLED


def test_duplicate_client_order_id_is_refused_per_session(core):
    core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 1, "3790.0")))
    (refused,) = core.handle(NewOrder(T0 + 2, "EMSX42", "B1", order("C000101", Side.BUY, 1, "3790.0")))
    assert isinstance(refused, Refused) and refused.reject.code is ResultCode.DUPLICATE_ORDER
    assert refused.reject.code.fix_ord_rej_reason == 6
    # the same ClOrdID on another session is another order
    (accepted,) = core.handle(NewOrder(T0 + 3, "TOMS44", "B1", order("C000201", Side.BUY, 1, "3790.0")))
    assert isinstance(accepted, Accepted)


def test_risk_refusals_come_back_with_reason_and_hold_nothing(core):
    (refused,) = core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 100, "3800.0")))
    assert refused.reject.code is ResultCode.QTY_ABOVE_MAX and refused.reject.text == "Quantity 100 above max order 20"
    (refused,) = core.handle(NewOrder(T0 + 2, "EMSX42", "B2", order("C000101", Side.SELL, 1, "3800.0", offset=OffsetFlag.CLOSE)))
    assert refused.reject.code is ResultCode.CLOSE_EXCEEDS_POSITION
    # C010101 holds 50,000.00; one IF lot needs 3800 x 300 x 0.17 = 193,800.00
    (refused,) = core.handle(NewOrder(T0 + 3, "L1", "B3", order("C010101", Side.BUY, 1, "3800.0")))
    assert refused.reject.code is ResultCode.INSUFFICIENT_FUNDS
    assert core.risk.funds["C000101"].frozen_margin == 0 and not core.orders


def test_cancel_releases_the_freeze_and_unknown_or_done_orders_are_refused(core):
    core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 2, "3790.0")))
    (canceled,) = core.handle(Cancel(T0 + 2, "EMSX42", "C1", "B1"))
    assert isinstance(canceled, Canceled) and canceled.reason is CancelReason.CLIENT_REQUEST
    funds = core.risk.funds["C000101"]
    assert (funds.frozen_margin, funds.frozen_fee) == (0, 0)
    (again,) = core.handle(Cancel(T0 + 3, "EMSX42", "C2", "B1"))
    assert isinstance(again, CancelRefused) and again.reject.code is ResultCode.TOO_LATE_TO_CANCEL
    (unknown,) = core.handle(Cancel(T0 + 4, "EMSX42", "C3", "NOPE"))
    assert unknown.reject.code is ResultCode.UNKNOWN_ORDER and unknown.reject.code.fix_cxl_rej_reason == 1
    (other_session,) = core.handle(Cancel(T0 + 5, "TOMS44", "C4", "B1"))
    assert other_session.reject.code is ResultCode.UNKNOWN_ORDER  # a session only reaches its own orders


def test_replace_rules_priority_refreeze_and_refusals(core):
    core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 3, "3790.0")))
    (down,) = core.handle(Replace(T0 + 2, "EMSX42", "B2", "B1", D(2), D("3790.0")))
    assert isinstance(down, Replaced) and down.priority_kept and down.orig_cl_ord_id == "B1"
    funds = core.risk.funds["C000101"]
    assert funds.frozen_margin == D("3790.0") * 2 * 300 * D("0.17")  # 386,580.00 for 2 lots
    (up,) = core.handle(Replace(T0 + 3, "EMSX42", "B3", "B2", D(4), D("3790.2")))
    assert isinstance(up, Replaced) and not up.priority_kept
    assert funds.frozen_margin == D("773200.80")  # 3790.2 x 4 x 300 x 0.17
    # 20 lots at 3790.2 would need 3790.2 x 20 x 300 x 0.17 = 3,866,004.00 of margin: more than the 1,000,000.00 held
    (refused,) = core.handle(Replace(T0 + 4, "EMSX42", "B4", "B3", D(20), D("3790.2")))
    assert isinstance(refused, CancelRefused) and refused.is_replace and refused.reject.code is ResultCode.INSUFFICIENT_FUNDS
    assert funds.frozen_margin == D("773200.80")  # the old hold is intact
    core.handle(NewOrder(T0 + 5, "TOMS44", "S1", order("C000201", Side.SELL, 1, "3790.2")))
    (below,) = core.handle(Replace(T0 + 6, "EMSX42", "B5", "B3", D(1), D("3790.2")))
    assert below.reject.code is ResultCode.QTY_NOT_ABOVE_FILLED


def test_halt_cancels_working_orders_and_blocks_new_ones_until_resumed(core):
    core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 1, "3790.0")))
    core.handle(NewOrder(T0 + 2, "EMSX42", "B2", order("C000102", Side.BUY, 1, "3790.0")))
    outputs = core.handle(Halt(T0 + 3, KillLevel.ACCOUNT, "C000101"))
    assert [(type(o).__name__, o.cl_ord_id, o.reason) for o in outputs] == [("Canceled", "B1", CancelReason.HALT)]
    (refused,) = core.handle(NewOrder(T0 + 4, "EMSX42", "B3", order("C000101", Side.BUY, 1, "3790.0")))
    assert refused.reject.code is ResultCode.ACCOUNT_HALTED
    core.handle(Halt(T0 + 5, KillLevel.ACCOUNT, "C000101", resume=True))
    (accepted,) = core.handle(NewOrder(T0 + 6, "EMSX42", "B4", order("C000101", Side.BUY, 1, "3790.0")))
    assert isinstance(accepted, Accepted)


def test_mass_cancel_by_session_and_end_of_day_expiry(core):
    core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 1, "3790.0")))
    core.handle(NewOrder(T0 + 2, "EMSX42", "B2", order("C000102", Side.BUY, 1, "68000", instrument="cu2701")))
    core.handle(NewOrder(T0 + 3, "TOMS44", "B3", order("C000201", Side.BUY, 1, "3790.0")))
    outputs = core.handle(MassCancel(T0 + 4, session="EMSX42"))
    assert sorted(o.cl_ord_id for o in outputs) == ["B1", "B2"]
    assert all(o.reason is CancelReason.MASS_CANCEL for o in outputs)
    expired = core.handle(EndOfDay(T0 + 5))
    assert [(type(o), o.cl_ord_id) for o in expired] == [(Expired, "B3")]
    assert core.closed and core.working_orders() == []
    assert all(f.frozen_margin == 0 and f.frozen_fee == 0 for f in core.risk.funds.values())


def test_instruments_without_a_previous_settlement_have_no_book(core):
    (refused,) = core.handle(NewOrder(T0 + 1, "EMSX42", "B1", order("C000101", Side.BUY, 1, "3800.0", instrument="IF2701")))
    assert refused.reject.code is ResultCode.NO_REFERENCE_PRICE


def test_self_trades_within_an_account_are_prevented_by_default(core):
    core.handle(NewOrder(T0 + 1, "EMSX42", "S1", order("C000101", Side.SELL, 1, "3800.0")))
    outputs = core.handle(NewOrder(T0 + 2, "EMSX42", "B1", order("C000101", Side.BUY, 1, "3800.0")))
    assert [type(o).__name__ for o in outputs] == ["Accepted", "Canceled"]
    assert outputs[1].reason is CancelReason.SELF_TRADE and outputs[1].cl_ord_id == "B1"
    # another account of the same member trades normally
    outputs = core.handle(NewOrder(T0 + 3, "EMSX42", "B2", order("C000102", Side.BUY, 1, "3800.0")))
    assert isinstance(outputs[-1], Trade)
