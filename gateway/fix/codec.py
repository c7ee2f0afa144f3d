"""Inbound FIX orders -> normalised requests for risk and matching, or a reasoned refusal.

NewOrderSingle (D), OrderCancelRequest (F) and OrderCancelReplaceRequest (G), in FIX 4.2 or
4.4, become a `NewOrder`, `CancelOrder` or `ReplaceOrder` carrying risk's `OrderRequest`, the
ClOrdID chain, the routing to reverse on the way back and the user-defined tags to store with
the order; anything the venue cannot take becomes a `Refused` value naming the answer
(ExecutionReport 8, OrderCancelReject 9 or BusinessMessageReject j) and a Text(58) that says
what was wrong. `decode` never raises: it runs inside a QuickFIX callback.

Conventions decided here (and documented in fixspec/README.md):
- Account(1) absent -> the session's default account; present -> must be entitled.
- PositionEffect(77) is required on D and G: O opens, C closes. On exchanges that charge
  close-today apart, tag 5077 says which lots: T close-today, Y close-yesterday.
- TimeInForce(59) absent -> Day; 6 (GTD) needs ExpireDate(432) or ExpireTime(126), which are
  refused on any other time in force. Whether a time in force is supported is risk's call.
- Quantities and prices are passed on as Decimals; whole lots, ticks and limits are checked
  by risk against the instrument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from backoffice.domain.calendar import TradingCalendar
from backoffice.domain.enums import OffsetFlag, Side
from gateway.risk.request import OrderRequest, OrdType, TimeInForce

from . import tags as t
from .fields import FieldView, HasToString, parse_decimal
from .profiles import SessionProfile
from .refusals import DecodeReason, Refusal
from .symbology import InstrumentQuery, Symbology, SymbologyError

E = TypeVar("E")

MAX_ID_LENGTH = 64  # ClOrdID, OrigClOrdID, Account
_ECHO_LIMIT = 12  # characters of a bad value repeated in Text(58)

SIDES = {"1": Side.BUY, "2": Side.SELL}
ORD_TYPES = {"1": OrdType.MARKET, "2": OrdType.LIMIT, "3": OrdType.STOP, "4": OrdType.STOP_LIMIT}
TIMES_IN_FORCE = {"0": TimeInForce.DAY, "1": TimeInForce.GTC, "3": TimeInForce.IOC, "4": TimeInForce.FOK, "6": TimeInForce.GTD}
CLOSE_DETAIL = {t.CLOSE_TODAY: OffsetFlag.CLOSE_TODAY, t.CLOSE_YESTERDAY: OffsetFlag.CLOSE_YESTERDAY}

# The request fields a refusal repeats in its answer (Symbol and Side are required there).
ECHO_TAGS = (
    t.ACCOUNT, t.CL_ORD_ID, t.ORIG_CL_ORD_ID, t.ORDER_ID, t.SIDE, t.SYMBOL, t.SECURITY_ID, t.SECURITY_ID_SOURCE,
    t.SECURITY_TYPE, t.MATURITY_MONTH_YEAR, t.SECURITY_EXCHANGE, t.ORDER_QTY, t.ORD_TYPE, t.PRICE, t.STOP_PX,
    t.TIME_IN_FORCE, t.POSITION_EFFECT,
)


@dataclass(frozen=True, slots=True)
class Routing:
    """Third-party routing as received; `reply` gives the header of the answer."""

    on_behalf_of_comp_id: str | None = None  # 115
    on_behalf_of_sub_id: str | None = None  # 116
    deliver_to_comp_id: str | None = None  # 128
    deliver_to_sub_id: str | None = None  # 129
    sender_sub_id: str | None = None  # 50
    target_sub_id: str | None = None  # 57

    @classmethod
    def of(cls, fields: FieldView) -> "Routing":
        values = [fields.get(tag) for tag in t.ROUTING_TAGS]
        return cls(*values) if any(values) else NO_ROUTING  # most flow is not third-party routed

    def reply(self) -> list[tuple[int, str]]:
        """Header fields of the answer: QuickFIX reverseRoute (115<->128, 116<->129), plus the
        SenderSubID/TargetSubID swap QuickFIX does not do (50 -> 57, 57 -> 50)."""
        pairs = (
            (t.DELIVER_TO_COMP_ID, self.on_behalf_of_comp_id),
            (t.DELIVER_TO_SUB_ID, self.on_behalf_of_sub_id),
            (t.ON_BEHALF_OF_COMP_ID, self.deliver_to_comp_id),
            (t.ON_BEHALF_OF_SUB_ID, self.deliver_to_sub_id),
            (t.TARGET_SUB_ID, self.sender_sub_id),
            (t.SENDER_SUB_ID, self.target_sub_id),
        )
        return [(tag, value) for tag, value in pairs if value]


NO_ROUTING = Routing()


@dataclass(frozen=True, slots=True)
class DecodeContext:
    """What decoding needs besides the message; `trading_day` is passed in, never read."""

    profile: SessionProfile
    symbology: Symbology
    calendar: TradingCalendar
    trading_day: date


@dataclass(frozen=True, slots=True)
class OrderDetails:
    """An order as a D or G describes it, normalised."""

    request: OrderRequest
    instrument: InstrumentQuery  # as sent, repeated on every report
    expire_date: date | None  # GTD: the last trading day the order lives
    expire_time: datetime | None  # GTD by ExpireTime(126), UTC
    transact_time: str | None


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every inbound order message carries besides its content."""

    msg_type: str
    msg_seq_num: int | None
    routing: Routing
    poss_resend: bool  # PossResend(97)=Y: a duplicate ClOrdID gets the order's status
    tags: Mapping[int, str]  # user-defined tags, kept with the order as sent


@dataclass(frozen=True, slots=True)
class NewOrder:
    envelope: Envelope
    cl_ord_id: str
    order: OrderDetails


@dataclass(frozen=True, slots=True)
class ReplaceOrder:
    envelope: Envelope
    cl_ord_id: str
    orig_cl_ord_id: str
    order_id: str | None
    order: OrderDetails


@dataclass(frozen=True, slots=True)
class CancelOrder:
    envelope: Envelope
    cl_ord_id: str
    orig_cl_ord_id: str
    order_id: str | None
    account: str
    side: Side | None
    instrument: InstrumentQuery


@dataclass(frozen=True, slots=True)
class Refused:
    """A message refused by the codec, with what its answer must repeat."""

    envelope: Envelope
    refusal: Refusal
    echo: Mapping[int, str]  # request fields from ECHO_TAGS, as sent

    @property
    def answer(self) -> str:
        """MsgType of the answer: 8 rejects an order, 9 a cancel or replace, j the rest."""
        if self.envelope.msg_type == "D" and t.CL_ORD_ID in self.echo:
            return "8"
        if self.envelope.msg_type in ("F", "G") and t.CL_ORD_ID in self.echo:
            return "9"
        return "j"


Decoded = NewOrder | ReplaceOrder | CancelOrder | Refused


class _Refuse(Exception):
    """Internal: unwinds a decode to its refusal (never leaves this module)."""

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal


def _clip(value: str) -> str:
    return value if len(value) <= _ECHO_LIMIT else value[: _ECHO_LIMIT - 1] + "~"


def _unparseable(msg_type: str) -> Refused:
    envelope = Envelope(msg_type, None, Routing(), False, MappingProxyType({}))
    return Refused(envelope, DecodeReason.GARBLED.refuse(), MappingProxyType({}))


def decode(message: HasToString | str | FieldView, context: DecodeContext) -> Decoded:
    """A D, F or G as a normalised request, or `Refused`; never raises. A caller that has
    split the message already passes its `FieldView`."""
    fields = message if isinstance(message, FieldView) else FieldView.of(message)
    if fields is None:
        return _unparseable("?")
    msg_type = fields.get(t.MSG_TYPE) or "?"
    seq = fields.get(t.MSG_SEQ_NUM)
    envelope = Envelope(
        msg_type=msg_type,
        msg_seq_num=int(seq) if seq is not None and seq.isdigit() else None,
        routing=Routing.of(fields),
        poss_resend=fields.get(t.POSS_RESEND) == "Y",
        tags=fields.user_defined,
    )
    reader = _Reader(fields, context)
    try:
        if msg_type == "D":
            return NewOrder(envelope, reader.identifier(t.CL_ORD_ID, "ClOrdID"), reader.order())
        if msg_type == "G":
            cl_ord_id, orig = reader.chain()
            return ReplaceOrder(envelope, cl_ord_id, orig, fields.get(t.ORDER_ID), reader.order())
        if msg_type == "F":
            cl_ord_id, orig = reader.chain()
            side_text = fields.get(t.SIDE)
            return CancelOrder(
                envelope, cl_ord_id, orig, fields.get(t.ORDER_ID), reader.account(),
                SIDES.get(side_text) if side_text else None, reader.instrument_query(),
            )
        raise _Refuse(DecodeReason.UNSUPPORTED_MESSAGE.refuse(value=_clip(msg_type)))
    except _Refuse as refused:
        echo = {tag: value for tag in ECHO_TAGS if (value := fields.get(tag)) is not None}
        return Refused(envelope, refused.refusal, MappingProxyType(echo))


class _Reader:
    """Field-by-field normalisation; each method returns a value or raises `_Refuse`."""

    def __init__(self, fields: FieldView, context: DecodeContext) -> None:
        self.fields = fields
        self.context = context

    def required(self, tag: int, name: str) -> str:
        value = self.fields.get(tag)
        if value is None:
            raise _Refuse(DecodeReason.MISSING_FIELD.refuse(name=name, tag=tag))
        return value

    def identifier(self, tag: int, name: str) -> str:
        value = self.required(tag, name)
        if len(value) > MAX_ID_LENGTH:
            raise _Refuse(DecodeReason.FIELD_TOO_LONG.refuse(name=name, tag=tag, limit=MAX_ID_LENGTH))
        return value

    def chain(self) -> tuple[str, str]:
        cl_ord_id = self.identifier(t.CL_ORD_ID, "ClOrdID")
        orig = self.identifier(t.ORIG_CL_ORD_ID, "OrigClOrdID")
        if cl_ord_id == orig:
            raise _Refuse(DecodeReason.SAME_CL_ORD_ID.refuse())
        return cl_ord_id, orig

    def account(self) -> str:
        profile = self.context.profile
        sent = self.fields.get(t.ACCOUNT)
        if sent is None:
            if profile.default_account is None:
                raise _Refuse(DecodeReason.ACCOUNT_REQUIRED.refuse())
            return profile.default_account
        if sent not in profile.accounts:
            raise _Refuse(DecodeReason.ACCOUNT_NOT_ENTITLED.refuse(account=_clip(sent)))
        return sent

    def enum(self, tag: int, name: str, table: Mapping[str, E], unsupported: DecodeReason, default: E | None = None) -> E:
        value = self.fields.get(tag)
        if value is None:
            if default is None:
                raise _Refuse(DecodeReason.MISSING_FIELD.refuse(name=name, tag=tag))
            return default
        if value not in table:
            raise _Refuse(unsupported.refuse(value=_clip(value)))
        return table[value]

    def decimal(self, tag: int, name: str) -> Decimal | None:
        text = self.fields.get(tag)
        return None if text is None else self.number(text, tag, name)

    def required_decimal(self, tag: int, name: str) -> Decimal:
        return self.number(self.required(tag, name), tag, name)

    def number(self, text: str, tag: int, name: str) -> Decimal:
        value = parse_decimal(text)
        if value is None:
            raise _Refuse(DecodeReason.BAD_VALUE.refuse(name=name, tag=tag, value=_clip(text)))
        return value

    def instrument_query(self) -> InstrumentQuery:
        get = self.fields.get
        return InstrumentQuery(
            symbol=get(t.SYMBOL),
            security_id=get(t.SECURITY_ID),
            security_id_source=get(t.SECURITY_ID_SOURCE),
            security_type=get(t.SECURITY_TYPE),
            maturity_month_year=get(t.MATURITY_MONTH_YEAR),
            security_exchange=get(t.SECURITY_EXCHANGE),
        )

    def offset(self) -> OffsetFlag:
        effect = self.fields.get(t.POSITION_EFFECT)
        detail = self.fields.get(t.CLOSE_TODAY_YESTERDAY)
        if effect is None:
            raise _Refuse(DecodeReason.POSITION_EFFECT_REQUIRED.refuse())
        if effect == "O":
            if detail is not None:
                raise _Refuse(DecodeReason.CLOSE_DETAIL_NEEDS_CLOSE.refuse(tag=t.CLOSE_TODAY_YESTERDAY))
            return OffsetFlag.OPEN
        if effect != "C":
            raise _Refuse(DecodeReason.UNSUPPORTED_POSITION_EFFECT.refuse(value=_clip(effect)))
        if detail is None:
            return OffsetFlag.CLOSE
        if detail not in CLOSE_DETAIL:
            raise _Refuse(DecodeReason.BAD_VALUE.refuse(name="Tag", tag=t.CLOSE_TODAY_YESTERDAY, value=_clip(detail)))
        return CLOSE_DETAIL[detail]

    def expiry(self, tif: TimeInForce) -> tuple[date | None, datetime | None]:
        date_text = self.fields.get(t.EXPIRE_DATE)
        time_text = self.fields.get(t.EXPIRE_TIME)
        if tif is not TimeInForce.GTD:
            if date_text is not None or time_text is not None:
                raise _Refuse(DecodeReason.EXPIRY_NEEDS_GTD.refuse())
            return None, None
        if date_text is not None:
            try:
                return datetime.strptime(date_text, "%Y%m%d").date(), None
            except ValueError:
                raise _Refuse(DecodeReason.BAD_VALUE.refuse(name="ExpireDate", tag=t.EXPIRE_DATE, value=_clip(date_text))) from None
        if time_text is not None:
            moment = _utc_timestamp(time_text)
            if moment is None:
                raise _Refuse(DecodeReason.BAD_VALUE.refuse(name="ExpireTime", tag=t.EXPIRE_TIME, value=_clip(time_text)))
            return self.context.calendar.trading_day_of(moment), moment
        raise _Refuse(DecodeReason.GTD_NEEDS_EXPIRY.refuse())

    def order(self) -> OrderDetails:
        side = self.enum(t.SIDE, "Side", SIDES, DecodeReason.UNSUPPORTED_SIDE)
        ord_type = self.enum(t.ORD_TYPE, "OrdType", ORD_TYPES, DecodeReason.UNSUPPORTED_ORD_TYPE)
        tif = self.enum(t.TIME_IN_FORCE, "TimeInForce", TIMES_IN_FORCE, DecodeReason.UNSUPPORTED_TIME_IN_FORCE, TimeInForce.DAY)
        qty = self.required_decimal(t.ORDER_QTY, "OrderQty")
        price = self.decimal(t.PRICE, "Price")
        stop_price = self.decimal(t.STOP_PX, "StopPx")
        offset = self.offset()
        expire_date, expire_time = self.expiry(tif)
        account = self.account()
        query = self.instrument_query()
        found = self.context.symbology.resolve(query, self.context.trading_day)
        if isinstance(found, SymbologyError):
            raise _Refuse(DecodeReason.UNKNOWN_INSTRUMENT.refuse(reason=found.reason))
        request = OrderRequest(
            account=account,
            instrument=found.code,
            side=side,
            offset=offset,
            ord_type=ord_type,
            qty=qty,
            price=price,
            stop_price=stop_price,
            tif=tif,
        )
        return OrderDetails(request, query, expire_date, expire_time, self.fields.get(t.TRANSACT_TIME))


def _utc_timestamp(text: str) -> datetime | None:
    """A FIX UTCTimestamp (YYYYMMDD-HH:MM:SS with optional fraction) as an aware datetime."""
    main, _, fraction = text.partition(".")
    try:
        moment = datetime.strptime(main, "%Y%m%d-%H:%M:%S")
    except ValueError:
        return None
    if fraction and not (fraction.isdigit() and len(fraction) <= 9):
        return None
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return moment.replace(microsecond=micros, tzinfo=timezone.utc)
