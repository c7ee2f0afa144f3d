"""The fast price-time order book of one instrument.

Every public method takes the command time from the caller (the book reads no clock) and
returns the list of events the command caused, in the order they happened; the caller runs
pre-trade risk before `submit`, then journals the events and reports them over FIX. The naive
`ReferenceBook` has the same API and semantics and exists to be compared with this one.

Semantics shared by both books
------------------------------
- Prices are integer ticks, quantities whole lots. Every limit and stop price must lie within
  the day's price limits [lower_limit, upper_limit]. A MARKET order matches as a limit order
  at the limit price of its direction (upper for a buy, lower for a sell) and its remainder is
  cancelled, whatever its time in force.
- submit: a request failing a static check (see `validation`) or reusing the id of a live
  order gets `Rejected`. Otherwise `Accepted`, then, in CONTINUOUS, matching against the best
  prices, oldest first, each match one `Trade` at the resting price. FOK first checks that its
  whole quantity can fill (no event at all is caused by a failed check except its own
  `Canceled`). The remainder of MARKET is cancelled (MARKET_REMAINDER), of IOC and FOK
  cancelled (IOC_REMAINDER), of a DAY/GTC/GTD limit order it rests. In PRE_OPEN limit orders
  rest without matching.
- Stops are held aside. A buy stop triggers when a trade prints at or above its stop price, a
  sell stop at or below. Each print fires every stop it reaches, in arrival order; fired stops
  are processed after the command's own matching, one at a time (`Triggered`, then matching as
  MARKET or as LIMIT at their limit price, with a fresh time priority), and their prints may
  fire further stops (a cascade). A stop entered (or replaced) in CONTINUOUS whose stop the
  last price has already reached triggers at once. The last price resets at `new_day`.
- Self-trade prevention (see `self_trade`): CANCEL_RESTING cancels the resting order and
  matching goes on; CANCEL_INCOMING cancels the incoming remainder; CANCEL_BOTH both, resting
  first. A FOK's fill check counts only what it could really take: it skips resting orders
  that CANCEL_RESTING would cancel and stops at one that would cancel the FOK itself.
- cancel: `Canceled` (CLIENT_REQUEST) in any phase, or `CancelRejected` (UNKNOWN_ORDER).
- replace (only in PRE_OPEN and CONTINUOUS) restates quantity, price and stop price. Keeping
  price and stop and not raising the quantity keeps time priority; anything else takes a new
  priority and, in CONTINUOUS, a limit order whose new price crosses matches at once. The new
  quantity is the total order quantity: it must exceed the filled quantity, and leaves become
  qty - cum. An accepted replace is one `Replaced` event.
- set_phase: `PhaseChanged`; entering CONTINUOUS uncrosses a crossed book (after PRE_OPEN) at
  one price chosen by `auction.uncross_price` (the reference book tries every tick). Bids from
  the highest and asks from the lowest, oldest first, are paired at that price; trades carry
  no aggressor. A self-matching pair is handled as in continuous trading with the later order
  as the incoming one; if cancellations leave the book crossed, the uncross runs again.
- mass_cancel, expire_day and new_day act on their orders in time-priority order (oldest
  priority stamp first), resting and held alike.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable
from datetime import date
from heapq import heapify, heappop, heappush
from operator import attrgetter

from backoffice.domain.enums import Side

from .auction import uncross_price
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

# enum members bound once: in CPython 3.11 a class-attribute lookup of a member costs more
# than most of the work on the hot paths
_BUY = Side.BUY
_LIMIT = OrdType.LIMIT
_MARKET = OrdType.MARKET
_STOP = OrdType.STOP
_FOK = TimeInForce.FOK
_NO_REST = (TimeInForce.IOC, TimeInForce.FOK)
_CONTINUOUS = TradingPhase.CONTINUOUS
_ACCEPT = EventKind.ACCEPT
_CANCEL = EventKind.CANCEL
_FILL = EventKind.FILL
_FILL_COMPLETE = EventKind.FILL_COMPLETE
_CANCEL_INCOMING = StpAction.CANCEL_INCOMING
_CANCEL_RESTING = StpAction.CANCEL_RESTING
_CLIENT_REQUEST = CancelReason.CLIENT_REQUEST
_SELF_TRADE = CancelReason.SELF_TRADE
_by_seq = attrgetter("seq")


class _Level:
    """Orders at one price in time priority. Cancelled orders stay in the deque, marked not
    resting, until matching reaches them or the deque is compacted: cancel is O(1)."""

    __slots__ = ("orders", "qty", "count")

    def __init__(self) -> None:
        self.orders: deque[Order] = deque()
        self.qty = 0  # open quantity of the live orders
        self.count = 0  # number of live orders


class OrderBook:
    """One instrument's book. Bids and asks are dicts of price -> level plus a sorted list of
    keys whose last element is the best price (bids keyed by price, asks by -price)."""

    __slots__ = (
        "instrument",
        "_day",
        "_lower",
        "_upper",
        "_prev",
        "_stp",
        "_trade_ids",
        "_phase",
        "_last",
        "_seq",
        "_orders",
        "_bids",
        "_bid_keys",
        "_asks",
        "_ask_keys",
        "_held",
        "_buy_stops",
        "_sell_stops",
        "_fired",
    )

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
        self._seq = 0
        self._orders: dict[str, Order] = {}  # every live order: resting, held or being matched
        self._bids: dict[int, _Level] = {}
        self._bid_keys: list[int] = []
        self._asks: dict[int, _Level] = {}
        self._ask_keys: list[int] = []
        self._held: dict[str, Order] = {}  # stop orders waiting for their trigger
        self._buy_stops: list[tuple[int, int, Order]] = []  # heap of (stop, seq, order)
        self._sell_stops: list[tuple[int, int, Order]] = []  # heap of (-stop, seq, order)
        self._fired: deque[tuple[Order, int]] = deque()  # triggered stops and their print

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
        if reason is None and order.order_id in self._orders:
            reason = RejectReason.DUPLICATE_ORDER_ID
        if reason is not None:
            return [Rejected(order.order_id, order.cl_ord_id, reason, REJECT_TEXT[reason], time)]
        live = Order.from_request(order)
        live.status = next_status(live.status, _ACCEPT)
        self._seq += 1
        live.seq = self._seq
        self._orders[live.order_id] = live
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
        ord_type = live.ord_type
        if ord_type is _LIMIT or ord_type is _MARKET:
            if self._phase is _CONTINUOUS:
                self._execute(live, time, events)
            else:
                self._rest(live)
        else:
            self._hold(live)
        if self._fired:
            self._drain(time, events)
        return events

    def cancel(self, order_id: str, cl_ord_id: str, time: int) -> list[Event]:
        live = self._orders.get(order_id)
        if live is None:
            reason = RejectReason.UNKNOWN_ORDER
            return [CancelRejected(order_id, cl_ord_id, None, reason, REJECT_TEXT[reason], None, time)]
        events: list[Event] = []
        self._cancel(live, _CLIENT_REQUEST, time, events, cl_ord_id)
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
        live = self._orders.get(order_id)
        if live is None:
            reason = RejectReason.UNKNOWN_ORDER
            return [ReplaceRejected(order_id, cl_ord_id, None, reason, REJECT_TEXT[reason], None, time)]
        reason = check_replace(
            self._phase, live.ord_type, live.cum_qty, qty, price, stop_price, self._lower, self._upper
        )
        if reason is not None:
            return [
                ReplaceRejected(
                    order_id, cl_ord_id, live.cl_ord_id, reason, REJECT_TEXT[reason], live.status, time
                )
            ]
        keep = price == live.price and stop_price == live.stop_price and qty <= live.qty
        leaves = qty - live.cum_qty
        if live.resting:
            if keep:
                self._level_of(live).qty += leaves - live.leaves_qty
            else:
                self._unrest(live, detach=True)
        elif not keep:
            self._release_held(live)
        orig_cl_ord_id = live.cl_ord_id
        live.cl_ord_id = cl_ord_id
        live.qty = qty
        live.leaves_qty = leaves
        live.price = price
        live.stop_price = stop_price
        live.status = next_status(live.status, EventKind.REPLACE)
        if not keep:
            self._seq += 1
            live.seq = self._seq
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
                leaves,
                live.notional,
                keep,
                time,
            )
        ]
        if not keep:
            if live.ord_type is _LIMIT:
                if self._phase is _CONTINUOUS:
                    self._execute(live, time, events)
                else:
                    self._rest(live)
            else:
                self._hold(live)
            if self._fired:
                self._drain(time, events)
        return events

    def mass_cancel(
        self, which: OrderFilter, time: int, reason: CancelReason = CancelReason.MASS_CANCEL
    ) -> list[Event]:
        events: list[Event] = []
        for live in sorted((o for o in self._orders.values() if which.matches(o.request)), key=_by_seq):
            self._cancel(live, reason, time, events)
        return events

    def set_phase(self, phase: TradingPhase, time: int) -> list[Event]:
        events: list[Event] = [PhaseChanged(phase, self._phase, time)]
        self._phase = phase
        if phase is _CONTINUOUS:
            self._uncross(time, events)
            self._drain(time, events)
        return events

    def expire_day(self, trading_day: date, time: int) -> list[Event]:
        """End of `trading_day`: expire DAY orders and GTD orders whose last day it was."""
        events: list[Event] = []
        due = [
            o
            for o in self._orders.values()
            if o.tif is TimeInForce.DAY
            or (o.tif is TimeInForce.GTD and o.request.expire_date <= trading_day)  # type: ignore[operator]
        ]
        for live in sorted(due, key=_by_seq):
            self._remove(live)
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
        """Start a trading day (only while CLOSED): new limits and reference price, no last
        price yet; good-till orders whose price or stop lies outside the new limits are
        cancelled (OUTSIDE_PRICE_LIMITS)."""
        if self._phase is not TradingPhase.CLOSED:
            raise ValueError(f"new_day needs a CLOSED book, the phase is {self._phase}")
        self._day = trading_day
        self._lower = lower_limit
        self._upper = upper_limit
        self._prev = prev_settlement
        self._last = None

        def outside(price: int | None) -> bool:
            return price is not None and not lower_limit <= price <= upper_limit

        events: list[Event] = []
        due = [o for o in self._orders.values() if outside(o.price) or outside(o.stop_price)]
        for live in sorted(due, key=_by_seq):
            self._cancel(live, CancelReason.OUTSIDE_PRICE_LIMITS, time, events)
        return events

    def snapshot(self) -> BookSnapshot:
        bids = tuple(self._level_snapshot(key, self._bids[key]) for key in reversed(self._bid_keys))
        asks = tuple(self._level_snapshot(-key, self._asks[-key]) for key in reversed(self._ask_keys))
        stops = tuple(
            HeldStop(o.order_id, o.side, o.ord_type, o.stop_price, o.price, o.leaves_qty)  # type: ignore[arg-type]
            for o in sorted(self._held.values(), key=_by_seq)
        )
        return BookSnapshot(self._phase, self._last, bids, asks, stops)

    # ----------------------------------------------------------------- matching

    def _execute(self, order: Order, time: int, events: list[Event]) -> None:
        """Match an accepted LIMIT or MARKET order in CONTINUOUS, then rest or cancel the rest."""
        buy = order.side is _BUY
        if buy:
            levels, keys, sign = self._asks, self._ask_keys, -1
            limit = self._upper if order.ord_type is _MARKET else order.price
        else:
            levels, keys, sign = self._bids, self._bid_keys, 1
            limit = self._lower if order.ord_type is _MARKET else order.price
        key_limit = limit * sign  # type: ignore[operator]
        stp = order.request.stp or self._stp
        if order.tif is _FOK and not self._fillable(order, levels, keys, sign, key_limit):
            self._cancel(order, CancelReason.FOK_UNFILLABLE, time, events)
            return
        aggressor = order.side
        orders = self._orders
        leaves = order.leaves_qty
        while leaves and keys and keys[-1] >= key_limit:
            price = keys[-1] * sign
            level = levels[price]
            queue = level.orders
            while queue:
                resting = queue[0]
                if not resting.resting:
                    queue.popleft()
                    continue
                if stp is not None:
                    action = self_trade_action(order, resting, self._stp)
                    if action is not None:
                        if action is not _CANCEL_INCOMING:
                            queue.popleft()
                            resting.resting = False
                            level.count -= 1
                            level.qty -= resting.leaves_qty
                            del orders[resting.order_id]
                            self._report_cancel(resting, _SELF_TRADE, time, events)
                        if action is not _CANCEL_RESTING:
                            self._cancel(order, _SELF_TRADE, time, events)
                            self._drop_empty(levels, keys, price, level)
                            return
                        continue
                qty = leaves if leaves < resting.leaves_qty else resting.leaves_qty
                leaves -= qty
                order.leaves_qty = leaves
                order.cum_qty += qty
                order.notional += qty * price
                order.status = next_status(order.status, _FILL if leaves else _FILL_COMPLETE)
                rest_leaves = resting.leaves_qty - qty
                resting.leaves_qty = rest_leaves
                resting.cum_qty += qty
                resting.notional += qty * price
                resting.status = next_status(resting.status, _FILL if rest_leaves else _FILL_COMPLETE)
                level.qty -= qty
                if not rest_leaves:
                    queue.popleft()
                    resting.resting = False
                    level.count -= 1
                    del orders[resting.order_id]
                taker, maker = trade_side(order), trade_side(resting)
                events.append(
                    Trade(
                        self._trade_ids(),
                        self.instrument,
                        self._day,
                        time,
                        price,
                        qty,
                        aggressor,
                        taker if buy else maker,
                        maker if buy else taker,
                    )
                )
                self._printed(price)
                if not leaves:
                    break
            self._drop_empty(levels, keys, price, level)
        if not leaves:
            del orders[order.order_id]
        elif order.ord_type is _MARKET:
            self._cancel(order, CancelReason.MARKET_REMAINDER, time, events)
        elif order.tif in _NO_REST:
            self._cancel(order, CancelReason.IOC_REMAINDER, time, events)
        else:
            self._rest(order)

    def _fillable(
        self, order: Order, levels: dict[int, _Level], keys: list[int], sign: int, key_limit: int
    ) -> bool:
        """Whether a FOK order would fill completely, self-trade prevention included."""
        need = order.leaves_qty
        check_stp = (order.request.stp or self._stp) is not None
        for i in range(len(keys) - 1, -1, -1):
            key = keys[i]
            if key < key_limit:
                return False
            level = levels[key * sign]
            if not check_stp:
                need -= level.qty
                if need <= 0:
                    return True
                continue
            for resting in level.orders:
                if not resting.resting:
                    continue
                action = self_trade_action(order, resting, self._stp)
                if action is _CANCEL_RESTING:
                    continue
                if action is not None:
                    return False
                need -= resting.leaves_qty
                if need <= 0:
                    return True
        return False

    def _uncross(self, time: int, events: list[Event]) -> None:
        bids, asks = self._bids, self._asks
        bid_keys, ask_keys = self._bid_keys, self._ask_keys
        while bid_keys and ask_keys and bid_keys[-1] >= -ask_keys[-1]:
            price = uncross_price(
                ((p, level.qty) for p, level in bids.items()),
                ((p, level.qty) for p, level in asks.items()),
                self._prev,
            )
            while bid_keys and ask_keys:
                bid = self._front(bids[bid_keys[-1]])
                ask = self._front(asks[-ask_keys[-1]])
                if bid.price < price or ask.price > price:  # type: ignore[operator]
                    break
                incoming, resting = (bid, ask) if bid.seq > ask.seq else (ask, bid)
                action = self_trade_action(incoming, resting, self._stp)
                if action is not None:
                    if action is not _CANCEL_INCOMING:
                        self._cancel(resting, _SELF_TRADE, time, events)
                    if action is not _CANCEL_RESTING:
                        self._cancel(incoming, _SELF_TRADE, time, events)
                    continue
                qty = min(bid.leaves_qty, ask.leaves_qty)
                self._fill_resting(bid, qty, price)  # type: ignore[arg-type]
                self._fill_resting(ask, qty, price)  # type: ignore[arg-type]
                events.append(
                    Trade(
                        self._trade_ids(),
                        self.instrument,
                        self._day,
                        time,
                        price,  # type: ignore[arg-type]
                        qty,
                        None,
                        trade_side(bid),
                        trade_side(ask),
                    )
                )
                self._printed(price)  # type: ignore[arg-type]

    def _fill_resting(self, order: Order, qty: int, price: int) -> None:
        self._level_of(order).qty -= qty
        order.leaves_qty -= qty
        order.cum_qty += qty
        order.notional += qty * price
        order.status = next_status(order.status, _FILL if order.leaves_qty else _FILL_COMPLETE)
        if not order.leaves_qty:
            self._unrest(order)
            del self._orders[order.order_id]

    @staticmethod
    def _front(level: _Level) -> Order:
        queue = level.orders
        while not queue[0].resting:
            queue.popleft()
        return queue[0]

    # ----------------------------------------------------------------- stops

    def _hold(self, order: Order) -> None:
        stop = order.stop_price
        last = self._last
        if self._phase is _CONTINUOUS and last is not None:
            if (last >= stop) if order.side is _BUY else (last <= stop):  # type: ignore[operator]
                self._fired.append((order, last))
                return
        self._held[order.order_id] = order
        if order.side is _BUY:
            heappush(self._buy_stops, (stop, order.seq, order))  # type: ignore[arg-type]
        else:
            heappush(self._sell_stops, (-stop, order.seq, order))  # type: ignore[operator]

    def _release_held(self, order: Order) -> None:
        """Forget a held stop; its heap entry goes stale and is skipped or compacted away."""
        held = self._held
        del held[order.order_id]
        if len(self._buy_stops) + len(self._sell_stops) > 2 * len(held) + 32:
            self._buy_stops = [(o.stop_price, o.seq, o) for o in held.values() if o.side is _BUY]  # type: ignore[misc]
            self._sell_stops = [(-o.stop_price, o.seq, o) for o in held.values() if o.side is not _BUY]  # type: ignore[misc, operator]
            heapify(self._buy_stops)
            heapify(self._sell_stops)

    def _printed(self, price: int) -> None:
        """A trade printed at `price`: it is the last price, and it fires the stops it reaches."""
        self._last = price
        buys, sells = self._buy_stops, self._sell_stops
        if not ((buys and buys[0][0] <= price) or (sells and sells[0][0] <= -price)):
            return
        held = self._held
        fired = []
        while buys and buys[0][0] <= price:
            _, seq, order = heappop(buys)
            if held.get(order.order_id) is order and order.seq == seq:
                fired.append(order)
        while sells and sells[0][0] <= -price:
            _, seq, order = heappop(sells)
            if held.get(order.order_id) is order and order.seq == seq:
                fired.append(order)
        fired.sort(key=_by_seq)
        for order in fired:
            del held[order.order_id]
            self._fired.append((order, price))

    def _drain(self, time: int, events: list[Event]) -> None:
        """Process fired stops one at a time; their own prints may fire more."""
        fired = self._fired
        while fired:
            order, last = fired.popleft()
            order.ord_type = _MARKET if order.ord_type is _STOP else _LIMIT
            order.stop_price = None
            order.status = next_status(order.status, EventKind.TRIGGER)
            self._seq += 1
            order.seq = self._seq
            events.append(
                Triggered(
                    order.order_id,
                    order.cl_ord_id,
                    order.side,
                    order.ord_type,
                    order.price,
                    order.leaves_qty,
                    last,
                    time,
                )
            )
            self._execute(order, time, events)

    # ----------------------------------------------------------------- bookkeeping

    def _cancel(
        self,
        order: Order,
        reason: CancelReason,
        time: int,
        events: list[Event],
        request_cl_ord_id: str | None = None,
    ) -> None:
        self._remove(order)
        self._report_cancel(order, reason, time, events, request_cl_ord_id)

    def _report_cancel(
        self,
        order: Order,
        reason: CancelReason,
        time: int,
        events: list[Event],
        request_cl_ord_id: str | None = None,
    ) -> None:
        """Finish an order already taken out of the book as cancelled, and say so."""
        canceled = order.leaves_qty
        order.leaves_qty = 0
        order.status = next_status(order.status, _CANCEL)
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

    def _remove(self, order: Order) -> None:
        """Take a live order out of wherever it is (level, held stops, or being matched)."""
        if order.resting:
            self._unrest(order)
        elif self._held.get(order.order_id) is order:
            self._release_held(order)
        del self._orders[order.order_id]

    def _rest(self, order: Order) -> None:
        price: int = order.price  # type: ignore[assignment]
        if order.side is _BUY:
            levels, keys, key = self._bids, self._bid_keys, price
        else:
            levels, keys, key = self._asks, self._ask_keys, -price
        level = levels.get(price)
        if level is None:
            level = levels[price] = _Level()
            if not keys or key > keys[-1]:
                keys.append(key)
            else:
                insort(keys, key)
        level.orders.append(order)
        level.qty += order.leaves_qty
        level.count += 1
        order.resting = True

    def _unrest(self, order: Order, detach: bool = False) -> None:
        """Take a resting order off its level: lazily, or at once (`detach`) when the same
        record is about to rest again with a new priority."""
        price: int = order.price  # type: ignore[assignment]
        if order.side is _BUY:
            levels, keys, key = self._bids, self._bid_keys, price
        else:
            levels, keys, key = self._asks, self._ask_keys, -price
        level = levels[price]
        order.resting = False
        level.count -= 1
        if level.count:
            level.qty -= order.leaves_qty
            queue = level.orders
            if detach:
                queue.remove(order)
            elif len(queue) > 2 * level.count + 16:
                level.orders = deque(o for o in queue if o.resting)
        else:
            del levels[price]
            if keys[-1] == key:
                keys.pop()
            else:
                del keys[bisect_left(keys, key)]

    @staticmethod
    def _drop_empty(levels: dict[int, _Level], keys: list[int], price: int, level: _Level) -> None:
        """After matching at the best level: remove it if no live order is left."""
        if not level.count:
            del levels[price]
            keys.pop()

    def _level_of(self, order: Order) -> _Level:
        levels = self._bids if order.side is _BUY else self._asks
        return levels[order.price]  # type: ignore[index]

    @staticmethod
    def _level_snapshot(price: int, level: _Level) -> LevelSnapshot:
        return LevelSnapshot(price, tuple((o.order_id, o.leaves_qty) for o in level.orders if o.resting))
