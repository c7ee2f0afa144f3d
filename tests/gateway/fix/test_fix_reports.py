"""Outgoing messages: FIX 4.2 vs 4.4 ExecutionReport semantics, rejects, routing reversed,
numbers exact; every message validated against our dictionary as the client would."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import quickfix as fix

from fix_support import dictionary, fields_of, parse
from gateway.fix.codec import NewOrder, decode
from gateway.fix.reports import (
    BusinessRejectReason, ExecType, Execution, OrderEcho, business_reject, cancel_reject, execution_report, refusal_answer,
)
from gateway.matching.states import OrderStatus
from gateway.risk.codes import CxlRejReason, OrdRejReason

NOW = datetime(2026, 12, 1, 1, 30, 0, 123456, tzinfo=timezone.utc)
ROUTED = [(50, "TRADER1"), (57, "DESKX"), (115, "HUBCO"), (116, "DESK9")]
D_BODY = [
    (11, "ORD-1"), (21, "1"), (22, "A"), (38, "3"), (40, "2"), (44, "3890.2"), (48, "IFZ6 Index"), (54, "1"),
    (55, "IF"), (60, "20261201-01:30:00"), (77, "C"), (5077, "Y"),
]


def validated(begin_string: str, message: fix.Message) -> dict[int, str]:
    """Stamp the header fields QuickFIX's Session adds, then validate like the client would."""
    header = message.getHeader()
    for tag, value in ((49, "FIXBROKER"), (56, "BLPEMSX1"), (34, "7"), (52, "20261201-01:30:00.123")):
        header.setField(fix.StringField(tag, value))
    reparsed = fix.Message(message.toString(), dictionary(begin_string), True)
    dictionary(begin_string).validate(reparsed)
    return fields_of(reparsed)


def echo_of(begin_string, context):
    decoded = decode(parse(begin_string, "D", D_BODY, ROUTED), context(begin_string))
    assert isinstance(decoded, NewOrder)
    return OrderEcho.of(decoded, "O-1")


def fill(cum, leaves, status):
    # Fills of 2 at 3890.2 then 1 at 3890.4: avg = (2 x 3890.2 + 1 x 3890.4) / 3 = 11670.8 / 3 = 3890.2666...
    return Execution(
        exec_id=f"E-{cum}", exec_type=ExecType.TRADE, status=status, cum_qty=cum, leaves_qty=leaves,
        avg_px=Decimal("3890.2") if cum == 2 else Decimal("3890.266667"), transact_time=NOW, trade_date=date(2026, 12, 1),
        last_qty=2 if cum == 2 else 1, last_px=Decimal("3890.2") if cum == 2 else Decimal("3890.4"),
    )


def test_fix42_fills_use_exec_trans_type_and_exec_type_1_then_2(context):
    order = echo_of("FIX.4.2", context)
    partial = validated("FIX.4.2", execution_report("FIX.4.2", order, fill(2, 1, OrderStatus.PARTIALLY_FILLED)))
    assert (partial[20], partial[150], partial[39]) == ("0", "1", "1")
    assert (partial[32], partial[31], partial[14], partial[151], partial[6]) == ("2", "3890.2", "2", "1", "3890.2")
    full = validated("FIX.4.2", execution_report("FIX.4.2", order, fill(3, 0, OrderStatus.FILLED)))
    assert (full[150], full[39], full[6], full[75]) == ("2", "2", "3890.266667", "20261201")
    # The order is repeated as the client sent it: ticker, close-yesterday, price.
    assert (full[55], full[48], full[22], full[77], full[5077], full[44], full[38]) == ("IF", "IFZ6 Index", "A", "C", "Y", "3890.2", "3")
    assert (full[60], full[1]) == ("20261201-01:30:00.123", "C000101")


def test_fix44_fills_are_exec_type_f_without_exec_trans_type(context):
    report = validated("FIX.4.4", execution_report("FIX.4.4", echo_of("FIX.4.4", context), fill(2, 1, OrderStatus.PARTIALLY_FILLED)))
    assert (report[150], report[39]) == ("F", "1")
    assert 20 not in report


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_routing_is_reversed_and_sub_ids_swapped(context, begin_string):
    new = Execution("E-0", ExecType.NEW, OrderStatus.NEW, 0, 3, Decimal("0"), NOW)
    report = validated(begin_string, execution_report(begin_string, echo_of(begin_string, context), new))
    assert (report[128], report[129], report[57], report[50]) == ("HUBCO", "DESK9", "TRADER1", "DESKX")
    assert 115 not in report and 116 not in report
    assert (report[150], report[39], report[6]) == ("0", "0", "0")


@pytest.mark.parametrize(
    "exec_type, status, value42, value44",
    [
        (ExecType.CANCELED, OrderStatus.CANCELED, "4", "4"),
        (ExecType.REPLACED, OrderStatus.NEW, "5", "5"),
        (ExecType.EXPIRED, OrderStatus.EXPIRED, "C", "C"),
        (ExecType.PENDING_CANCEL, OrderStatus.PENDING_CANCEL, "6", "6"),
        (ExecType.ORDER_STATUS, OrderStatus.PARTIALLY_FILLED, "1", "I"),
    ],
)
def test_exec_types_per_version(context, exec_type, status, value42, value44):
    execution = Execution("E-9", exec_type, status, 1, 2, Decimal("3890.2"), NOW)
    assert validated("FIX.4.2", execution_report("FIX.4.2", echo_of("FIX.4.2", context), execution))[150] == value42
    assert validated("FIX.4.4", execution_report("FIX.4.4", echo_of("FIX.4.4", context), execution))[150] == value44


def test_order_rej_reasons_beyond_fix42_go_out_as_broker_option(context):
    rejected = Execution("E-1", ExecType.REJECTED, OrderStatus.REJECTED, 0, 0, Decimal("0"), NOW,
                         text="Quantity 1.5 is not whole lots", ord_rej_reason=OrdRejReason.OTHER)
    assert validated("FIX.4.2", execution_report("FIX.4.2", echo_of("FIX.4.2", context), rejected))[103] == "0"
    report44 = validated("FIX.4.4", execution_report("FIX.4.4", echo_of("FIX.4.4", context), rejected))
    assert (report44[103], report44[58], report44[150], report44[39]) == ("99", "Quantity 1.5 is not whole lots", "8", "8")


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_codec_refusal_of_an_order_is_a_rejected_execution_report(context, begin_string):
    body = [(t, v) for t, v in D_BODY if t != 77]
    refused = decode(parse(begin_string, "D", body, ROUTED), context(begin_string))
    report = validated(begin_string, refusal_answer(begin_string, refused, "E-R1", NOW))
    assert (report[35], report[37], report[150], report[39], report[11]) == ("8", "NONE", "8", "8", "ORD-1")
    assert report[58] == "PositionEffect(77) O or C required"
    assert report[103] == ("0" if begin_string == "FIX.4.2" else "11")
    assert (report[55], report[54], report[38], report[128]) == ("IF", "1", "3", "HUBCO")


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_cancel_reject(begin_string):
    message = cancel_reject(
        begin_string, cl_ord_id="C-2", orig_cl_ord_id="ORD-1", order_id="O-1", status=OrderStatus.FILLED,
        response_to="F", reason=CxlRejReason.TOO_LATE_TO_CANCEL, text="Order ORD-1 is already done", routing=None,
        transact_time=NOW,
    )
    report = validated(begin_string, message)
    assert (report[35], report[37], report[11], report[41], report[39], report[434], report[102], report[58]) == (
        "9", "O-1", "C-2", "ORD-1", "2", "1", "0", "Order ORD-1 is already done"
    )


def test_replace_refused_by_codec_is_a_cancel_reject_for_g(context):
    body = [(11, "R-1"), (21, "1"), (38, "3"), (40, "2"), (41, "ORD-1"), (44, "1"), (54, "1"), (55, "IF"), (60, "20261201-01:30:00"), (77, "O"), (1, "P0001")]
    refused = decode(parse("FIX.4.2", "G", body), context())
    report = validated("FIX.4.2", refusal_answer("FIX.4.2", refused, "E-R2", NOW))
    assert (report[35], report[434], report[102], report[39], report[58]) == ("9", "2", "2", "8", "Account P0001 not entitled")


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_business_message_reject(begin_string, context):
    refused = decode(parse(begin_string, "H", [(11, "ORD-1"), (54, "1"), (55, "IF")]), context(begin_string))
    report = validated(begin_string, refusal_answer(begin_string, refused, "unused", NOW))
    assert (report[35], report[45], report[372], report[380], report[58]) == ("j", "2", "H", "3", "MsgType H not supported")
    direct = validated(begin_string, business_reject(begin_string, ref_seq_num=5, ref_msg_type="AN", reason=BusinessRejectReason.OTHER, text="x"))
    assert direct[380] == "0"


def field_by_field(message: fix.Message) -> fix.Message:
    """The same fields set one by one through the binding, in reverse order: what QuickFIX
    makes of a message built that way, whatever the order the fields were set in."""
    built = fix.Message()
    header_tags = {8, 9, 35, 49, 56, 34, 52, 50, 57, 115, 116, 128, 129}
    pairs = [(int(tag), value) for tag, _, value in (part.partition("=") for part in message.toString().split("\x01") if part)]
    for tag, value in reversed(pairs):
        if tag in (9, 10):
            continue
        (built.getHeader() if tag in header_tags else built).setField(fix.StringField(tag, value))
    return built


@pytest.mark.parametrize("begin_string", ["FIX.4.2", "FIX.4.4"])
def test_reports_built_as_text_are_byte_for_byte_those_built_field_by_field(context, begin_string):
    order = echo_of(begin_string, context)
    report = execution_report(begin_string, order, fill(2, 1, OrderStatus.PARTIALLY_FILLED))
    assert report.getHeader().getField(128) == "HUBCO"  # routing reversed into the header
    assert report.toString() == field_by_field(report).toString()
    reject = cancel_reject(
        begin_string, cl_ord_id="C-2", orig_cl_ord_id="C-1", order_id=None, status=None, response_to="G",
        reason=CxlRejReason.UNKNOWN_ORDER, text="Unknown order C-1", routing=order.routing, account="C000101", transact_time=NOW,
    )
    assert reject.toString() == field_by_field(reject).toString()


def test_a_value_with_the_field_delimiter_is_refused_not_sent_garbled(context):
    order = echo_of("FIX.4.4", context)
    bad = Execution(
        exec_id="E-1", exec_type=ExecType.NEW, status=OrderStatus.NEW, cum_qty=0, leaves_qty=3,
        avg_px=Decimal(0), transact_time=NOW, text="two\x0158=fields",
    )
    with pytest.raises(ValueError, match="tag 58"):
        execution_report("FIX.4.4", order, bad)
