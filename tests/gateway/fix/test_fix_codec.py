"""FIX D/F/G, parsed by QuickFIX with our dictionaries, normalised into risk's OrderRequest or
refused with a reason; nothing here may raise."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from backoffice.domain.enums import OffsetFlag, Side
from fix_support import parse, raw_message
from gateway.fix.codec import CancelOrder, NewOrder, Refused, ReplaceOrder, Routing, decode
from gateway.fix.refusals import DecodeReason
from gateway.risk.codes import OrdRejReason
from gateway.risk.request import OrderRequest, OrdType, TimeInForce

BASE = {11: "ORD-1", 21: "1", 38: "2", 40: "2", 44: "3890.2", 54: "1", 55: "IF", 167: "FUT", 200: "202612", 207: "CFFEX", 60: "20261201-01:30:00", 77: "O"}


def order(begin_string="FIX.4.2", msg_type="D", header=None, **changes):
    fields = dict(BASE)
    for key, value in changes.items():
        tag = int(key.lstrip("t"))
        if value is None:
            fields.pop(tag, None)
        else:
            fields[tag] = value
    return parse(begin_string, msg_type, sorted(fields.items()), header)


def refused(result, reason):
    assert isinstance(result, Refused), result
    assert result.refusal.reason is reason, result.refusal
    assert len(result.refusal.text) <= 44, result.refusal.text
    return result.refusal.text


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_limit_order_by_symbol_and_maturity(context, begin_string):
    result = decode(order(begin_string), context(begin_string))
    assert isinstance(result, NewOrder)
    assert result.cl_ord_id == "ORD-1"
    assert result.order.request == OrderRequest(
        account="C000101",  # no Account(1): the session default
        instrument="IF2612",
        side=Side.BUY,
        offset=OffsetFlag.OPEN,
        ord_type=OrdType.LIMIT,
        qty=Decimal("2"),
        price=Decimal("3890.2"),  # exactly, no float on the way
        tif=TimeInForce.DAY,
    )
    assert result.order.transact_time == "20261201-01:30:00"
    assert result.envelope.msg_seq_num == 2 and not result.envelope.poss_resend


def test_bloomberg_ticker_close_today_stop_limit_ioc_with_routing_and_user_tags(context):
    message = order(
        t22="A", t48="CUF7 Comdty", t55="CU", t167=None, t200=None, t207=None, t40="4", t44="68100", t99="68050",
        t59="3", t77="C", t5077="T", t1="C000102", t9001="blp", t7001="desk 7", t54="2",
        header=[(50, "TRADER1"), (115, "HUBCO"), (116, "DESK9"), (97, "Y")],
    )
    result = decode(message, context())
    assert isinstance(result, NewOrder)
    request = result.order.request
    assert (request.instrument, request.account, request.side, request.offset) == ("cu2701", "C000102", Side.SELL, OffsetFlag.CLOSE_TODAY)
    assert (request.ord_type, request.price, request.stop_price, request.tif) == (OrdType.STOP_LIMIT, Decimal("68100"), Decimal("68050"), TimeInForce.IOC)
    assert dict(result.envelope.tags) == {7001: "desk 7", 9001: "blp"}  # 5077 is interpreted, not kept
    assert result.envelope.poss_resend
    assert result.envelope.routing == Routing(on_behalf_of_comp_id="HUBCO", on_behalf_of_sub_id="DESK9", sender_sub_id="TRADER1")


@pytest.mark.parametrize(
    "effect, detail, offset",
    [("O", None, OffsetFlag.OPEN), ("C", None, OffsetFlag.CLOSE), ("C", "T", OffsetFlag.CLOSE_TODAY), ("C", "Y", OffsetFlag.CLOSE_YESTERDAY)],
)
def test_position_effect_convention(context, effect, detail, offset):
    result = decode(order(t77=effect, t5077=detail), context())
    assert isinstance(result, NewOrder) and result.order.request.offset is offset


@pytest.mark.parametrize("ord_type, price, stop, expected", [("1", None, None, OrdType.MARKET), ("3", None, "3800", OrdType.STOP)])
def test_market_and_stop(context, ord_type, price, stop, expected):
    result = decode(order(t40=ord_type, t44=price, t99=stop), context())
    assert isinstance(result, NewOrder) and result.order.request.ord_type is expected
    assert result.order.request.price is None


def test_gtd_by_expire_date_and_by_expire_time(context):
    by_date = decode(order(t59="6", t432="20261218"), context())
    assert isinstance(by_date, NewOrder)
    assert (by_date.order.request.tif, by_date.order.expire_date, by_date.order.expire_time) == (TimeInForce.GTD, date(2026, 12, 18), None)
    # 2026-12-03 12:00 UTC is 20:00 in Shanghai: after the 18:00 rollover, so trading day 12-04.
    by_time = decode(order(t59="6", t126="20261203-12:00:00"), context("FIX.4.4"))
    assert isinstance(by_time, NewOrder)
    assert by_time.order.expire_date == date(2026, 12, 4)
    assert by_time.order.expire_time == datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "changes, reason, text",
    [
        ({"t77": None}, DecodeReason.POSITION_EFFECT_REQUIRED, "PositionEffect(77) O or C required"),
        ({"t5077": "T"}, DecodeReason.CLOSE_DETAIL_NEEDS_CLOSE, "Tag 5077 needs PositionEffect(77)=C"),
        ({"t1": "C000201"}, DecodeReason.ACCOUNT_NOT_ENTITLED, "Account C000201 not entitled"),
        ({"t54": "5"}, DecodeReason.UNSUPPORTED_SIDE, "Side(54) 5 not supported"),
        ({"t40": "P"}, DecodeReason.UNSUPPORTED_ORD_TYPE, "OrdType(40) P not supported"),
        ({"t59": "2"}, DecodeReason.UNSUPPORTED_TIME_IN_FORCE, "TimeInForce(59) 2 not supported"),
        ({"t59": "6"}, DecodeReason.GTD_NEEDS_EXPIRY, "GTD needs ExpireDate(432) or 126"),
        ({"t432": "20261218"}, DecodeReason.EXPIRY_NEEDS_GTD, "Expire date/time only with GTD (59=6)"),
        ({"t200": "202603"}, DecodeReason.UNKNOWN_INSTRUMENT, "Unknown contract IF 202603"),
        ({"t11": "X" * 65}, DecodeReason.FIELD_TOO_LONG, "ClOrdID(11) over 64 chars"),
    ],
)
def test_refusals_name_what_was_wrong(context, changes, reason, text):
    result = decode(order(**changes), context())
    assert refused(result, reason) == text
    assert result.answer == "8"
    assert result.echo[11] == changes.get("t11", "ORD-1")


def test_fix44_position_effect_rolled_is_refused(context):
    result = decode(order("FIX.4.4", t77="R"), context("FIX.4.4"))
    assert refused(result, DecodeReason.UNSUPPORTED_POSITION_EFFECT) == "PositionEffect(77) R unsupported"


def test_no_account_and_no_default(context):
    result = decode(order(), context(default_account=None))
    assert refused(result, DecodeReason.ACCOUNT_REQUIRED) == "Account(1) required: no default"
    assert result.refusal.reason.fix_ord_rej_reason is OrdRejReason.BROKER_OPTION


@pytest.mark.parametrize("qty", ["1e3", "NaN", "1" * 40, "+1"])
def test_quantities_that_are_not_fix_floats(context, qty):
    raw = raw_message("FIX.4.2", "D", sorted({**BASE, 38: qty}.items()))
    assert refused(decode(raw, context()), DecodeReason.BAD_VALUE).startswith("OrderQty(38) ")


@pytest.mark.parametrize("qty", ["0", "-3", "1.5", "99999999999"])
def test_questionable_quantities_go_on_to_risk_as_exact_decimals(context, qty):
    # Zero, negative, fractional and huge quantities are risk's to refuse (it knows the limits).
    result = decode(order(t38=qty), context())
    assert isinstance(result, NewOrder) and result.order.request.qty == Decimal(qty)


def test_cancel_and_replace(context):
    cancel = decode(parse("FIX.4.2", "F", [(11, "C-2"), (37, "O-9"), (41, "ORD-1"), (54, "1"), (55, "IF"), (60, "20261201-01:31:00")]), context())
    assert isinstance(cancel, CancelOrder)
    assert (cancel.cl_ord_id, cancel.orig_cl_ord_id, cancel.order_id, cancel.account, cancel.side) == ("C-2", "ORD-1", "O-9", "C000101", Side.BUY)
    replace = decode(order("FIX.4.4", "G", t11="R-3", t41="ORD-1", t38="5", t44="3891.0"), context("FIX.4.4"))
    assert isinstance(replace, ReplaceOrder)
    assert (replace.cl_ord_id, replace.orig_cl_ord_id) == ("R-3", "ORD-1")
    assert (replace.order.request.qty, replace.order.request.price) == (Decimal("5"), Decimal("3891.0"))


def test_cancel_refusals_are_answered_with_a_cancel_reject(context):
    same = decode(parse("FIX.4.2", "F", [(11, "A"), (41, "A"), (54, "1"), (55, "IF"), (60, "20261201-01:31:00")]), context())
    assert refused(same, DecodeReason.SAME_CL_ORD_ID) == "ClOrdID(11) equals OrigClOrdID(41)"
    assert same.answer == "9"
    foreign = decode(parse("FIX.4.2", "F", [(1, "P0001"), (11, "B"), (41, "A"), (54, "1"), (55, "IF"), (60, "20261201-01:31:00")]), context())
    assert refused(foreign, DecodeReason.ACCOUNT_NOT_ENTITLED) == "Account P0001 not entitled"


def test_other_message_types_and_garbage_never_raise(context):
    status = decode(parse("FIX.4.2", "H", [(11, "ORD-1"), (54, "1"), (55, "IF")]), context())
    assert refused(status, DecodeReason.UNSUPPORTED_MESSAGE) == "MsgType H not supported"
    assert status.answer == "j"
    for garbage in ["8=FIX.4.2\x019=5\x0135=D", "not fix at all", "=\x01", "35=D\x0195=5\x0196=ab\x01"]:
        assert refused(decode(garbage, context()), DecodeReason.GARBLED) == "Message could not be parsed"
        assert decode(garbage, context()).answer == "j"
    no_id = decode("35=D\x0111=\x01", context())  # parses, but without a ClOrdID
    assert refused(no_id, DecodeReason.MISSING_FIELD) == "ClOrdID(11) required" and no_id.answer == "j"
