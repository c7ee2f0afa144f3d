"""Everything the book does is answered as a list of immutable events.

The caller journals these events and turns each into FIX ExecutionReports (two for a trade,
one per side), so every event carries what a report needs: order id, ClOrdID, status after the
event, cumulative and open quantity, and the average price. No float appears anywhere: the
average price is carried as `notional` (sum over fills of qty x price, in ticks) and exposed as
`avg_price_ticks`, an exact Decimal quotient in ticks (multiply by the tick size for a price).

Rejections are values too: `RejectReason` is the one reason-code vocabulary of the matching
stage (new-order, replace and cancel rejects), so the FIX layer maps it to OrdRejReason(103) /
CxlRejReason(102) in one table; `REJECT_TEXT` is the short Text(58) shown to the client
(Bloomberg displays about 44 characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from backoffice.domain.enums import OffsetFlag, Side

from .orders import Order, OrdType
from .phases import TradingPhase
from .states import OrderStatus


class RejectReason(StrEnum):
    DUPLICATE_ORDER_ID = "duplicate_order_id"
    UNKNOWN_ORDER = "unknown_order"  # not live: never known, or already finished
    MARKET_CLOSED = "market_closed"
    TRADING_BREAK = "trading_break"
    AUCTION_LIMIT_ONLY = "auction_limit_only"
    INVALID_QUANTITY = "invalid_quantity"
    QTY_NOT_ABOVE_FILLED = "qty_not_above_filled"
    MISSING_PRICE = "missing_price"
    UNEXPECTED_PRICE = "unexpected_price"
    MISSING_STOP_PRICE = "missing_stop_price"
    UNEXPECTED_STOP_PRICE = "unexpected_stop_price"
    PRICE_OUTSIDE_LIMITS = "price_outside_limits"
    STOP_PRICE_OUTSIDE_LIMITS = "stop_price_outside_limits"
    MISSING_EXPIRE_DATE = "missing_expire_date"
    UNEXPECTED_EXPIRE_DATE = "unexpected_expire_date"
    EXPIRE_DATE_PASSED = "expire_date_passed"


REJECT_TEXT: dict[RejectReason, str] = {
    RejectReason.DUPLICATE_ORDER_ID: "duplicate order id",
    RejectReason.UNKNOWN_ORDER: "unknown order or already done",
    RejectReason.MARKET_CLOSED: "market closed",
    RejectReason.TRADING_BREAK: "trading break: new orders not accepted",
    RejectReason.AUCTION_LIMIT_ONLY: "call auction accepts only day/GT limit",
    RejectReason.INVALID_QUANTITY: "quantity must be a positive number of lots",
    RejectReason.QTY_NOT_ABOVE_FILLED: "new quantity not above filled quantity",
    RejectReason.MISSING_PRICE: "limit price required",
    RejectReason.UNEXPECTED_PRICE: "price not allowed for this order type",
    RejectReason.MISSING_STOP_PRICE: "stop price required",
    RejectReason.UNEXPECTED_STOP_PRICE: "stop price not allowed for this type",
    RejectReason.PRICE_OUTSIDE_LIMITS: "price outside daily price limits",
    RejectReason.STOP_PRICE_OUTSIDE_LIMITS: "stop price outside daily price limits",
    RejectReason.MISSING_EXPIRE_DATE: "GTD order needs an expire date",
    RejectReason.UNEXPECTED_EXPIRE_DATE: "expire date allowed only with GTD",
    RejectReason.EXPIRE_DATE_PASSED: "expire date before the trading day",
}


class CancelReason(StrEnum):
    CLIENT_REQUEST = "client_request"
    IOC_REMAINDER = "ioc_remainder"
    FOK_UNFILLABLE = "fok_unfillable"
    MARKET_REMAINDER = "market_remainder"
    SELF_TRADE = "self_trade"
    MASS_CANCEL = "mass_cancel"
    HALT = "halt"  # a mass cancel issued by the venue when trading is halted
    OUTSIDE_PRICE_LIMITS = "outside_price_limits"  # a good-till order outside a new day's limits


def avg_price_ticks(notional: int, cum_qty: int) -> Decimal | None:
    """Average fill price in ticks, exact; None before the first fill."""
    return Decimal(notional) / Decimal(cum_qty) if cum_qty else None


@dataclass(frozen=True, slots=True)
class Accepted:
    order_id: str
    cl_ord_id: str
    side: Side
    ord_type: OrdType
    qty: int
    price: int | None
    stop_price: int | None
    time: int

    status = OrderStatus.NEW
    cum_qty = 0

    @property
    def leaves_qty(self) -> int:
        return self.qty


@dataclass(frozen=True, slots=True)
class Rejected:
    order_id: str
    cl_ord_id: str
    reason: RejectReason
    text: str
    time: int

    status = OrderStatus.REJECTED


@dataclass(frozen=True, slots=True)
class TradeSide:
    """One side of a trade, with that order's state after the fill."""

    order_id: str
    cl_ord_id: str
    account: str
    member: str
    session: str
    offset: OffsetFlag
    forced: bool
    status: OrderStatus
    cum_qty: int
    leaves_qty: int
    notional: int

    @property
    def avg_price_ticks(self) -> Decimal | None:
        return avg_price_ticks(self.notional, self.cum_qty)


@dataclass(frozen=True, slots=True)
class Trade:
    """One match between two orders: the fill of both sides (one ExecutionReport each)."""

    trade_id: str
    instrument: str
    trading_day: date
    time: int
    price: int
    qty: int
    aggressor: Side | None  # None for the call-auction uncross
    buy: TradeSide
    sell: TradeSide


@dataclass(frozen=True, slots=True)
class Canceled:
    order_id: str
    cl_ord_id: str  # the cancel request's ClOrdID for a client cancel, else the order's
    orig_cl_ord_id: str | None  # the order's ClOrdID, for a client cancel only
    side: Side
    reason: CancelReason
    canceled_qty: int  # what was open before the cancel
    cum_qty: int
    notional: int
    time: int

    status = OrderStatus.CANCELED
    leaves_qty = 0

    @property
    def avg_price_ticks(self) -> Decimal | None:
        return avg_price_ticks(self.notional, self.cum_qty)


@dataclass(frozen=True, slots=True)
class Expired:
    order_id: str
    cl_ord_id: str
    side: Side
    expired_qty: int  # what was open before expiry
    cum_qty: int
    notional: int
    time: int

    status = OrderStatus.EXPIRED
    leaves_qty = 0

    @property
    def avg_price_ticks(self) -> Decimal | None:
        return avg_price_ticks(self.notional, self.cum_qty)


@dataclass(frozen=True, slots=True)
class Replaced:
    order_id: str
    cl_ord_id: str  # the replace request's ClOrdID, now the order's
    orig_cl_ord_id: str
    side: Side
    qty: int  # the new total order quantity
    price: int | None
    stop_price: int | None
    status: OrderStatus
    cum_qty: int
    leaves_qty: int
    notional: int
    priority_kept: bool
    time: int

    @property
    def avg_price_ticks(self) -> Decimal | None:
        return avg_price_ticks(self.notional, self.cum_qty)


@dataclass(frozen=True, slots=True)
class ReplaceRejected:
    order_id: str
    cl_ord_id: str  # the replace request's ClOrdID
    orig_cl_ord_id: str | None  # the order's ClOrdID when the order is live
    reason: RejectReason
    text: str
    status: OrderStatus | None  # the order's unchanged status, None when not live
    time: int


@dataclass(frozen=True, slots=True)
class CancelRejected:
    order_id: str
    cl_ord_id: str  # the cancel request's ClOrdID
    orig_cl_ord_id: str | None
    reason: RejectReason
    text: str
    status: OrderStatus | None
    time: int


@dataclass(frozen=True, slots=True)
class Triggered:
    """A stop order reached its stop price and entered the book as MARKET or LIMIT."""

    order_id: str
    cl_ord_id: str
    side: Side
    ord_type: OrdType  # the type it now has
    price: int | None
    leaves_qty: int
    last_price: int  # the trade price that triggered it
    time: int

    status = OrderStatus.NEW
    cum_qty = 0


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    phase: TradingPhase
    previous: TradingPhase
    time: int


Event = (
    Accepted
    | Rejected
    | Trade
    | Canceled
    | Expired
    | Replaced
    | ReplaceRejected
    | CancelRejected
    | Triggered
    | PhaseChanged
)


def trade_side(order: Order) -> TradeSide:
    """One side of a trade from the order's record, just after its fill was applied."""
    request = order.request
    return TradeSide(
        order.order_id,
        order.cl_ord_id,
        request.account,
        request.member,
        request.session,
        request.offset,
        request.forced,
        order.status,
        order.cum_qty,
        order.leaves_qty,
        order.notional,
    )
