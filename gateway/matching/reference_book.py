"""A naive order book with the same API and semantics as `book.OrderBook`, for checking it.

Written for obviousness, not speed: every live order (resting and held stops alike) sits in one
plain list in time-priority order, an order is appended when it takes a priority and removed
when it loses it, and every question ("best bid?", "which stops fire?") is answered by scanning
that list. The auction price is found by trying every tick between the price limits. The
property test runs both books on random command streams and requires identical events and
snapshots; the semantics are described once, in the `book` module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from backoffice.domain.enums import Side

from .events import (
    REJECT_TEXT,
    Accepted,
    Canceled,
    CancelReason,
    CancelRejected,
    Event,
    Expired,
    PhaseChanged,
    Rejected,
    RejectReason,
    Replaced,
    ReplaceRejected,
    Trade,
    Triggered,
    trade_side,
)
from .orders import NewOrder, Order, OrderFilter, OrdType, SelfTradePrevention, StpAction, TimeInForce
from .phases import TradingPhase
from .self_trade import self_trade_action
from .snapshot import BookSnapshot, HeldStop, LevelSnapshot
from .states import EventKind, next_status
from .trade_ids import TradeIdCounter
from .validation import check_new_order, check_replace

_STOP_TYPES = (OrdType.STOP, OrdType.STOP_LIMIT)


class ReferenceBook:
    def __init__(
        self,
        instrument: str,
        trading_day: date,
        lower_limit: int,
        upper_limit: int,
        prev_settlement: int,
        *,
        stp: SelfTradePrevention | None = None,
        trade_ids: Callable[[], str] | None = None,
    ) -> None:
        self.instrument = instrument
        self._day = trading_day
        self._lower = lower_limit
        self._upper = upper_limit
        self._prev = prev_settlement
        self._stp = stp
        self._trade_ids = trade_ids if trade_ids is not None else TradeIdCounter()
        self._phase = TradingPhase.CLOSED
        self._last: int | None = None
        self._live: list[Order] = []  # resting limit orders and held stops, oldest priority first
        self._fired: list[tuple[Order, int]] = []  # fired stops waiting to enter, with their print

    @property
    def phase(self) -> TradingPhase:
        return self._phase

    @property
    def trading_day(self) -> date:
        return self._day

    @property
    def last_price(self) -> int | None:
        return self._last

    # ----------------------------------------------------------------- commands

    def submit(self, order: NewOrder, time: int) -> list[Event]:
        reason = check_new_order(order, self._phase, self._lower, self._upper, self._day)
        if reason is None and self._find(order.order_id) is not None:
            reason = RejectReason.DUPLICATE_ORDER_ID
        if reason is not None:
            return [Rejected(order.order_id, order.cl_ord_id, reason, REJECT_TEXT[reason], time)]
        live = Order.from_request(order)
        live.status = next_status(live.status, EventKind.ACCEPT)
        events: list[Event] = [
            Accepted(
                live.order_id,
                live.cl_ord_id,
                live.side,
                live.ord_type,
                live.qty,
                live.price,
                live.stop_price,
                time,
            )
        ]
        self._enter(live, time, events)
        self._drain(time, events)
        return events

    def cancel(self, order_id: str, cl_ord_id: str, time: int) -> list[Event]:
        live = self._find(order_id)
        if live is None:
            reason = RejectReason.UNKNOWN_ORDER
            return [CancelRejected(order_id, cl_ord_id, None, reason, REJECT_TEXT[reason], None, time)]
        events: list[Event] = []
        self._cancel(live, CancelReason.CLIENT_REQUEST, time, events, cl_ord_id)
        return events

    def replace(
        self,
        order_id: str,
        cl_ord_id: str,
        *,
        qty: int,
        price: int | None = None,
        stop_price: int | None = None,
        time: int,
    ) -> list[Event]:
        live = self._find(order_id)
        if live is None:
            reason = RejectReason.UNKNOWN_ORDER
            return [ReplaceRejected(order_id, cl_ord_id, None, reason, REJECT_TEXT[reason], None, time)]
        reason = check_replace(
            self._phase, live.ord_type, live.cum_qty, qty, price, stop_price, self._lower, self._upper
        )
        if reason is not None:
            text = REJECT_TEXT[reason]
            return [ReplaceRejected(order_id, cl_ord_id, live.cl_ord_id, reason, text, live.status, time)]
        keep_priority = price == live.price and stop_price == live.stop_price and qty <= live.qty
        orig_cl_ord_id = live.cl_ord_id
        live.cl_ord_id = cl_ord_id
        live.qty = qty
        live.leaves_qty = qty - live.cum_qty
        live.price = price
        live.stop_price = stop_price
        live.status = next_status(live.status, EventKind.REPLACE)
        events: list[Event] = [
            Replaced(
                order_id,
                cl_ord_id,
                orig_cl_ord_id,
                live.side,
                qty,
                price,
                stop_price,
                live.status,
                live.cum_qty,
                live.leaves_qty,
                live.notional,
                keep_priority,
                time,
            )
        ]
        if not keep_priority:
            self._live.remove(live)
            self._enter(live, time, events)
            self._drain(time, events)
        return events

    def mass_cancel(
        self, which: OrderFilter, time: int, reason: CancelReason = CancelReason.MASS_CANCEL
    ) -> list[Event]:
        events: list[Event] = []
        for live in [o for o in self._live if which.matches(o.request)]:
            self._cancel(live, reason, time, events)
        return events

    def set_phase(self, phase: TradingPhase, time: int) -> list[Event]:
        events: list[Event] = [PhaseChanged(phase, self._phase, time)]
        self._phase = phase
        if phase is TradingPhase.CONTINUOUS:
            self._uncross(time, events)
            self._drain(time, events)
        return events

    def expire_day(self, trading_day: date, time: int) -> list[Event]:
        events: list[Event] = []
        for live in list(self._live):
            expire_date = live.request.expire_date
            if live.tif is TimeInForce.DAY or (
                live.tif is TimeInForce.GTD and expire_date is not None and expire_date <= trading_day
            ):
                self._live.remove(live)
                expired = live.leaves_qty
                live.leaves_qty = 0
                live.status = next_status(live.status, EventKind.EXPIRE)
                events.append(
                    Expired(live.order_id, live.cl_ord_id, live.side, expired, live.cum_qty, live.notional, time)
                )
        return events

    def new_day(
        self, trading_day: date, lower_limit: int, upper_limit: int, prev_settlement: int, time: int
    ) -> list[Event]:
        if self._phase is not TradingPhase.CLOSED:
            raise ValueError(f"new_day needs a CLOSED book, the phase is {self._phase}")
        self._day = trading_day
        self._lower = lower_limit
        self._upper = upper_limit
        self._prev = prev_settlement
        self._last = None
        events: list[Event] = []
        for live in list(self._live):
            prices = [p for p in (live.price, live.stop_price) if p is not None]
            if any(not lower_limit <= p <= upper_limit for p in prices):
                self._cancel(live, CancelReason.OUTSIDE_PRICE_LIMITS, time, events)
        return events

    def snapshot(self) -> BookSnapshot:
        def levels(side: Side, best_first: bool) -> tuple[LevelSnapshot, ...]:
            orders = [o for o in self._live if o.ord_type is OrdType.LIMIT and o.side is side]
            prices = sorted({o.price for o in orders}, reverse=best_first)  # type: ignore[type-var]
            return tuple(
                LevelSnapshot(p, tuple((o.order_id, o.leaves_qty) for o in orders if o.price == p))  # type: ignore[arg-type]
                for p in prices
            )

        stops = tuple(
            HeldStop(o.order_id, o.side, o.ord_type, o.stop_price, o.price, o.leaves_qty)  # type: ignore[arg-type]
            for o in self._live
            if o.ord_type in _STOP_TYPES
        )
        return BookSnapshot(self._phase, self._last, levels(Side.BUY, True), levels(Side.SELL, False), stops)

    # ----------------------------------------------------------------- matching

    def _enter(self, order: Order, time: int, events: list[Event]) -> None:
        """An order takes a new time priority: hold it, rest it, or match it."""
        if order.ord_type in _STOP_TYPES:
            if self._phase is TradingPhase.CONTINUOUS and self._last is not None and self._reached(order, self._last):
                self._fired.append((order, self._last))
            else:
                self._live.append(order)
        elif self._phase is TradingPhase.CONTINUOUS:
            self._execute(order, time, events)
        else:
            self._live.append(order)

    def _execute(self, order: Order, time: int, events: list[Event]) -> None:
        if order.ord_type is OrdType.MARKET:
            limit = self._upper if order.side is Side.BUY else self._lower
        else:
            limit = order.price  # type: ignore[assignment]
        if order.tif is TimeInForce.FOK and not self._fillable(order, limit):
            self._cancel(order, CancelReason.FOK_UNFILLABLE, time, events)
            return
        while order.leaves_qty > 0:
            resting = self._best(Side.SELL if order.side is Side.BUY else Side.BUY)
            if resting is None or not self._crosses(order.side, limit, resting.price):  # type: ignore[arg-type]
                break
            action = self_trade_action(order, resting, self._stp)
            if action is not None:
                if action in (StpAction.CANCEL_RESTING, StpAction.CANCEL_BOTH):
                    self._cancel(resting, CancelReason.SELF_TRADE, time, events)
                if action in (StpAction.CANCEL_INCOMING, StpAction.CANCEL_BOTH):
                    self._cancel(order, CancelReason.SELF_TRADE, time, events)
                    return
                continue
            price: int = resting.price  # type: ignore[assignment]
            qty = min(order.leaves_qty, resting.leaves_qty)
            self._fill(order, qty, price)
            self._fill(resting, qty, price)
            buy, sell = (order, resting) if order.side is Side.BUY else (resting, order)
            self._record_trade(buy, sell, price, qty, order.side, time, events)
        if order.leaves_qty == 0:
            return
        if order.ord_type is OrdType.MARKET:
            self._cancel(order, CancelReason.MARKET_REMAINDER, time, events)
        elif order.tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._cancel(order, CancelReason.IOC_REMAINDER, time, events)
        else:
            self._live.append(order)

    def _fillable(self, order: Order, limit: int) -> bool:
        opposite = Side.SELL if order.side is Side.BUY else Side.BUY
        candidates = [
            o
            for o in self._live
            if o.ord_type is OrdType.LIMIT
            and o.side is opposite
            and self._crosses(order.side, limit, o.price)  # type: ignore[arg-type]
        ]
        # sorted() is stable: equal prices stay in time priority
        candidates.sort(key=lambda o: o.price if opposite is Side.SELL else -o.price)  # type: ignore[operator]
        available = 0
        for resting in candidates:
            action = self_trade_action(order, resting, self._stp)
            if action is StpAction.CANCEL_RESTING:
                continue
            if action is not None:
                break
            available += resting.leaves_qty
        return available >= order.leaves_qty

    def _uncross(self, time: int, events: list[Event]) -> None:
        while self._crossed():
            price = self._auction_price()
            while True:
                bid = self._best(Side.BUY)
                ask = self._best(Side.SELL)
                if bid is None or ask is None or bid.price < price or ask.price > price:  # type: ignore[operator]
                    break
                if self._live.index(bid) > self._live.index(ask):
                    incoming, resting = bid, ask
                else:
                    incoming, resting = ask, bid
                action = self_trade_action(incoming, resting, self._stp)
                if action is not None:
                    if action in (StpAction.CANCEL_RESTING, StpAction.CANCEL_BOTH):
                        self._cancel(resting, CancelReason.SELF_TRADE, time, events)
                    if action in (StpAction.CANCEL_INCOMING, StpAction.CANCEL_BOTH):
                        self._cancel(incoming, CancelReason.SELF_TRADE, time, events)
                    continue
                qty = min(bid.leaves_qty, ask.leaves_qty)
                self._fill(bid, qty, price)
                self._fill(ask, qty, price)
                self._record_trade(bid, ask, price, qty, None, time, events)

    def _auction_price(self) -> int:
        """Try every tick between the limits: max volume, then min imbalance, then nearest to
        the previous settlement."""
        bids = [o for o in self._live if o.ord_type is OrdType.LIMIT and o.side is Side.BUY]
        asks = [o for o in self._live if o.ord_type is OrdType.LIMIT and o.side is Side.SELL]
        best: tuple[tuple[int, int, int], int] | None = None
        for p in range(self._lower, self._upper + 1):
            demand = sum(o.leaves_qty for o in bids if o.price >= p)  # type: ignore[operator]
            supply = sum(o.leaves_qty for o in asks if o.price <= p)  # type: ignore[operator]
            volume = min(demand, supply)
            if volume == 0:
                continue
            key = (volume, -abs(demand - supply), -abs(p - self._prev))
            if best is None or key > best[0]:
                best = (key, p)
        assert best is not None, "a crossed book has an auction price"
        return best[1]

    def _crossed(self) -> bool:
        bid = self._best(Side.BUY)
        ask = self._best(Side.SELL)
        return bid is not None and ask is not None and bid.price >= ask.price  # type: ignore[operator]

    def _best(self, side: Side) -> Order | None:
        """The first order in time priority at the best price of `side`."""
        best: Order | None = None
        for o in self._live:
            if o.ord_type is not OrdType.LIMIT or o.side is not side:
                continue
            if best is None:
                best = o
            elif side is Side.BUY and o.price > best.price:  # type: ignore[operator]
                best = o
            elif side is Side.SELL and o.price < best.price:  # type: ignore[operator]
                best = o
        return best

    @staticmethod
    def _crosses(side: Side, limit: int, resting_price: int) -> bool:
        return resting_price <= limit if side is Side.BUY else resting_price >= limit

    @staticmethod
    def _reached(stop_order: Order, last: int) -> bool:
        if stop_order.side is Side.BUY:
            return last >= stop_order.stop_price  # type: ignore[operator]
        return last <= stop_order.stop_price  # type: ignore[operator]

    def _fill(self, order: Order, qty: int, price: int) -> None:
        order.leaves_qty -= qty
        order.cum_qty += qty
        order.notional += qty * price
        kind = EventKind.FILL if order.leaves_qty else EventKind.FILL_COMPLETE
        order.status = next_status(order.status, kind)
        if order.leaves_qty == 0 and order in self._live:
            self._live.remove(order)

    def _record_trade(
        self,
        buy: Order,
        sell: Order,
        price: int,
        qty: int,
        aggressor: Side | None,
        time: int,
        events: list[Event],
    ) -> None:
        trade_id = self._trade_ids()
        events.append(
            Trade(trade_id, self.instrument, self._day, time, price, qty, aggressor, trade_side(buy), trade_side(sell))
        )
        self._last = price
        for o in list(self._live):
            if o.ord_type in _STOP_TYPES and self._reached(o, price):
                self._live.remove(o)
                self._fired.append((o, price))

    def _drain(self, time: int, events: list[Event]) -> None:
        while self._fired:
            order, last = self._fired.pop(0)
            order.ord_type = OrdType.MARKET if order.ord_type is OrdType.STOP else OrdType.LIMIT
            order.stop_price = None
            order.status = next_status(order.status, EventKind.TRIGGER)
            events.append(
                Triggered(
                    order.order_id, order.cl_ord_id, order.side, order.ord_type, order.price, order.leaves_qty, last, time
                )
            )
            self._execute(order, time, events)

    # ----------------------------------------------------------------- bookkeeping

    def _find(self, order_id: str) -> Order | None:
        for o in self._live:
            if o.order_id == order_id:
                return o
        return None

    def _cancel(
        self,
        order: Order,
        reason: CancelReason,
        time: int,
        events: list[Event],
        request_cl_ord_id: str | None = None,
    ) -> None:
        if order in self._live:
            self._live.remove(order)
        canceled = order.leaves_qty
        order.leaves_qty = 0
        order.status = next_status(order.status, EventKind.CANCEL)
        if request_cl_ord_id is None:
            cl_ord_id, orig_cl_ord_id = order.cl_ord_id, None
        else:
            cl_ord_id, orig_cl_ord_id = request_cl_ord_id, order.cl_ord_id
        events.append(
            Canceled(
                order.order_id,
                cl_ord_id,
                orig_cl_ord_id,
                order.side,
                reason,
                canceled,
                order.cum_qty,
                order.notional,
                time,
            )
        )
