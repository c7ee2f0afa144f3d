"""The trading core: pre-trade risk around one matching book per instrument.

`TradingCore.handle(command)` is the only entry point. It is deterministic (no clock, no
I/O, ids derived from the command sequence), so the journal of commands is enough to rebuild
it. Per order it keeps a record (session, account, ClOrdID chain, user-defined tags, the risk
hold, and the status the FIX layer reports). Risk holds funds or lots before the book sees an
order, converts them on every fill and releases them on every cancel, expiry or reject, as
exchange-core does around its matching engine.

Outputs are the book's events plus the core's own refusals (`Refused` for a new order a check
or the duplicate-ClOrdID rule stopped; `CancelRefused` for a cancel or replace refused before
the book). Everything is in ticks and whole lots inside the book; the core converts Decimal
prices at its edge with the instrument's tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Union

from backoffice.domain.enums import Side
from gateway.matching import (
    Accepted,
    Canceled,
    CancelReason,
    Expired,
    OrderBook,
    OrderFilter,
    OrderStatus,
    Rejected,
    Replaced,
    SelfTradePrevention,
    StpAction,
    StpScope,
    Trade,
    TradeIdCounter,
    Triggered,
)
from gateway.matching import NewOrder as BookOrder
from gateway.matching.events import Event
from gateway.risk.codes import Reject, ResultCode
from gateway.risk.engine import OrderHold, RiskEngine
from gateway.risk.request import OrderRequest
from gateway.risk.state import StartOfDayState

from .commands import Cancel, Command, EndOfDay, Halt, MassCancel, NewOrder, Replace, SetPhase
from .timestamps import from_nanoseconds


@dataclass(frozen=True, slots=True)
class Refused:
    """A new order stopped before the book (risk check or duplicate ClOrdID)."""

    session: str
    cl_ord_id: str
    account: str
    instrument: str
    side: Side
    reject: Reject
    time: int


@dataclass(frozen=True, slots=True)
class CancelRefused:
    """A cancel or replace stopped before the book."""

    session: str
    cl_ord_id: str
    orig_cl_ord_id: str
    order_id: str | None
    status: OrderStatus | None
    reject: Reject
    is_replace: bool
    time: int


Output = Union[Event, Refused, CancelRefused]


@dataclass(slots=True)
class OrderRecord:
    """The core's view of one order for the day: routing, chain, hold and reported state."""

    order_id: str
    session: str
    request: OrderRequest
    member: str
    cl_ord_id: str
    tags: dict[int, str]
    hold: OrderHold
    status: OrderStatus = OrderStatus.PENDING_NEW
    cum_qty: int = 0
    leaves_qty: int = 0
    notional: int = 0  # ticks x lots
    history: list[str] = field(default_factory=list)  # every ClOrdID of the chain

    # what the kill switch reads
    @property
    def account(self) -> str:
        return self.request.account

    @property
    def instrument(self) -> str:
        return self.request.instrument

    @property
    def forced(self) -> bool:
        return self.request.forced


_STATUS_OF_FINISHED = {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED}


# Chinese exchanges forbid self-trades (自成交) within one client account: by default an
# order that would trade against its own account's resting order has its remainder cancelled.
DEFAULT_STP = SelfTradePrevention(StpScope.ACCOUNT, StpAction.CANCEL_INCOMING)


class TradingCore:
    def __init__(self, state: StartOfDayState, stp: SelfTradePrevention | None = DEFAULT_STP) -> None:
        self.state = state
        self.risk = RiskEngine(state)
        self.day = state.trading_day
        prefix = f"{self.day:%Y%m%d}"
        self._order_prefix = prefix + "-"
        self._orders_seen = 0
        self.trade_ids = TradeIdCounter(prefix=prefix + "T")
        self.books: dict[str, OrderBook] = {}
        self.ticks: dict[str, Decimal] = {}
        for code, instrument in state.instruments.items():
            band = self.risk.bands.get(code)
            if band is None:
                continue  # no previous settlement: risk refuses its orders (no reference price)
            tick = instrument.terms.tick_size
            self.ticks[code] = tick
            self.books[code] = OrderBook(
                code,
                self.day,
                int(band.lower / tick),
                int(band.upper / tick),
                int(state.previous_settlement[code] / tick),
                stp=stp,
                trade_ids=self.trade_ids,
            )
        self.orders: dict[str, OrderRecord] = {}
        self._by_cl_ord_id: dict[tuple[str, str], str] = {}  # (session, ClOrdID) -> order id
        self.closed = False

    # ------------------------------------------------------------------ dispatch

    def handle(self, command: Command) -> list[Output]:
        if isinstance(command, NewOrder):
            return self._new(command)
        if isinstance(command, Cancel):
            return self._cancel(command)
        if isinstance(command, Replace):
            return self._replace(command)
        if isinstance(command, MassCancel):
            return self._mass_cancel(command)
        if isinstance(command, SetPhase):
            return self._set_phase(command)
        if isinstance(command, Halt):
            return self._halt(command)
        if isinstance(command, EndOfDay):
            return self._end_of_day(command)
        raise TypeError(f"not a core command: {command!r}")

    # ------------------------------------------------------------------ orders

    def _new(self, command: NewOrder) -> list[Output]:
        request = command.request
        key = (command.session, command.cl_ord_id)
        if key in self._by_cl_ord_id:
            return [self._refused(command, ResultCode.DUPLICATE_ORDER.reject(cl_ord_id=command.cl_ord_id))]
        held = self.risk.pre_trade(request, from_nanoseconds(command.time))
        if isinstance(held, Reject):
            return [self._refused(command, held)]
        self._orders_seen += 1
        order_id = f"{self._order_prefix}{self._orders_seen}"
        tick = self.ticks[request.instrument]
        record = OrderRecord(
            order_id, command.session, request, held.member, command.cl_ord_id, command.tags, held,
            leaves_qty=held.qty, history=[command.cl_ord_id],
        )
        self.orders[order_id] = record
        self._by_cl_ord_id[key] = order_id
        book_order = BookOrder(
            order_id=order_id,
            cl_ord_id=command.cl_ord_id,
            account=request.account,
            member=held.member,
            session=command.session,
            side=request.side,
            ord_type=request.ord_type,
            tif=request.tif,
            qty=held.qty,
            price=_to_ticks(request.price, tick),
            stop_price=_to_ticks(request.stop_price, tick),
            offset=request.offset,
            forced=request.forced,
            expire_date=command.expire_date,
        )
        return self._apply(self.books[request.instrument].submit(book_order, command.time), tick)

    def _cancel(self, command: Cancel) -> list[Output]:
        record, refused = self._target(command, is_replace=False)
        if refused is not None:
            return [refused]
        assert record is not None
        rejected = self.risk.on_cancel_request(record.account, record.instrument)
        if rejected is not None:
            return [self._cancel_refused(command, record, rejected, is_replace=False)]
        self._by_cl_ord_id[(command.session, command.cl_ord_id)] = record.order_id
        book = self.books[record.instrument]
        return self._apply(book.cancel(record.order_id, command.cl_ord_id, command.time), self.ticks[record.instrument])

    def _replace(self, command: Replace) -> list[Output]:
        record, refused = self._target(command, is_replace=True)
        if refused is not None:
            return [refused]
        assert record is not None
        tick = self.ticks[record.instrument]
        reject = None
        if command.qty != command.qty.to_integral_value():
            reject = ResultCode.QTY_NOT_WHOLE.reject(qty=command.qty)
        elif command.qty <= record.cum_qty:
            reject = ResultCode.QTY_NOT_ABOVE_FILLED.reject(qty=command.qty, filled=record.cum_qty)
        if reject is not None:
            return [self._cancel_refused(command, record, reject, is_replace=True)]
        new_total = int(command.qty)
        before = record.request
        amended = replace(before, qty=Decimal(new_total - record.cum_qty), price=command.price, stop_price=command.stop_price)
        moment = from_nanoseconds(command.time)
        rejected = self.risk.amend(record.hold, amended, moment)
        if rejected is not None:
            return [self._cancel_refused(command, record, rejected, is_replace=True)]
        events = self.books[record.instrument].replace(
            record.order_id, command.cl_ord_id, qty=new_total,
            price=_to_ticks(command.price, tick), stop_price=_to_ticks(command.stop_price, tick), time=command.time,
        )
        if isinstance(events[0], Replaced):
            record.request = replace(before, qty=Decimal(new_total), price=command.price, stop_price=command.stop_price)
            self._by_cl_ord_id[(command.session, command.cl_ord_id)] = record.order_id
        else:
            undo = replace(before, qty=Decimal(record.leaves_qty))
            self.risk.amend(record.hold, undo, moment, check=False)
        return self._apply(events, tick)

    def _target(self, command: Cancel | Replace, *, is_replace: bool) -> tuple[OrderRecord | None, CancelRefused | None]:
        """The live order a cancel/replace names, or the refusal to send instead."""
        if (command.session, command.cl_ord_id) in self._by_cl_ord_id:
            reject = ResultCode.DUPLICATE_ORDER.reject(cl_ord_id=command.cl_ord_id)
            return None, self._cancel_refused(command, None, reject, is_replace=is_replace)
        order_id = self._by_cl_ord_id.get((command.session, command.orig_cl_ord_id))
        record = self.orders.get(order_id) if order_id else None
        if record is None:
            reject = ResultCode.UNKNOWN_ORDER.reject(cl_ord_id=command.orig_cl_ord_id)
            return None, self._cancel_refused(command, None, reject, is_replace=is_replace)
        if record.status in _STATUS_OF_FINISHED:
            reject = ResultCode.TOO_LATE_TO_CANCEL.reject(cl_ord_id=command.orig_cl_ord_id)
            return None, self._cancel_refused(command, record, reject, is_replace=is_replace)
        return record, None

    # ------------------------------------------------------------------ venue operations

    def _mass_cancel(self, command: MassCancel) -> list[Output]:
        which = OrderFilter(account=command.account, member=command.member, session=command.session)
        books = [self.books[command.instrument]] if command.instrument else list(self.books.values())
        outputs: list[Output] = []
        for book in books:
            outputs += self._apply(book.mass_cancel(which, command.time), self.ticks[book.instrument])
        return outputs

    def _set_phase(self, command: SetPhase) -> list[Output]:
        books = [self.books[command.instrument]] if command.instrument else list(self.books.values())
        outputs: list[Output] = []
        for book in books:
            outputs += self._apply(book.set_phase(command.phase, command.time), self.ticks[book.instrument])
        return outputs

    def _halt(self, command: Halt) -> list[Output]:
        switch = self.risk.kill_switch
        if command.resume:
            switch.resume(command.level, command.key)
            return []
        switch.halt(command.level, command.key)
        blocked = switch.orders_to_cancel(r for r in self.orders.values() if r.status not in _STATUS_OF_FINISHED)
        outputs: list[Output] = []
        for record in sorted(blocked, key=lambda r: int(r.order_id.rsplit("-", 1)[1])):
            book = self.books[record.instrument]
            events = book.mass_cancel(_Only(record.order_id), command.time, CancelReason.HALT)
            outputs += self._apply(events, self.ticks[record.instrument])
        return outputs

    def _end_of_day(self, command: EndOfDay) -> list[Output]:
        outputs: list[Output] = []
        for book in self.books.values():
            outputs += self._apply(book.expire_day(self.day, command.time), self.ticks[book.instrument])
        self.closed = True
        return outputs

    # ------------------------------------------------------------------ events -> risk

    def _apply(self, events: list[Event], tick: Decimal) -> list[Output]:
        """Feed the book's events to risk and to the order records; return them.

        Rejects of a cancel or replace and phase changes leave the order as it was."""
        for event in events:
            if isinstance(event, Trade):
                price = event.price * tick
                for side in (event.buy, event.sell):
                    record = self.orders[side.order_id]
                    self.risk.on_fill(record.hold, event.qty, price)
                    record.status, record.cum_qty, record.leaves_qty = side.status, side.cum_qty, side.leaves_qty
                    record.notional = side.notional
            elif isinstance(event, (Canceled, Expired, Rejected)):
                record = self.orders[event.order_id]
                self.risk.on_cancel(record.hold)
                record.status, record.leaves_qty = event.status, 0
            elif isinstance(event, Replaced):
                record = self.orders[event.order_id]
                record.cl_ord_id = event.cl_ord_id
                record.history.append(event.cl_ord_id)
                record.status, record.leaves_qty = event.status, event.leaves_qty
            elif isinstance(event, (Accepted, Triggered)):
                record = self.orders[event.order_id]
                record.status, record.leaves_qty = event.status, event.leaves_qty
        return events  # type: ignore[return-value]

    # ------------------------------------------------------------------ helpers

    def _refused(self, command: NewOrder, reject: Reject) -> Refused:
        r = command.request
        return Refused(command.session, command.cl_ord_id, r.account, r.instrument, r.side, reject, command.time)

    def _cancel_refused(self, command: Cancel | Replace, record: OrderRecord | None, reject: Reject, *, is_replace: bool) -> CancelRefused:
        return CancelRefused(
            command.session, command.cl_ord_id, command.orig_cl_ord_id,
            record.order_id if record else None, record.status if record else None, reject, is_replace, command.time,
        )

    def working_orders(self) -> list[OrderRecord]:
        return [r for r in self.orders.values() if r.status not in _STATUS_OF_FINISHED]

    def order_by_cl_ord_id(self, session: str, cl_ord_id: str) -> OrderRecord | None:
        order_id = self._by_cl_ord_id.get((session, cl_ord_id))
        return self.orders.get(order_id) if order_id else None


@dataclass(frozen=True, slots=True)
class _Only:
    """An order filter that takes exactly one order (kill-switch cancels are per order)."""

    order_id: str

    def matches(self, request: BookOrder) -> bool:
        return request.order_id == self.order_id


def _to_ticks(price: Decimal | None, tick: Decimal) -> int | None:
    return None if price is None else int(price / tick)
