"""Pre-trade checks: a fixed list of small pure functions, each `(ctx, request) -> Reject | None`.

The list runs in order and stops at the first refusal, so each check may rely on the ones
before it (the instrument exists, the quantity is whole, the account is known...) and stays a
few lines long. Validation of the request against reference data comes first (1xx codes),
then the account's state (2xx). A check returns a `Reject` (the code plus Text(58) with its
figures) rather than a bare code, so the client is told *what* limit it hit.

Forced liquidation (`request.forced`) must close. Because funds, the position limit and the
member block only ever restrain opening orders, a forced close passes them by construction;
it also passes an account's HALTED status and account/member kill switches. It is still held
to the instrument being listed and trading, the tick, the price limits, the quantity rules,
the throttle and the closable quantity: the exchange would refuse those anyway.

Freeze price: a priced order (LIMIT, STOP_LIMIT) freezes at its limit price; a MARKET or STOP
order at the worst price it can trade at, the day's limit up for a buy and limit down for a
sell, so its freeze is never too small.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backoffice.domain.enums import AccountStatus, OffsetFlag, Side

from .codes import Reject, ResultCode
from .funds import AccountFunds, fee_amount, margin_amount
from .killswitch import KillLevel, KillSwitch
from .limits import OrderThrottle, PriceBand
from .positions import PositionBook, close_target, position_direction
from .request import PRICED_TYPES, STOP_TYPES, SUPPORTED_TIME_IN_FORCE, OrderRequest
from .state import StartOfDayState


@dataclass(frozen=True, slots=True)
class RiskContext:
    """Everything a check may look at, including the time of the request."""

    state: StartOfDayState
    positions: PositionBook
    funds: Mapping[str, AccountFunds]
    kill_switch: KillSwitch
    throttle: OrderThrottle
    bands: Mapping[str, PriceBand]  # by instrument, from the previous settlement
    now: datetime


def freeze_price(band: PriceBand, request: OrderRequest) -> Decimal:
    if request.price is not None:
        return request.price
    return band.upper if request.side is Side.BUY else band.lower


def opening_hold(ctx: RiskContext, request: OrderRequest) -> tuple[Decimal, Decimal]:
    """(margin, fee) an opening order freezes at its freeze price."""
    instrument = ctx.state.instruments[request.instrument]
    rates = ctx.state.accounts[request.account].rates[instrument.product]
    price = freeze_price(ctx.bands[request.instrument], request)
    qty = int(request.qty)
    multiplier = instrument.terms.multiplier
    direction = position_direction(request.side, request.offset)
    margin = margin_amount(price, qty, multiplier, rates.margin_rate(direction))
    return margin, fee_amount(price, qty, multiplier, rates, OffsetFlag.OPEN)


# --- 1xx validation ---------------------------------------------------------------------


def check_instrument_known(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if request.instrument not in ctx.state.instruments:
        return ResultCode.UNKNOWN_INSTRUMENT.reject(instrument=request.instrument)
    return None


def check_instrument_listed(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if not ctx.state.instruments[request.instrument].is_listed_on(ctx.state.trading_day):
        return ResultCode.INSTRUMENT_NOT_LISTED.reject(instrument=request.instrument, day=ctx.state.trading_day.isoformat())
    return None


def check_reference_price(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if request.instrument not in ctx.bands:
        return ResultCode.NO_REFERENCE_PRICE.reject(instrument=request.instrument)
    return None


def check_order_fields(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    kind = request.ord_type.name
    if request.tif not in SUPPORTED_TIME_IN_FORCE:
        return ResultCode.UNSUPPORTED_TIME_IN_FORCE.reject(tif=request.tif.name)
    priced = request.ord_type in PRICED_TYPES
    if priced and request.price is None:
        return ResultCode.PRICE_REQUIRED.reject(ord_type=kind)
    if not priced and request.price is not None:
        return ResultCode.PRICE_NOT_ALLOWED.reject(ord_type=kind)
    stopped = request.ord_type in STOP_TYPES
    if stopped and request.stop_price is None:
        return ResultCode.STOP_PRICE_REQUIRED.reject(ord_type=kind)
    if not stopped and request.stop_price is not None:
        return ResultCode.STOP_PRICE_NOT_ALLOWED.reject(ord_type=kind)
    for price in (request.price, request.stop_price):
        if price is not None and not price.is_finite():
            return ResultCode.PRICE_NOT_A_NUMBER.reject(price=price)
    return None


def check_quantity(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    qty = request.qty
    if not qty.is_finite() or qty != qty.to_integral_value():
        return ResultCode.QTY_NOT_WHOLE.reject(qty=qty)
    if qty <= 0:
        return ResultCode.QTY_NOT_POSITIVE.reject(qty=qty)
    max_qty = ctx.state.instruments[request.instrument].terms.max_order_size
    if qty > max_qty:
        return ResultCode.QTY_ABOVE_MAX.reject(qty=qty, max_qty=max_qty)
    return None


def check_price_tick(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    tick = ctx.state.instruments[request.instrument].terms.tick_size
    if request.price is not None and request.price % tick != 0:
        return ResultCode.PRICE_OFF_TICK.reject(price=request.price, tick=tick)
    if request.stop_price is not None and request.stop_price % tick != 0:
        return ResultCode.STOP_PRICE_OFF_TICK.reject(price=request.stop_price, tick=tick)
    return None


def check_price_limits(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    band = ctx.bands[request.instrument]
    if request.price is not None and request.price > band.upper:
        return ResultCode.PRICE_ABOVE_LIMIT.reject(price=request.price, limit=band.upper)
    if request.price is not None and request.price < band.lower:
        return ResultCode.PRICE_BELOW_LIMIT.reject(price=request.price, limit=band.lower)
    # A stop outside the band could never trigger: last trades stay within the limits.
    if request.stop_price is not None and not band.contains(request.stop_price):
        return ResultCode.STOP_PRICE_OUTSIDE_LIMITS.reject(price=request.stop_price, lower=band.lower, upper=band.upper)
    return None


def check_forced_closes(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if request.forced and request.offset is OffsetFlag.OPEN:
        return ResultCode.FORCED_MUST_CLOSE.reject()
    return None


def check_account_known(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if request.account not in ctx.state.accounts:
        return ResultCode.UNKNOWN_ACCOUNT.reject(account=request.account)
    return None


# --- 2xx risk ----------------------------------------------------------------------------


def check_account_active(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    status = ctx.state.accounts[request.account].status
    if status is AccountStatus.CLOSED:
        return ResultCode.ACCOUNT_CLOSED.reject(account=request.account)
    if status is AccountStatus.HALTED and not request.forced:
        return ResultCode.ACCOUNT_HALTED.reject(account=request.account)
    return None


def check_rates(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    product = ctx.state.instruments[request.instrument].product
    if product not in ctx.state.accounts[request.account].rates:
        return ResultCode.NO_RATES.reject(product=product)
    return None


def check_kill_switch(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    member = ctx.state.accounts[request.account].member
    level = ctx.kill_switch.blocking(request.account, member, request.instrument, request.forced)
    if level is KillLevel.ALL:
        return ResultCode.TRADING_HALTED.reject()
    if level is KillLevel.MEMBER:
        return ResultCode.MEMBER_HALTED.reject(member=member)
    if level is KillLevel.ACCOUNT:
        return ResultCode.ACCOUNT_HALTED.reject(account=request.account)
    if level is KillLevel.INSTRUMENT:
        return ResultCode.INSTRUMENT_HALTED.reject(instrument=request.instrument)
    return None


def check_member_block(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    member = ctx.state.accounts[request.account].member
    if request.offset is OffsetFlag.OPEN and member in ctx.state.blocked_members:
        return ResultCode.MEMBER_BLOCKED.reject(member=member)
    return None


def check_throttle(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if not ctx.throttle.allows(request.account, ctx.now):
        return ResultCode.THROTTLED.reject(limit=ctx.throttle.limit)
    return None


def check_closable(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if request.offset is OffsetFlag.OPEN:
        return None
    instrument = ctx.state.instruments[request.instrument]
    target = close_target(ctx.state.exchanges[instrument.exchange], request.offset)
    position = ctx.positions.peek(request.account, request.instrument, position_direction(request.side, request.offset))
    closable = position.closable(target)
    if request.qty > closable:
        return ResultCode.CLOSE_EXCEEDS_POSITION.reject(qty=request.qty, closable=closable)
    return None


def check_position_limit(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if request.offset is not OffsetFlag.OPEN:
        return None
    limit = ctx.state.instruments[request.instrument].terms.position_limit
    position = ctx.positions.peek(request.account, request.instrument, position_direction(request.side, request.offset))
    total = position.total + position.pending_open + int(request.qty)
    if total > limit:
        return ResultCode.POSITION_LIMIT.reject(total=total, limit=limit)
    return None


def check_funds(ctx: RiskContext, request: OrderRequest) -> Reject | None:
    if request.offset is not OffsetFlag.OPEN:
        return None
    return funds_shortfall(ctx, request, *opening_hold(ctx, request))


def funds_shortfall(ctx: RiskContext, request: OrderRequest, margin: Decimal, fee: Decimal) -> Reject | None:
    available = ctx.funds[request.account].available
    if margin + fee > available:
        return ResultCode.INSUFFICIENT_FUNDS.reject(need=margin + fee, available=available)
    return None


Check = Callable[[RiskContext, OrderRequest], Reject | None]

CHECKS: tuple[Check, ...] = (
    check_instrument_known,
    check_instrument_listed,
    check_reference_price,
    check_order_fields,
    check_quantity,
    check_price_tick,
    check_price_limits,
    check_forced_closes,
    check_account_known,
    check_account_active,
    check_rates,
    check_kill_switch,
    check_member_block,
    check_throttle,
    check_closable,
    check_position_limit,
    check_funds,
)


# Funds come last: the engine runs the others, then computes the hold once for both the
# funds check and the freeze (it is the most expensive step of the list).
assert CHECKS[-1] is check_funds
CHECKS_BEFORE_FUNDS = CHECKS[:-1]


def check_order(ctx: RiskContext, request: OrderRequest, checks: tuple[Check, ...] = CHECKS) -> Reject | None:
    """The first refusal in `checks` order, or None when the order may go to the book."""
    for check in checks:
        found = check(ctx, request)
        if found is not None:
            return found
    return None
