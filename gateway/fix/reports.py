"""Outbound FIX: ExecutionReport (8), OrderCancelReject (9), BusinessMessageReject (j).

One module for every answer so that the version differences live in one place:
- FIX 4.2 reports carry ExecTransType(20)=0 and report a fill as ExecType 1 (partial) or
  2 (filled); FIX 4.4 drops tag 20 and reports every fill as ExecType F (Trade).
- FIX 4.2 knows OrdRejReason 0-8 and CxlRejReason 0-3 only: 4.4's 11 and 99 go out as
  0 / 2 (broker option) on a 4.2 session, with the Text saying what was wrong.
- The answer's header reverses the request's routing (115->128, 116->129 and back) and swaps
  SenderSubID/TargetSubID, which QuickFIX's reverseRoute does not do.
Numbers are written as string fields from Decimals or ints: `fix.Price` would go through a
C double. QuickFIX's Session fills in 49/56/34/52 when the message is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import quickfix as fix

from backoffice.domain.enums import OffsetFlag, Side
from gateway.matching.states import OrderStatus
from gateway.risk.codes import CxlRejReason, OrdRejReason
from gateway.risk.request import OrdType, TimeInForce

from . import tags as t
from .codec import ECHO_TAGS, NO_ROUTING, NewOrder, Refused, ReplaceOrder, Routing
from .fields import SOH, format_decimal, local_date, utc_timestamp
from .symbology import InstrumentQuery

FIX42 = "FIX.4.2"
FIX44 = "FIX.4.4"
NO_ORDER_ID = "NONE"  # OrderID(37) of a report on an order that never got one


class ExecType(StrEnum):
    """What happened, independent of the FIX version (`exec_type_value` maps it)."""

    NEW = "new"
    TRADE = "trade"
    CANCELED = "canceled"
    REPLACED = "replaced"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"
    PENDING_NEW = "pending_new"
    REJECTED = "rejected"
    EXPIRED = "expired"
    RESTATED = "restated"  # e.g. a stop order triggered by the venue
    ORDER_STATUS = "order_status"  # answer to a status request or a PossResend duplicate


_EXEC_TYPES = {
    ExecType.NEW: "0",
    ExecType.CANCELED: "4",
    ExecType.REPLACED: "5",
    ExecType.PENDING_CANCEL: "6",
    ExecType.REJECTED: "8",
    ExecType.PENDING_NEW: "A",
    ExecType.EXPIRED: "C",
    ExecType.RESTATED: "D",
    ExecType.PENDING_REPLACE: "E",
}

ORD_STATUS = {
    OrderStatus.NEW: "0",
    OrderStatus.PARTIALLY_FILLED: "1",
    OrderStatus.FILLED: "2",
    OrderStatus.CANCELED: "4",
    OrderStatus.REPLACED: "5",
    OrderStatus.PENDING_CANCEL: "6",
    OrderStatus.REJECTED: "8",
    OrderStatus.PENDING_NEW: "A",
    OrderStatus.EXPIRED: "C",
    OrderStatus.PENDING_REPLACE: "E",
}

SIDE_VALUES = {Side.BUY: "1", Side.SELL: "2"}
ORD_TYPE_VALUES = {OrdType.MARKET: "1", OrdType.LIMIT: "2", OrdType.STOP: "3", OrdType.STOP_LIMIT: "4"}
TIF_VALUES = {TimeInForce.DAY: "0", TimeInForce.GTC: "1", TimeInForce.IOC: "3", TimeInForce.FOK: "4", TimeInForce.GTD: "6"}
# PositionEffect(77) and our close-today tag (5077) as the client would have sent them.
OFFSET_VALUES = {
    OffsetFlag.OPEN: ("O", None),
    OffsetFlag.CLOSE: ("C", None),
    OffsetFlag.CLOSE_TODAY: ("C", t.CLOSE_TODAY),
    OffsetFlag.CLOSE_YESTERDAY: ("C", t.CLOSE_YESTERDAY),
}

_FIX42_ORD_REJ = frozenset(range(9))
_FIX42_CXL_REJ = frozenset(range(4))


def exec_type_value(begin_string: str, exec_type: ExecType, status: OrderStatus) -> str:
    if exec_type is ExecType.TRADE:
        if begin_string == FIX42:
            return "2" if status is OrderStatus.FILLED else "1"
        return "F"
    if exec_type is ExecType.ORDER_STATUS:
        return ORD_STATUS[status] if begin_string == FIX42 else "I"
    return _EXEC_TYPES[exec_type]


def ord_rej_reason_value(begin_string: str, reason: OrdRejReason) -> str:
    if begin_string == FIX42 and reason not in _FIX42_ORD_REJ:
        return str(int(OrdRejReason.BROKER_OPTION))
    return str(int(reason))


def cxl_rej_reason_value(begin_string: str, reason: CxlRejReason) -> str:
    if begin_string == FIX42 and reason not in _FIX42_CXL_REJ:
        return str(int(CxlRejReason.BROKER_OPTION))
    return str(int(reason))


@dataclass(frozen=True, slots=True)
class OrderEcho:
    """What every report on an order repeats from the order as the client sent it."""

    cl_ord_id: str  # the current ClOrdID of the chain
    orig_cl_ord_id: str | None  # on cancel/replace reports: the ClOrdID it replaced
    order_id: str
    account: str
    side: Side
    instrument: InstrumentQuery
    contract: str  # our contract code: the Symbol when the client sent SecurityID only
    qty: Decimal | int
    ord_type: OrdType
    price: Decimal | None
    stop_price: Decimal | None
    tif: TimeInForce
    expire_date: date | None
    offset: OffsetFlag
    routing: Routing

    @classmethod
    def of(cls, decoded: NewOrder | ReplaceOrder, order_id: str) -> "OrderEcho":
        order = decoded.order
        request = order.request
        return cls(
            cl_ord_id=decoded.cl_ord_id,
            orig_cl_ord_id=decoded.orig_cl_ord_id if isinstance(decoded, ReplaceOrder) else None,
            order_id=order_id,
            account=request.account,
            side=request.side,
            instrument=order.instrument,
            contract=request.instrument,
            qty=request.qty,
            ord_type=request.ord_type,
            price=request.price,
            stop_price=request.stop_price,
            tif=request.tif,
            expire_date=order.expire_date,
            offset=request.offset,
            routing=decoded.envelope.routing,
        )


@dataclass(frozen=True, slots=True)
class Execution:
    """One event on an order, in FIX terms (prices as Decimals, quantities in lots)."""

    exec_id: str
    exec_type: ExecType
    status: OrderStatus
    cum_qty: int
    leaves_qty: int
    avg_px: Decimal
    transact_time: datetime | int  # aware, or the core's nanoseconds since the epoch
    trade_date: date | None = None
    last_qty: int | None = None
    last_px: Decimal | None = None
    text: str | None = None
    ord_rej_reason: OrdRejReason | None = None


class _Draft:
    """An outgoing message as tag=value text, parsed once by QuickFIX when it is done.

    Why not `setField` per field: an ExecutionReport took some 45 calls through the binding
    (a `fix.StringField` and a `setField` per field), each of which gives the GIL up and must
    win it back from the QuickFIX reader thread; built as text it is one call, and the whole
    report costs well under half as much. QuickFIX files each field of a parsed message where
    one built field by field would have it (header, body by tag, trailer), so the text may
    list them in any order and the bytes sent are the same. Each tag is set once.
    """

    __slots__ = ("parts",)

    def __init__(self, begin_string: str, msg_type: str, routing: Routing | None) -> None:
        self.parts = [f"{t.BEGIN_STRING}={begin_string}{SOH}{t.MSG_TYPE}={msg_type}{SOH}"]
        if routing is not None and routing is not NO_ROUTING:  # most flow is not third-party routed
            for tag, value in routing.reply():
                self.set(tag, value)

    def set(self, tag: int, value: str | None) -> None:
        """Add `tag`; None or "" leaves it out."""
        if value:
            if SOH in value:
                raise ValueError(f"tag {tag}: a FIX value cannot contain SOH")
            self.parts.append(f"{tag}={value}{SOH}")

    def message(self) -> fix.Message:
        return fix.Message("".join(self.parts), False)


def _set_instrument(draft: _Draft, query: InstrumentQuery, contract: str | None) -> None:
    draft.set(t.SYMBOL, query.symbol or contract or "[N/A]")
    draft.set(t.SECURITY_ID, query.security_id)
    draft.set(t.SECURITY_ID_SOURCE, query.security_id_source)
    draft.set(t.SECURITY_TYPE, query.security_type)
    draft.set(t.MATURITY_MONTH_YEAR, query.maturity_month_year)
    draft.set(t.SECURITY_EXCHANGE, query.security_exchange)


def execution_report(begin_string: str, order: OrderEcho, execution: Execution) -> fix.Message:
    """An ExecutionReport (8) on an order the codec decoded."""
    draft = _Draft(begin_string, "8", order.routing)
    draft.set(t.ORDER_ID, order.order_id)
    draft.set(t.CL_ORD_ID, order.cl_ord_id)
    draft.set(t.ORIG_CL_ORD_ID, order.orig_cl_ord_id)
    draft.set(t.EXEC_ID, execution.exec_id)
    if begin_string == FIX42:
        draft.set(t.EXEC_TRANS_TYPE, "0")
    draft.set(t.EXEC_TYPE, exec_type_value(begin_string, execution.exec_type, execution.status))
    draft.set(t.ORD_STATUS, ORD_STATUS[execution.status])
    if execution.ord_rej_reason is not None:
        draft.set(t.ORD_REJ_REASON, ord_rej_reason_value(begin_string, execution.ord_rej_reason))
    draft.set(t.ACCOUNT, order.account)
    _set_instrument(draft, order.instrument, order.contract)
    draft.set(t.SIDE, SIDE_VALUES[order.side])
    draft.set(t.ORDER_QTY, format_decimal(order.qty))
    draft.set(t.ORD_TYPE, ORD_TYPE_VALUES[order.ord_type])
    draft.set(t.PRICE, None if order.price is None else format_decimal(order.price))
    draft.set(t.STOP_PX, None if order.stop_price is None else format_decimal(order.stop_price))
    draft.set(t.TIME_IN_FORCE, TIF_VALUES[order.tif])
    draft.set(t.EXPIRE_DATE, None if order.expire_date is None else local_date(order.expire_date))
    effect, detail = OFFSET_VALUES[order.offset]
    draft.set(t.POSITION_EFFECT, effect)
    draft.set(t.CLOSE_TODAY_YESTERDAY, detail)
    if execution.last_qty is not None and execution.last_px is not None:
        draft.set(t.LAST_QTY, str(execution.last_qty))
        draft.set(t.LAST_PX, format_decimal(execution.last_px))
    draft.set(t.LEAVES_QTY, str(execution.leaves_qty))
    draft.set(t.CUM_QTY, str(execution.cum_qty))
    draft.set(t.AVG_PX, format_decimal(execution.avg_px))
    draft.set(t.TRADE_DATE, None if execution.trade_date is None else local_date(execution.trade_date))
    draft.set(t.TRANSACT_TIME, utc_timestamp(execution.transact_time))
    draft.set(t.TEXT, execution.text)
    return draft.message()


def order_rejected(
    begin_string: str, refused: Refused, exec_id: str, transact_time: datetime, trade_date: date | None = None
) -> fix.Message:
    """The ExecutionReport (8, ExecType/OrdStatus rejected) for a D the codec refused: it
    repeats the request's fields as sent, since they could not all be normalised."""
    echo = refused.echo
    draft = _Draft(begin_string, "8", refused.envelope.routing)
    draft.set(t.ORDER_ID, echo.get(t.ORDER_ID, NO_ORDER_ID))
    draft.set(t.EXEC_ID, exec_id)
    if begin_string == FIX42:
        draft.set(t.EXEC_TRANS_TYPE, "0")
    draft.set(t.EXEC_TYPE, _EXEC_TYPES[ExecType.REJECTED])
    draft.set(t.ORD_STATUS, ORD_STATUS[OrderStatus.REJECTED])
    draft.set(t.ORD_REJ_REASON, ord_rej_reason_value(begin_string, refused.refusal.reason.fix_ord_rej_reason))
    for tag in ECHO_TAGS:
        if tag != t.ORDER_ID:
            draft.set(tag, echo.get(tag))
    if t.SYMBOL not in echo:
        draft.set(t.SYMBOL, "[N/A]")
    draft.set(t.LEAVES_QTY, "0")
    draft.set(t.CUM_QTY, "0")
    draft.set(t.AVG_PX, "0")
    draft.set(t.TRADE_DATE, None if trade_date is None else local_date(trade_date))
    draft.set(t.TRANSACT_TIME, utc_timestamp(transact_time))
    draft.set(t.TEXT, refused.refusal.text)
    return draft.message()


def cancel_reject(
    begin_string: str,
    *,
    cl_ord_id: str,
    orig_cl_ord_id: str,
    order_id: str | None,
    status: OrderStatus | None,
    response_to: str,
    reason: CxlRejReason,
    text: str,
    routing: Routing | None,
    account: str | None = None,
    transact_time: datetime | int | None = None,
) -> fix.Message:
    """OrderCancelReject (9). `response_to` is the request's MsgType (F or G); `status` is
    the order's unchanged status, None when the order is not known (sent as Rejected)."""
    draft = _Draft(begin_string, "9", routing)
    draft.set(t.ORDER_ID, order_id or NO_ORDER_ID)
    draft.set(t.CL_ORD_ID, cl_ord_id)
    draft.set(t.ORIG_CL_ORD_ID, orig_cl_ord_id)
    draft.set(t.ORD_STATUS, ORD_STATUS[status or OrderStatus.REJECTED])
    draft.set(t.ACCOUNT, account)
    draft.set(t.CXL_REJ_RESPONSE_TO, "2" if response_to == "G" else "1")
    draft.set(t.CXL_REJ_REASON, cxl_rej_reason_value(begin_string, reason))
    draft.set(t.TEXT, text)
    draft.set(t.TRANSACT_TIME, None if transact_time is None else utc_timestamp(transact_time))
    return draft.message()


class BusinessRejectReason(StrEnum):
    """BusinessRejectReason (380) values valid in FIX 4.2 and 4.4."""

    OTHER = "0"
    UNKNOWN_ID = "1"
    UNKNOWN_SECURITY = "2"
    UNSUPPORTED_MESSAGE_TYPE = "3"
    APPLICATION_NOT_AVAILABLE = "4"
    CONDITIONALLY_REQUIRED_FIELD_MISSING = "5"


def business_reject(
    begin_string: str,
    *,
    ref_seq_num: int | None,
    ref_msg_type: str,
    reason: BusinessRejectReason,
    text: str,
    ref_id: str | None = None,
    routing: Routing | None = None,
) -> fix.Message:
    """BusinessMessageReject (j) for an application message that has no better answer."""
    draft = _Draft(begin_string, "j", routing)
    draft.set(t.REF_SEQ_NUM, None if ref_seq_num is None else str(ref_seq_num))
    draft.set(t.REF_MSG_TYPE, ref_msg_type)
    draft.set(t.BUSINESS_REJECT_REF_ID, ref_id)
    draft.set(t.BUSINESS_REJECT_REASON, reason.value)
    draft.set(t.TEXT, text)
    return draft.message()


def refusal_answer(begin_string: str, refused: Refused, exec_id: str, transact_time: datetime) -> fix.Message:
    """The answer to a message the codec refused: 8 for a D, 9 for an F or G, j otherwise."""
    answer = refused.answer
    if answer == "8":
        return order_rejected(begin_string, refused, exec_id, transact_time)
    if answer == "9":
        echo = refused.echo
        return cancel_reject(
            begin_string,
            cl_ord_id=echo[t.CL_ORD_ID],
            orig_cl_ord_id=echo.get(t.ORIG_CL_ORD_ID, NO_ORDER_ID),
            order_id=echo.get(t.ORDER_ID),
            status=None,
            response_to=refused.envelope.msg_type,
            reason=refused.refusal.reason.fix_cxl_rej_reason,
            text=refused.refusal.text,
            routing=refused.envelope.routing,
            account=echo.get(t.ACCOUNT),
            transact_time=transact_time,
        )
    unsupported = refused.envelope.msg_type not in ("D", "F", "G")
    return business_reject(
        begin_string,
        ref_seq_num=refused.envelope.msg_seq_num,
        ref_msg_type=refused.envelope.msg_type,
        reason=BusinessRejectReason.UNSUPPORTED_MESSAGE_TYPE if unsupported else BusinessRejectReason.CONDITIONALLY_REQUIRED_FIELD_MISSING,
        text=refused.refusal.text,
        routing=refused.envelope.routing,
    )


def status_unknown(
    begin_string: str, *, cl_ord_id: str, order_id: str | None, side: str | None, symbol: str | None,
    exec_id: str, transact_time: datetime, routing: Routing | None, text: str = "Unknown order",
) -> fix.Message:
    """The answer to an OrderStatusRequest (H) for an order this session does not have:
    an ExecutionReport with OrdStatus 8 (Rejected) and OrdRejReason 5 (unknown order)."""
    draft = _Draft(begin_string, "8", routing)
    draft.set(t.ORDER_ID, order_id or NO_ORDER_ID)
    draft.set(t.CL_ORD_ID, cl_ord_id)
    draft.set(t.EXEC_ID, exec_id)
    if begin_string == FIX42:
        draft.set(t.EXEC_TRANS_TYPE, "3")  # status
    draft.set(t.EXEC_TYPE, ORD_STATUS[OrderStatus.REJECTED] if begin_string == FIX42 else "I")
    draft.set(t.ORD_STATUS, ORD_STATUS[OrderStatus.REJECTED])
    draft.set(t.ORD_REJ_REASON, str(int(OrdRejReason.UNKNOWN_ORDER)))
    draft.set(t.SYMBOL, symbol or "[N/A]")
    draft.set(t.SIDE, side)
    draft.set(t.LEAVES_QTY, "0")
    draft.set(t.CUM_QTY, "0")
    draft.set(t.AVG_PX, "0")
    draft.set(t.TRANSACT_TIME, utc_timestamp(transact_time))
    draft.set(t.TEXT, text)
    return draft.message()


def mass_cancel_report(
    begin_string: str, *, cl_ord_id: str, report_id: str, request_type: str, response: str,
    affected: int, routing: Routing | None, reject_reason: str | None = None, text: str | None = None,
) -> fix.Message:
    """OrderMassCancelReport (r): `response` is MassCancelResponse(531), 0 when refused."""
    draft = _Draft(begin_string, "r", routing)
    draft.set(t.CL_ORD_ID, cl_ord_id)
    draft.set(t.ORDER_ID, report_id)
    draft.set(t.MASS_CANCEL_REQUEST_TYPE, request_type)
    draft.set(t.MASS_CANCEL_RESPONSE, response)
    draft.set(t.MASS_CANCEL_REJECT_REASON, reject_reason)
    draft.set(t.TOTAL_AFFECTED_ORDERS, str(affected))
    draft.set(t.TEXT, text)
    return draft.message()


@dataclass(frozen=True, slots=True)
class PositionLine:
    """One account's position in one contract, in lots (long and short held apart)."""

    account: str
    contract: str
    long_total: int
    short_total: int
    long_yesterday: int
    short_yesterday: int
    previous_settlement: Decimal


def position_report(
    begin_string: str, *, pos_req_id: str, report_id: str, total: int, result: str, account: str,
    trading_day: date, line: PositionLine | None, routing: Routing | None, text: str | None = None,
) -> fix.Message:
    """PositionReport (AP). PosType(703) TOT is the whole position, SOD the lots carried from
    yesterday (today's opens are the difference). `line` None with PosReqResult(728) 2: none."""
    draft = _Draft(begin_string, "AP", routing)
    draft.set(t.POS_MAINT_RPT_ID, report_id)
    draft.set(t.POS_REQ_ID, pos_req_id)
    draft.set(t.TOTAL_NUM_POS_REPORTS, str(total))
    draft.set(t.POS_REQ_RESULT, result)
    draft.set(t.CLEARING_BUSINESS_DATE, local_date(trading_day))
    draft.set(t.ACCOUNT, account)
    draft.set(t.ACCOUNT_TYPE, "1")  # carried customer side
    draft.set(t.TEXT, text)
    if line is None:
        return draft.message()
    draft.set(t.SYMBOL, line.contract)
    draft.set(t.SECURITY_ID, line.contract)
    draft.set(t.SECURITY_ID_SOURCE, "8")
    draft.set(t.SETTL_PRICE, format_decimal(line.previous_settlement))
    draft.set(t.SETTL_PRICE_TYPE, "1")  # final
    draft.set(t.PRIOR_SETTL_PRICE, format_decimal(line.previous_settlement))
    message = draft.message()
    for pos_type, long_qty, short_qty in (("TOT", line.long_total, line.short_total), ("SOD", line.long_yesterday, line.short_yesterday)):
        group = fix.Group(t.NO_POSITIONS, t.POS_TYPE)
        group.setField(fix.StringField(t.POS_TYPE, pos_type))
        group.setField(fix.StringField(t.LONG_QTY, str(long_qty)))
        group.setField(fix.StringField(t.SHORT_QTY, str(short_qty)))
        message.addGroup(group)
    return message
