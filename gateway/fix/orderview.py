"""The orders of the day as the FIX clients have been told about them.

Why a view of its own rather than reading the core: the core changes state the moment a
command runs, but a client hears about it only once the command is journalled. Status
requests (H, AF, PossResend duplicates) must answer with what has been reported, in the order
it was reported, so this view is updated only where reports are built (the order service's
release) and read by the FIX callbacks, behind one lock. Each order keeps the `OrderEcho`
every report repeats (the instrument as the client named it, the routing of its last request).
After a restart the view is rebuilt from the core's order records; the instrument is then
named by our contract code (SecurityIDSource 8), since the journal keeps the normalised order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from decimal import Decimal

from gateway.core.service import OrderRecord
from gateway.matching.states import OrderStatus

from .codec import Routing
from .reports import OrderEcho
from .symbology import InstrumentQuery

EXCHANGE_SYMBOL = "8"  # SecurityIDSource(22): exchange symbol, i.e. our contract code


@dataclass(frozen=True, slots=True)
class ReportedOrder:
    """One order's echo and its state as last reported."""

    session: str
    echo: OrderEcho
    status: OrderStatus
    cum_qty: int
    leaves_qty: int
    avg_px: Decimal


def contract_query(contract: str) -> InstrumentQuery:
    """The instrument named by our contract code, for orders not received over FIX here."""
    return InstrumentQuery(None, contract, EXCHANGE_SYMBOL, None, None, None)


def echo_of_record(record: OrderRecord) -> OrderEcho:
    request = record.request
    return OrderEcho(
        cl_ord_id=record.cl_ord_id,
        orig_cl_ord_id=record.history[-2] if len(record.history) > 1 else None,
        order_id=record.order_id,
        account=request.account,
        side=request.side,
        instrument=contract_query(request.instrument),
        contract=request.instrument,
        qty=request.qty,
        ord_type=request.ord_type,
        price=request.price,
        stop_price=request.stop_price,
        tif=request.tif,
        expire_date=None,
        offset=request.offset,
        routing=Routing(),
    )


class OrderView:
    """Reported orders by order id and by (session, any ClOrdID of the chain)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._orders: dict[str, ReportedOrder] = {}
        self._by_cl_ord_id: dict[tuple[str, str], str] = {}

    def seed(self, records: list[OrderRecord], ticks: dict[str, Decimal]) -> None:
        """Load the orders of a core rebuilt from the journal (after a restart)."""
        with self._lock:
            for record in records:
                tick = ticks[record.instrument]
                avg = (Decimal(record.notional) / Decimal(record.cum_qty) * tick).normalize() if record.cum_qty else Decimal(0)
                self._orders[record.order_id] = ReportedOrder(
                    record.session, echo_of_record(record), record.status, record.cum_qty, record.leaves_qty, avg
                )
                for cl_ord_id in record.history:
                    self._by_cl_ord_id[(record.session, cl_ord_id)] = record.order_id

    def add(self, order: ReportedOrder) -> None:
        with self._lock:
            self._orders[order.echo.order_id] = order
            self._by_cl_ord_id[(order.session, order.echo.cl_ord_id)] = order.echo.order_id

    def get(self, order_id: str) -> ReportedOrder | None:
        with self._lock:
            return self._orders.get(order_id)

    def update(self, order_id: str, *, cl_ord_id: str | None = None, **changes: object) -> ReportedOrder | None:
        """Apply the state a report has just told; `cl_ord_id` joins the chain."""
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return None
            if cl_ord_id is not None:
                self._by_cl_ord_id[(order.session, cl_ord_id)] = order_id
            order = replace(order, **changes)  # type: ignore[arg-type]
            self._orders[order_id] = order
            return order

    def find(self, session: str, cl_ord_id: str) -> ReportedOrder | None:
        with self._lock:
            order_id = self._by_cl_ord_id.get((session, cl_ord_id))
            return self._orders.get(order_id) if order_id else None

    def of_session(self, session: str) -> list[ReportedOrder]:
        with self._lock:
            return [order for order in self._orders.values() if order.session == session]

    def count(self) -> int:
        with self._lock:
            return len(self._orders)
