"""The risk engine: checks an order, holds what it needs, and settles the hold as it fills.

The caller wires: request -> `pre_trade` -> book -> each fill -> `on_fill` -> journal, and a
cancel, expiry or unfilled market remainder -> `on_cancel`. An accepted order gets an
`OrderHold`: an opening order's frozen margin and fee, or a closing order's reserved lots.
Fills convert the hold into position and funds at the fill price; a cancel gives back what
is left. The engine lives for one trading day, built from the settled start-of-day state.

Closing fills are charged by the lots they actually close: today's lots at the close-today
fee, yesterday's at the close fee, one rounded fee line per bucket (on SHFE/INE a close names
its bucket; elsewhere one fill may close both). Realized close P&L per bucket, mark-to-market
style: yesterday's lots against the previous settlement price, today's against their average
open price, each rounded to the cent. It feeds available funds only; the back office's
settlement, which matches lots exactly, remains the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backoffice.domain.enums import OffsetFlag, PositionDirection, Side
from backoffice.domain.money import round_money

from .checks import CHECKS_BEFORE_FUNDS, RiskContext, check_order, funds_shortfall, opening_hold
from .codes import Reject, ResultCode
from .funds import AccountFunds, FrozenOrder, fee_amount, margin_amount
from .killswitch import KillSwitch
from .limits import CancelCounter, OrderThrottle, PriceBand, price_band
from .positions import ClosedLots, CloseTarget, PositionBook, close_target, position_direction
from .request import OrderRequest
from .state import StartOfDayState

ZERO = Decimal(0)


@dataclass(slots=True)
class OrderHold:
    """What risk holds for one accepted order until it is filled or cancelled."""

    hold_id: int
    account: str
    member: str
    instrument: str
    side: Side
    offset: OffsetFlag
    direction: PositionDirection
    target: CloseTarget | None  # for closing orders: the lots reserved
    qty: int
    leaves: int
    forced: bool
    frozen: FrozenOrder | None  # for opening orders: margin and fee frozen


@dataclass(frozen=True, slots=True)
class ClosedPart:
    bucket: CloseTarget  # TODAY or YESTERDAY
    qty: int
    margin_released: Decimal
    fee: Decimal
    realized_pnl: Decimal


@dataclass(frozen=True, slots=True)
class FillOutcome:
    """What one fill did to the account: for the journal and the statement."""

    hold_id: int
    qty: int
    price: Decimal
    fee: Decimal
    margin_added: Decimal  # opening fills: margin at the fill price
    frozen_margin_released: Decimal
    frozen_fee_released: Decimal
    closed: tuple[ClosedPart, ...]  # closing fills: per bucket

    @property
    def margin_released(self) -> Decimal:
        return sum((p.margin_released for p in self.closed), ZERO)

    @property
    def realized_pnl(self) -> Decimal:
        return sum((p.realized_pnl for p in self.closed), ZERO)


@dataclass(frozen=True, slots=True)
class Release:
    """What a cancel gave back: lots unreserved or unfrozen, and frozen money released."""

    lots: int
    margin: Decimal
    fee: Decimal


class RiskEngine:
    def __init__(self, state: StartOfDayState) -> None:
        self.state = state
        self.positions = PositionBook()
        self.funds: dict[str, AccountFunds] = {code: AccountFunds(balance=a.balance) for code, a in state.accounts.items()}
        for carried in state.positions:
            if carried.account not in self.funds:
                raise ValueError(f"carried position for unknown account {carried.account!r}")
            position = self.positions.position(carried.account, carried.instrument, carried.direction)
            position.yesterday += carried.qty
            position.yesterday_margin += carried.margin
            self.funds[carried.account].margin_used += carried.margin
        self.kill_switch = KillSwitch(instruments=set(state.halted_instruments))
        self.throttle = OrderThrottle(state.limits.max_orders_per_second)
        self.cancels = CancelCounter(state.limits.max_cancels_per_day)
        self.bands: dict[str, PriceBand] = {
            code: price_band(prev, state.instruments[code].terms)
            for code, prev in state.previous_settlement.items()
            if code in state.instruments
        }
        self._holds: dict[int, OrderHold] = {}
        self._last_id = 0

    def pre_trade(self, request: OrderRequest, now: datetime) -> Reject | OrderHold:
        """Run the checks; on success hold funds or lots and return the hold."""
        ctx = RiskContext(self.state, self.positions, self.funds, self.kill_switch, self.throttle, self.bands, now)
        refused = check_order(ctx, request, CHECKS_BEFORE_FUNDS)
        if refused is not None:
            return refused
        opening = request.offset is OffsetFlag.OPEN
        if opening:
            margin, fee = opening_hold(ctx, request)
            refused = funds_shortfall(ctx, request, margin, fee)
            if refused is not None:
                return refused
        self.throttle.record(request.account, now)
        instrument = self.state.instruments[request.instrument]
        qty = int(request.qty)
        direction = position_direction(request.side, request.offset)
        position = self.positions.position(request.account, request.instrument, direction)
        frozen = None
        target = None
        if opening:
            frozen = self.funds[request.account].freeze(qty, margin, fee)
            position.pending_open += qty
        else:
            target = close_target(self.state.exchanges[instrument.exchange], request.offset)
            if not position.reserve(target, qty):
                raise RuntimeError("closable lots vanished between check and reserve")
        self._last_id += 1
        hold = OrderHold(
            hold_id=self._last_id,
            account=request.account,
            member=self.state.accounts[request.account].member,
            instrument=request.instrument,
            side=request.side,
            offset=request.offset,
            direction=direction,
            target=target,
            qty=qty,
            leaves=qty,
            forced=request.forced,
            frozen=frozen,
        )
        self._holds[hold.hold_id] = hold
        return hold

    def on_fill(self, hold: OrderHold, qty: int, price: Decimal) -> FillOutcome:
        """Convert `qty` lots of the hold into position and funds at the fill price."""
        if not 0 < qty <= hold.leaves:
            raise ValueError(f"fill of {qty} lots on hold {hold.hold_id} with {hold.leaves} leaves")
        instrument = self.state.instruments[hold.instrument]
        rates = self.state.accounts[hold.account].rates[instrument.product]
        multiplier = instrument.terms.multiplier
        funds = self.funds[hold.account]
        position = self.positions.position(hold.account, hold.instrument, hold.direction)
        if hold.frozen is not None:
            margin = margin_amount(price, qty, multiplier, rates.margin_rate(hold.direction))
            fee = fee_amount(price, qty, multiplier, rates, OffsetFlag.OPEN)
            released_margin, released_fee = funds.convert(hold.frozen, qty, margin, fee)
            position.pending_open -= qty
            position.add_open(qty, price, margin)
            outcome = FillOutcome(hold.hold_id, qty, price, fee, margin, released_margin, released_fee, ())
        else:
            assert hold.target is not None
            priority = self.state.exchanges[instrument.exchange].close_priority
            closed = tuple(self._close_part(hold, lots, price) for lots in position.close(hold.target, qty, priority))
            for part in closed:
                funds.close(part.margin_released, part.fee, part.realized_pnl)
            fee = sum((p.fee for p in closed), ZERO)
            outcome = FillOutcome(hold.hold_id, qty, price, fee, ZERO, ZERO, ZERO, closed)
        hold.leaves -= qty
        if not hold.leaves:
            del self._holds[hold.hold_id]
        return outcome

    def on_cancel(self, hold: OrderHold) -> Release:
        """The order will not fill further (cancel, expiry, IOC or market remainder): release its leaves."""
        lots = hold.leaves
        position = self.positions.position(hold.account, hold.instrument, hold.direction)
        margin = fee = ZERO
        if hold.frozen is not None:
            margin, fee = self.funds[hold.account].release(hold.frozen)
            position.pending_open -= lots
        elif lots:
            assert hold.target is not None
            position.release(hold.target, lots)
        hold.leaves = 0
        self._holds.pop(hold.hold_id, None)
        return Release(lots, margin, fee)

    def amend(self, hold: OrderHold, request: OrderRequest, now: datetime, *, check: bool = True) -> Reject | None:
        """Re-hold a working order for a cancel/replace: `request` is the order as amended, its
        quantity the new leaves. The checks run as for a new order with this order's own
        freeze or reservation given back first; on refusal the old hold is restored exactly.
        `check=False` re-holds without checks: for undoing an amendment the book refused."""
        position = self.positions.position(hold.account, hold.instrument, hold.direction)
        funds = self.funds[hold.account]
        old_leaves = hold.leaves
        old_margin = old_fee = ZERO
        if hold.frozen is not None:
            old_margin, old_fee = funds.release(hold.frozen)
            position.pending_open -= old_leaves
        elif old_leaves:
            assert hold.target is not None
            position.release(hold.target, old_leaves)
        ctx = RiskContext(self.state, self.positions, self.funds, self.kill_switch, self.throttle, self.bands, now)
        refused = check_order(ctx, request) if check else None
        if refused is None:
            leaves = int(request.qty)
            margin, fee = opening_hold(ctx, request) if hold.frozen is not None else (ZERO, ZERO)
        else:
            leaves, margin, fee = old_leaves, old_margin, old_fee
        if hold.frozen is not None:
            hold.frozen = funds.freeze(leaves, margin, fee)
            position.pending_open += leaves
        elif leaves:
            assert hold.target is not None
            position.reserve(hold.target, leaves)
        hold.qty += leaves - old_leaves
        hold.leaves = leaves
        return refused

    def on_cancel_request(self, account: str, instrument: str) -> Reject | None:
        """Count a client's cancel request against the daily limit; a cancel over it is refused."""
        if account not in self.state.accounts:
            return ResultCode.UNKNOWN_ACCOUNT.reject(account=account)
        if instrument not in self.state.instruments:
            return ResultCode.UNKNOWN_INSTRUMENT.reject(instrument=instrument)
        if not self.cancels.allows(account, instrument):
            return ResultCode.CANCEL_LIMIT.reject(limit=self.cancels.limit)
        self.cancels.record(account, instrument)
        return None

    def holds(self) -> list[OrderHold]:
        """The holds of working orders, oldest first."""
        return list(self._holds.values())

    def orders_to_cancel(self) -> list[OrderHold]:
        """Working orders that the kill switch now blocks; the caller cancels them via the book."""
        return self.kill_switch.orders_to_cancel(self._holds.values())

    def _close_part(self, hold: OrderHold, lots: ClosedLots, price: Decimal) -> ClosedPart:
        instrument = self.state.instruments[hold.instrument]
        rates = self.state.accounts[hold.account].rates[instrument.product]
        multiplier = instrument.terms.multiplier
        if lots.bucket is CloseTarget.TODAY:
            offset, reference = OffsetFlag.CLOSE_TODAY, lots.open_price
        else:
            offset, reference = OffsetFlag.CLOSE, self.state.previous_settlement[hold.instrument]
        assert reference is not None
        move = price - reference if hold.direction is PositionDirection.LONG else reference - price
        return ClosedPart(
            bucket=lots.bucket,
            qty=lots.qty,
            margin_released=lots.margin,
            fee=fee_amount(price, lots.qty, multiplier, rates, offset),
            realized_pnl=round_money(move * lots.qty * multiplier),
        )
