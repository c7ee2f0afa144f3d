"""Static checks of new orders and replaces, shared by the fast and the reference book.

They look only at the request, the phase, the daily price limits and the trading day, so they
are plain functions returning a `RejectReason` (or None): the two books must agree on them
trivially, and the property test spends its effort on matching instead.
"""

from __future__ import annotations

from datetime import date

from .events import RejectReason
from .orders import NewOrder, OrdType, TimeInForce
from .phases import TradingPhase

_PRICED = (OrdType.LIMIT, OrdType.STOP_LIMIT)
_STOPS = (OrdType.STOP, OrdType.STOP_LIMIT)
_AUCTION_TIFS = (TimeInForce.DAY, TimeInForce.GTC, TimeInForce.GTD)
# enum members bound once: a class-attribute lookup of a member costs more than the check
_CLOSED, _BREAK, _PRE_OPEN = TradingPhase.CLOSED, TradingPhase.BREAK, TradingPhase.PRE_OPEN
_GTD = TimeInForce.GTD


def check_terms(
    ord_type: OrdType, qty: int, price: int | None, stop_price: int | None, lower: int, upper: int
) -> RejectReason | None:
    """Quantity and prices of an order of `ord_type` against the daily limits [lower, upper]."""
    if qty <= 0:
        return RejectReason.INVALID_QUANTITY
    if ord_type in _PRICED:
        if price is None:
            return RejectReason.MISSING_PRICE
        if not lower <= price <= upper:
            return RejectReason.PRICE_OUTSIDE_LIMITS
    elif price is not None:
        return RejectReason.UNEXPECTED_PRICE
    if ord_type in _STOPS:
        if stop_price is None:
            return RejectReason.MISSING_STOP_PRICE
        if not lower <= stop_price <= upper:
            return RejectReason.STOP_PRICE_OUTSIDE_LIMITS
    elif stop_price is not None:
        return RejectReason.UNEXPECTED_STOP_PRICE
    return None


def check_new_order(
    order: NewOrder, phase: TradingPhase, lower: int, upper: int, trading_day: date
) -> RejectReason | None:
    """Everything about a new order except its id's uniqueness (which needs the book)."""
    if phase is _CLOSED:
        return RejectReason.MARKET_CLOSED
    if phase is _BREAK:
        return RejectReason.TRADING_BREAK
    if phase is _PRE_OPEN and (
        order.ord_type is not OrdType.LIMIT or order.tif not in _AUCTION_TIFS
    ):
        return RejectReason.AUCTION_LIMIT_ONLY
    reason = check_terms(order.ord_type, order.qty, order.price, order.stop_price, lower, upper)
    if reason is not None:
        return reason
    if order.tif is _GTD:
        if order.expire_date is None:
            return RejectReason.MISSING_EXPIRE_DATE
        if order.expire_date < trading_day:
            return RejectReason.EXPIRE_DATE_PASSED
    elif order.expire_date is not None:
        return RejectReason.UNEXPECTED_EXPIRE_DATE
    return None


def check_replace(
    phase: TradingPhase,
    ord_type: OrdType,
    cum_qty: int,
    qty: int,
    price: int | None,
    stop_price: int | None,
    lower: int,
    upper: int,
) -> RejectReason | None:
    """A replace of a live order of `ord_type` that has `cum_qty` filled already."""
    if phase is _CLOSED:
        return RejectReason.MARKET_CLOSED
    if phase is _BREAK:
        return RejectReason.TRADING_BREAK
    reason = check_terms(ord_type, qty, price, stop_price, lower, upper)
    if reason is not None:
        return reason
    if qty <= cum_qty:
        return RejectReason.QTY_NOT_ABOVE_FILLED
    return None
