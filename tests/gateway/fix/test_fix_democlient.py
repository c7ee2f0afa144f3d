"""The demo's simulated FIX client: its seeded order flow (gateway.fix.demoflow), the messages it
sends (decoded by the gateway's own codec after QuickFIX validation against our
dictionaries), and what it makes of the gateway's answers (gateway.fix.democlient)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import quickfix as fix
from fix_support import dictionary

from backoffice.domain.enums import (
    ClosePriority,
    OffsetFlag,
    PositionDirection,
    SettlementPriceRule,
    Side,
)
from backoffice.domain.instruments import ContractTerms, Exchange, Instrument
from gateway.fix import codec
from gateway.fix.democlient import (
    ClientOptions,
    ClientSession,
    DemoClient,
    reason_of,
    request_message,
)
from gateway.fix.demoflow import (
    Cancel,
    Contract,
    FlowMix,
    NewOrder,
    OrderFlow,
    Replace,
    contract_of,
)
from gateway.fix.fields import FieldView
from gateway.fix.symbology import InstrumentRecord
from gateway.risk.limits import price_band

CFFEX = Exchange("CFFEX", "China Financial Futures Exchange", "Asia/Shanghai", False, ClosePriority.YESTERDAY_FIRST, True)
SHFE = Exchange("SHFE", "Shanghai Futures Exchange", "Asia/Shanghai", True, ClosePriority.YESTERDAY_FIRST, False)
IF_TERMS = ContractTerms("CNY", Decimal(300), Decimal("0.2"), Decimal("0.10"), 20, 5000, SettlementPriceRule.LAST_HOUR_VWAP, False)
CU_TERMS = ContractTerms("CNY", Decimal(5), Decimal(10), Decimal("0.08"), 500, 10000, SettlementPriceRule.WHOLE_DAY_VWAP, True)
IF2612 = Instrument("IF2612", "CFFEX", "IF", date(2026, 4, 20), date(2026, 12, 18), IF_TERMS)
CU2701 = Instrument("cu2701", "SHFE", "cu", date(2026, 1, 16), date(2027, 1, 15), CU_TERMS)
IF_RECORD = InstrumentRecord("IF2612", "CFFEX", "IF", date(2026, 12, 18), "IF", "Index")
CU_RECORD = InstrumentRecord("cu2701", "SHFE", "cu", date(2027, 1, 15), "CU", "Comdty")
ACCOUNTS = ("C000101", "C000102")


def contracts() -> list[Contract]:
    return [contract_of(IF_RECORD, IF2612, CFFEX, Decimal("3800.000000")), contract_of(CU_RECORD, CU2701, SHFE, Decimal(68000))]


def flow(seed: int | str = 7, **changes: object) -> OrderFlow:
    return OrderFlow(contracts(), ACCOUNTS, seed=seed, prefix="T", **changes)  # type: ignore[arg-type]


def trade(flow: OrderFlow, steps: int, *, fill_every: int = 3) -> list[object]:
    """Run `steps` requests, answering like a gateway: every order acknowledged, every
    `fill_every`-th one filled, cancels and replaces accepted."""
    sent = []
    for n in range(steps):
        request = flow.next()
        assert request is not None
        sent.append(request)
        if isinstance(request, NewOrder):
            flow.accepted(request.cl_ord_id)
            if n % fill_every == 0:
                flow.filled(request.cl_ord_id, request.qty)
        elif isinstance(request, Replace):
            flow.replaced(request.cl_ord_id)
        else:
            flow.done(request.cl_ord_id)
    return sent


def test_a_contract_is_named_and_priced_as_the_venue_does():
    index, copper = contracts()
    assert (index.ticker, index.symbol, index.maturity, index.exchange) == ("IFZ6 Index", "IF", "202612", "CCFX")
    assert (copper.ticker, copper.maturity, copper.exchange, copper.close_today_distinct) == ("CUF7 Comdty", "202701", "XSGE", True)
    assert str(index.reference) == "3800.0" and str(copper.reference) == "68000"  # on the tick grid, the tick's decimals
    band = price_band(Decimal("3800.000000"), IF_TERMS)
    assert (index.lower, index.upper) == (band.lower, band.upper) == (Decimal("3420.0"), Decimal("4180.0"))
    assert index.max_lots == 5 and str(index.price(19001)) == "3800.2"


def test_the_same_seed_and_answers_give_the_same_requests_and_another_seed_does_not():
    first, again, other = trade(flow(7), 300), trade(flow(7), 300), trade(flow(8), 300)
    assert first == again
    assert first != other
    assert trade(flow("7:EMSX42"), 50) != trade(flow("7:TOMS44"), 50)  # one seed, a flow per session


def test_every_order_is_on_the_tick_inside_the_limits_on_an_entitled_account():
    sent = trade(flow(3), 2000)
    orders = [r for r in sent if isinstance(r, NewOrder)] + [r for r in sent if isinstance(r, Replace)]
    assert len(orders) > 1000
    for request in orders:
        contract = request.contract if isinstance(request, NewOrder) else request.order.contract
        assert request.price % contract.tick == 0, request
        assert contract.lower <= request.price <= contract.upper, request
        assert 1 <= request.qty <= contract.max_lots
    accounts = {r.account if isinstance(r, NewOrder) else r.order.account for r in orders}
    assert accounts == set(ACCOUNTS)
    kinds = {type(r).__name__ for r in sent}
    assert kinds == {"NewOrder", "Cancel", "Replace"}
    assert {r.by_ticker for r in sent if isinstance(r, NewOrder)} == {True, False}  # both ways of naming a contract


def test_prices_stay_inside_a_tight_band():
    narrow = replace(contracts()[0], lower=Decimal("3799.6"), upper=Decimal("3800.4"))
    prices = {r.price for r in trade(OrderFlow([narrow], ACCOUNTS, seed=1, prefix="N"), 500) if isinstance(r, (NewOrder, Replace))}
    assert prices <= {Decimal("3799.6"), Decimal("3799.8"), Decimal("3800.0"), Decimal("3800.2"), Decimal("3800.4")}
    assert Decimal("3799.6") in prices and Decimal("3800.4") in prices  # clamped at both limits


def test_replaces_name_live_acknowledged_orders_and_follow_the_chain():
    demo = flow(5, mix=FlowMix(cancel=0, replace=100, close=0))
    first = demo.next()
    assert isinstance(first, NewOrder)
    assert all(isinstance(demo.next(), NewOrder) for _ in range(5))  # nothing acknowledged yet: only new orders
    demo.accepted(first.cl_ord_id)
    asked = demo.next()
    assert isinstance(asked, Replace) and asked.orig_cl_ord_id == first.cl_ord_id and asked.order == first
    assert 1 <= asked.qty <= first.qty and asked.price != first.price
    assert all(isinstance(demo.next(), NewOrder) for _ in range(5))  # the pending replace is not asked again
    demo.replaced(asked.cl_ord_id)
    follow = demo.next()
    assert isinstance(follow, Replace) and follow.orig_cl_ord_id == asked.cl_ord_id  # the chain moved on


def test_a_canceled_order_is_no_longer_working():
    demo = flow(5, mix=FlowMix(cancel=100, replace=0, close=0))
    order = demo.next()
    assert isinstance(order, NewOrder)
    demo.accepted(order.cl_ord_id)
    cancel = demo.next()
    assert isinstance(cancel, Cancel) and (cancel.orig_cl_ord_id, cancel.qty) == (order.cl_ord_id, order.qty)
    assert demo.working() == [order]
    demo.done(cancel.cl_ord_id)  # the gateway's 8 with 150=4 names the cancel's ClOrdID
    assert demo.working() == []


def test_a_refused_cancel_leaves_the_order_working():
    demo = flow(5, mix=FlowMix(cancel=100, replace=0, close=0))
    order = demo.next()
    assert isinstance(order, NewOrder)
    demo.accepted(order.cl_ord_id)
    cancel = demo.next()
    assert isinstance(cancel, Cancel) and cancel.orig_cl_ord_id == order.cl_ord_id
    demo.refused(cancel.cl_ord_id)
    again = demo.next()
    assert isinstance(again, Cancel) and again.orig_cl_ord_id == order.cl_ord_id


def test_closes_follow_fills_and_never_exceed_the_position():
    demo = flow(11, mix=FlowMix(cancel=0, replace=0, close=60))
    sent = [demo.next() for _ in range(30)]
    assert all(r.offset is OffsetFlag.OPEN for r in sent if isinstance(r, NewOrder))  # no position yet: nothing to close
    for request in sent:
        assert isinstance(request, NewOrder)
        demo.accepted(request.cl_ord_id)
        demo.filled(request.cl_ord_id, request.qty)
    held = dict(demo.positions)
    closes = []
    for _ in range(200):
        request = demo.next()
        assert isinstance(request, NewOrder)
        if request.offset is not OffsetFlag.OPEN:
            closes.append(request)
    assert closes
    closing: dict[tuple[str, str, PositionDirection], int] = {}
    for close in closes:
        direction = PositionDirection.SHORT if close.side is Side.BUY else PositionDirection.LONG
        key = (close.account, close.contract.code, direction)
        closing[key] = closing.get(key, 0) + close.qty
        assert closing[key] <= held[key], (close, held)  # working closes never exceed what is held
        assert close.offset is (OffsetFlag.CLOSE_TODAY if close.contract.close_today_distinct else OffsetFlag.CLOSE)
    done = closes[0]
    demo.filled(done.cl_ord_id, done.qty)
    direction = PositionDirection.SHORT if done.side is Side.BUY else PositionDirection.LONG
    assert demo.positions[(done.account, done.contract.code, direction)] == held[(done.account, done.contract.code, direction)] - done.qty


def test_closed_contracts_are_avoided():
    demo = flow(2)
    assert {r.contract.code for r in (demo.next() for _ in range(50)) if isinstance(r, NewOrder)} == {"IF2612", "cu2701"}
    shut = flow(2, mix=FlowMix(cancel=0, replace=0, close=0))
    assert {shut.next(closed={"IF2612"}).contract.code for _ in range(50)} == {"cu2701"}  # type: ignore[union-attr]
    assert shut.next(closed={"IF2612", "cu2701"}) is None


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_the_messages_are_valid_fix_and_decode_to_what_was_meant(begin_string, context):
    decode_context = context(begin_string)
    index, copper = contracts()
    by_ticker = NewOrder("A1", "C000102", index, Side.BUY, 3, Decimal("3799.8"), OffsetFlag.OPEN, True)
    by_maturity = NewOrder("A2", "C000101", copper, Side.SELL, 2, Decimal(68010), OffsetFlag.CLOSE_TODAY, False)
    requests = [by_ticker, by_maturity, Replace("A3", "A1", by_ticker, 2, Decimal("3800.4")), Cancel("A4", "A2", by_maturity, 2)]
    decoded = []
    for request in requests:
        message = request_message(begin_string, request, datetime(2026, 12, 1, 1, 30, tzinfo=UTC))
        header = message.getHeader()
        for tag, value in ((49, "BLPEMSX1"), (56, "FIXBROKER"), (34, "2"), (52, "20261201-01:30:00.000")):
            header.setField(fix.StringField(tag, value))
        dd = dictionary(begin_string)
        dd.validate(fix.Message(message.toString(), dd, True))  # what the gateway's session checks
        decoded.append(codec.decode(message, decode_context))
    new, close, replaced, canceled = decoded
    assert isinstance(new, codec.NewOrder) and new.cl_ord_id == "A1"
    request = new.order.request
    assert (request.account, request.instrument, request.side, request.offset, request.qty, request.price) == (
        "C000102", "IF2612", Side.BUY, OffsetFlag.OPEN, Decimal(3), Decimal("3799.8"))
    assert new.order.instrument.security_id == "IFZ6 Index"
    assert isinstance(close, codec.NewOrder)
    request = close.order.request
    assert (request.instrument, request.side, request.offset, request.price) == ("cu2701", Side.SELL, OffsetFlag.CLOSE_TODAY, Decimal(68010))
    assert close.order.instrument.maturity_month_year == "202701" and close.order.instrument.security_exchange == "XSGE"
    assert isinstance(replaced, codec.ReplaceOrder) and (replaced.orig_cl_ord_id, replaced.order.request.qty) == ("A1", Decimal(2))
    assert isinstance(canceled, codec.CancelOrder) and (canceled.orig_cl_ord_id, canceled.account) == ("A2", "C000101")


def client(tmp_path: Path, demo: OrderFlow) -> DemoClient:
    session = ClientSession("EMSX42", "FIX.4.2", "BLPEMSX1", "FIXBROKER", "127.0.0.1", 9878, "blp-emsx-1")
    return DemoClient(session, "a-long-enough-password", demo, ClientOptions(tmp_path / "store", tmp_path / "log", rest_closed_s=10))


def report(**fields: str) -> FieldView:
    tags = {"msg_type": 35, "cl_ord_id": 11, "orig": 41, "exec_type": 150, "status": 39, "last_qty": 32, "text": 58, "reason": 103}
    view = FieldView.of("".join(f"{tags[name]}={value}\x01" for name, value in fields.items()))
    assert view is not None
    return view


def test_answers_move_the_flow_and_the_tally(tmp_path):
    demo = flow(4, mix=FlowMix(cancel=0, replace=0, close=0))
    app = client(tmp_path, demo)
    first, second, third = demo.next(), demo.next(), demo.next()
    assert isinstance(first, NewOrder) and isinstance(second, NewOrder) and isinstance(third, NewOrder)
    app.on_message(report(msg_type="8", cl_ord_id=first.cl_ord_id, exec_type="0", status="0"), 0)
    app.on_message(report(msg_type="8", cl_ord_id=first.cl_ord_id, exec_type="1", status="1", last_qty="1"), 0)
    app.on_message(report(msg_type="8", cl_ord_id=second.cl_ord_id, exec_type="8", status="8", reason="3",
                          text="Funds: need 580336.89 have 418285.36"), 0)
    app.on_message(report(msg_type="8", cl_ord_id=third.cl_ord_id, exec_type="8", status="8", reason="2", text="market closed"), 0)
    assert demo.working() == ([first] if first.qty > 1 else [])  # the rejected ones are over, and a filled one
    assert app.tally.answers["acks"] == 1 and app.tally.answers["fills"] == 1 and app.tally.answers["lots"] == 1
    assert app.tally.rejects == {"Funds: need # have #": 1, "market closed": 1}
    assert app.resting(9_999_999_999) == {third.contract.code} and app.resting(10_000_000_000) == set()  # OrdRejReason 2: 10 s
    assert not app.ended.is_set()
    app.on_message(report(msg_type="8", cl_ord_id="X9", exec_type="8", status="8", reason="2",
                          text="Trading day closed; next session 11-24 09:25"), 0)
    assert app.ended.is_set() and app.stopped == "trading day closed"
    line = app.tally.line(app.session, app.stopped)
    assert line.startswith("EMSX42 (FIX.4.2): sent 0 orders") and line.endswith("stopped: trading day closed")
    assert "3 rejects (" in line and "1 fills (1 lots)" in line


def test_reasons_count_together_without_their_figures():
    assert reason_of("Funds: need 973023.78 have 873646.99") == "Funds: need # have #"
    assert reason_of("Order LAKE1a200fd6c81-276 is already done") == "Order # is already done"
    assert reason_of("Price 3900.0 above limit up 3880.0") == "Price # above limit up #"
