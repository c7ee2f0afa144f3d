"""What an order is inside the matching core: the request a caller submits and the live record.

A `NewOrder` is the immutable request, in book units (integer ticks, whole lots), built by the
FIX codec after pre-trade risk has passed it. The book keeps one mutable `Order` record per
live order; it is the only mutable thing, it never leaves the book (events copy what they
need), and its `status` changes only through the transition table in `states`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from backoffice.domain.enums import OffsetFlag, OrdType, Side, TimeInForce

from .states import OrderStatus

NO_TAGS: Mapping[int, str] = MappingProxyType({})
_PENDING_NEW = OrderStatus.PENDING_NEW


def _no_tags() -> Mapping[int, str]:
    return NO_TAGS


class StpScope(StrEnum):
    """Which orders count as the same owner for self-trade prevention."""

    ACCOUNT = "account"
    MEMBER = "member"


class StpAction(StrEnum):
    CANCEL_INCOMING = "cancel_incoming"  # cancel the aggressor's remainder
    CANCEL_RESTING = "cancel_resting"  # cancel the resting order and keep matching
    CANCEL_BOTH = "cancel_both"


@dataclass(frozen=True, slots=True)
class SelfTradePrevention:
    scope: StpScope
    action: StpAction


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A request to enter an order. Prices are ticks; `order_id` is assigned by the caller."""

    order_id: str
    cl_ord_id: str
    account: str
    member: str
    session: str
    side: Side
    ord_type: OrdType
    tif: TimeInForce
    qty: int
    price: int | None = None  # LIMIT and STOP_LIMIT only
    stop_price: int | None = None  # STOP and STOP_LIMIT only
    offset: OffsetFlag = OffsetFlag.OPEN
    forced: bool = False  # forced liquidation (强平), copied onto every trade
    expire_date: date | None = None  # GTD only: the last trading day the order lives
    stp: SelfTradePrevention | None = None  # overrides the book's setting when given
    tags: Mapping[int, str] = field(default_factory=_no_tags)  # opaque user-defined FIX tags


@dataclass(slots=True, eq=False)
class Order:
    """The book's live record of an accepted order (identity equality: one record per order)."""

    request: NewOrder
    order_id: str
    cl_ord_id: str  # the latest accepted ClOrdID of the chain
    side: Side
    ord_type: OrdType  # becomes MARKET or LIMIT when a stop triggers
    tif: TimeInForce
    qty: int  # total order quantity, changed by replace
    price: int | None
    stop_price: int | None
    status: OrderStatus
    leaves_qty: int
    cum_qty: int = 0
    notional: int = 0  # sum of fill qty x fill price in ticks: avg price = notional / cum_qty
    seq: int = 0  # time-priority stamp, renewed when priority is lost or a stop triggers
    resting: bool = False  # in a price level of the book (not held, not finished)

    @classmethod
    def from_request(cls, request: NewOrder) -> "Order":
        return cls(
            request,
            request.order_id,
            request.cl_ord_id,
            request.side,
            request.ord_type,
            request.tif,
            request.qty,
            request.price,
            request.stop_price,
            _PENDING_NEW,
            request.qty,
        )


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Which live orders a mass cancel takes: every given field must match; none given = all."""

    account: str | None = None
    member: str | None = None
    session: str | None = None

    def matches(self, request: NewOrder) -> bool:
        return (
            (self.account is None or request.account == self.account)
            and (self.member is None or request.member == self.member)
            and (self.session is None or request.session == self.session)
        )
