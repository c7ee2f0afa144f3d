"""A small driver around a book for the scenario tests.

`Desk` numbers the command times, fills in the order fields a scenario does not care about,
and keeps every event, so a test reads like the sequence of messages it describes.
"""

from __future__ import annotations

from datetime import date

from backoffice.domain.enums import OffsetFlag, Side
from gateway.matching import (
    Event,
    NewOrder,
    OrderBook,
    OrderFilter,
    OrdType,
    ReferenceBook,
    SelfTradePrevention,
    TimeInForce,
    Trade,
    TradingPhase,
)

DAY = date(2026, 3, 2)
BUY, SELL = Side.BUY, Side.SELL


class Desk:
    def __init__(self, book: OrderBook | ReferenceBook) -> None:
        self.book = book
        self.time = 0
        self.log: list[Event] = []

    def _tick(self) -> int:
        self.time += 1
        return self.time

    def _keep(self, events: list[Event]) -> list[Event]:
        self.log.extend(events)
        return events

    def order(
        self,
        order_id: str,
        side: Side,
        qty: int,
        price: int | None = None,
        *,
        ord_type: OrdType = OrdType.LIMIT,
        tif: TimeInForce = TimeInForce.DAY,
        stop_price: int | None = None,
        account: str = "A1",
        member: str = "M1",
        session: str = "S1",
        offset: OffsetFlag = OffsetFlag.OPEN,
        forced: bool = False,
        expire_date: date | None = None,
        stp: SelfTradePrevention | None = None,
    ) -> list[Event]:
        request = NewOrder(
            order_id=order_id,
            cl_ord_id=f"cl-{order_id}",
            account=account,
            member=member,
            session=session,
            side=side,
            ord_type=ord_type,
            tif=tif,
            qty=qty,
            price=price,
            stop_price=stop_price,
            offset=offset,
            forced=forced,
            expire_date=expire_date,
            stp=stp,
        )
        return self._keep(self.book.submit(request, self._tick()))

    def market(self, order_id: str, side: Side, qty: int, **kw: object) -> list[Event]:
        return self.order(order_id, side, qty, None, ord_type=OrdType.MARKET, **kw)  # type: ignore[arg-type]

    def cancel(self, order_id: str) -> list[Event]:
        return self._keep(self.book.cancel(order_id, f"cx-{order_id}", self._tick()))

    def replace(self, order_id: str, new_cl_ord_id: str, **kw: object) -> list[Event]:
        return self._keep(self.book.replace(order_id, new_cl_ord_id, time=self._tick(), **kw))  # type: ignore[arg-type]

    def mass_cancel(self, which: OrderFilter, **kw: object) -> list[Event]:
        return self._keep(self.book.mass_cancel(which, self._tick(), **kw))  # type: ignore[arg-type]

    def phase(self, phase: TradingPhase) -> list[Event]:
        return self._keep(self.book.set_phase(phase, self._tick()))

    def expire_day(self, day: date = DAY) -> list[Event]:
        return self._keep(self.book.expire_day(day, self._tick()))

    def new_day(self, day: date, lower: int, upper: int, prev: int) -> list[Event]:
        return self._keep(self.book.new_day(day, lower, upper, prev, self._tick()))

    def bids(self) -> list[tuple[int, list[tuple[str, int]]]]:
        return [(level.price, list(level.orders)) for level in self.book.snapshot().bids]

    def asks(self) -> list[tuple[int, list[tuple[str, int]]]]:
        return [(level.price, list(level.orders)) for level in self.book.snapshot().asks]

    def held(self) -> list[str]:
        return [stop.order_id for stop in self.book.snapshot().stops]


def kinds(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events]


def trades(events: list[Event]) -> list[tuple[int, int, str, str]]:
    """(price, qty, buy order id, sell order id) of each trade, in order."""
    return [(e.price, e.qty, e.buy.order_id, e.sell.order_id) for e in events if isinstance(e, Trade)]


