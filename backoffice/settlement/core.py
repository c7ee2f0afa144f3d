"""Daily mark-to-market settlement (逐日盯市) of one level: any set of accounts at their rates.

Level 1 (exchange -> settlement members, exchange rates) and level 2 (member -> clients and
trading members, client rates) are the same computation on different rows, so one function
settles both. The formulas are those of /work/shared/reference/settlement.md:

- close P&L of a lot closed today = (close price - base) x qty x M x sign, where the base is
  the previous settlement for a lot carried from an earlier day and the open price for a lot
  opened today; sign = +1 for a long lot, -1 for a short one;
- position MTM of a lot open after the day = (settlement - base) x qty x M x sign;
- fee per trade line = price x qty x M x by-money rate + qty x by-volume rate (computed as
  (price x M x by-money rate + by-volume rate) x qty: the same exact Decimal figure);
- margin per lot = settlement x qty x M x margin rate of its direction; per holder and
  product, a large-side product is charged max(long, short), any other long + short;
- balance c/f = b/f + deposits - withdrawals + close P&L + MTM - fees; equity = balance c/f;
  available = equity - margin; risk degree = margin / equity; margin call = max(0, margin - equity).

Every line amount is rounded to the cent, half-up, as it is made (the round_money rule,
applied with Decimal.quantize directly because this loop runs millions of times); totals
are sums of rounded lines.

Lot matching. Long and short are separate books per holder and instrument, never netted; a
buy with an open flag adds a long lot, a sell a short lot; a closing buy consumes short lots
and a closing sell long lots. Each book keeps carried lots (opened on an earlier day) and
today's lots apart, each first in, first out. CLOSE_TODAY consumes only today's lots and
CLOSE_YESTERDAY only carried ones, as CTP does. A plain CLOSE consumes carried lots only on
exchanges where close-today must be stated (SHFE/INE: a plain close is a close-yesterday);
elsewhere it follows the exchange's close priority (today first or yesterday first), moving
on to the other kind when the first runs out.

Fee rates follow what a close actually consumed: the part that closed today's lots pays the
close-today rates, the part that closed carried lots the close rates (so CLOSE_YESTERDAY and a
SHFE plain CLOSE pay close rates, CLOSE_TODAY close-today rates, and a plain CLOSE elsewhere
may pay a mix); the line's fee is rounded once. A close with more lots than the book holds is
settled for what it matched, the rest is reported as an `overclose` problem and charged at
its flag's rates; every problem is returned as data and the day must not be committed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.money import CENT
from backoffice.domain.rates import RateSet

from .inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from .results import AccountResult, CloseLine, LevelResult, MarginLine, PositionLine, Problem, SettledTrade

ZERO = Decimal(0)
RISK_PLACES = Decimal("0.0001")

_LONG = PositionDirection.LONG
_SHORT = PositionDirection.SHORT
_BUY = Side.BUY
_OPEN = OffsetFlag.OPEN
_CLOSE_TODAY = OffsetFlag.CLOSE_TODAY
_CLOSE_YESTERDAY = OffsetFlag.CLOSE_YESTERDAY
_TODAY_FIRST = ClosePriority.TODAY_FIRST
_HALF_UP = ROUND_HALF_UP


# The hot loops build result rows with tuple.__new__: the same NamedTuple, without the
# Python-level __new__ a NamedTuple class generates (several times cheaper per row).
_new = tuple.__new__

# How a plain CLOSE picks lots (see the module docstring).
_CARRIED_ONLY, _TODAY_THEN_CARRIED, _CARRIED_THEN_TODAY = 0, 1, 2


def _terms(inst: InstrumentDay, rs: RateSet | None) -> tuple:
    """Everything the hot loop needs about one instrument at one account's rates, with the
    multiplier folded into the money rates (exact Decimal products, so the figures are those
    of the plain formulas). The last item says whether the rates were missing."""
    missing = rs is None
    if rs is None:
        rs = _NO_RATES
    m = inst.multiplier
    if inst.close_today_distinct:
        plain_close = _CARRIED_ONLY
    elif inst.close_priority is _TODAY_FIRST:
        plain_close = _TODAY_THEN_CARRIED
    else:
        plain_close = _CARRIED_THEN_TODAY
    return (
        inst.product,
        m,
        inst.previous_settlement,
        inst.settlement,
        m * rs.fee_open_money,
        rs.fee_open_volume,
        m * rs.fee_close_money,
        rs.fee_close_volume,
        m * rs.fee_close_today_money,
        rs.fee_close_today_volume,
        inst.settlement * m * rs.margin_long,
        inst.settlement * m * rs.margin_short,
        inst.large_side_margin,
        plain_close,
        missing,
    )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its state after.

    A level creates millions of small rows and no reference cycles; the collector would
    rescan them again and again for nothing, which more than doubles the time of a day.
    Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_level(level: LevelInput) -> LevelResult:
    """Settle every account of `level`; rows naming an unknown account become problems."""
    with paused_gc():
        return _settle_level(level)


def _settle_level(level: LevelInput) -> LevelResult:
    trades_by: dict[str, list[TradeLine]] = {}
    for line in level.trades:
        bucket = trades_by.get(line[0])
        if bucket is None:
            trades_by[line[0]] = [line]
        else:
            bucket.append(line)
    lots_by: dict[str, list[Lot]] = {}
    for lot in level.lots:
        bucket = lots_by.get(lot[0])
        if bucket is None:
            lots_by[lot[0]] = [lot]
        else:
            bucket.append(lot)
    problems: list[Problem] = []
    known = {opening.account for opening in level.accounts}
    for account in trades_by.keys() - known:
        problems.append(Problem("unknown_account", account, trades_by[account][0].trade_id, f"{len(trades_by[account])} trade lines for an account not in this level"))
    for account in lots_by.keys() - known:
        problems.append(Problem("unknown_account", account, lots_by[account][0].instrument, f"{len(lots_by[account])} lots for an account not in this level"))
    # id of a rates mapping -> instrument -> _terms: accounts on one schedule share a mapping.
    terms_cache: dict[int, dict[str, tuple]] = {}
    results = tuple(
        _settle_account(
            level.trading_day,
            level.instruments,
            opening,
            lots_by.get(opening.account, ()),
            trades_by.get(opening.account, ()),
            terms_cache.setdefault(id(opening.rates), {}),
            problems,
        )
        for opening in level.accounts
    )
    return LevelResult(level.trading_day, results, tuple(problems))


def _settle_account(
    day: date,
    instruments: Mapping[str, InstrumentDay],
    opening: AccountOpening,
    lots: Sequence[Lot],
    trades: Sequence[TradeLine],
    terms_cache: dict[str, tuple],
    problems: list[Problem],
) -> AccountResult:
    """Settle one account: its opening lots and today's trade lines (in execution order)."""
    account = opening.account
    rates = opening.rates
    # (holder, instrument, direction) -> [carried lots, today's lots], each oldest first; a
    # lot is a mutable [qty, open price, open date, open trade id] (a partial close reduces
    # qty in place). Plain lists: a book rarely holds more than a few lots.
    books: dict[tuple[str, str, PositionDirection], list[list[list]]] = {}

    carried_by: dict[tuple[str, str, PositionDirection], list[list]] = {}
    for _, code, direction, open_date, open_price, qty, open_trade_id, holder in lots:
        if code not in instruments:
            problems.append(Problem("unknown_instrument", account, code, f"lot {open_trade_id or open_date} in an instrument without prices today"))
            continue
        if open_date >= day:
            problems.append(Problem("lot_not_before_day", account, code, f"opening lot dated {open_date}, not before {day}"))
            continue
        carried_by.setdefault((holder, code, direction), []).append([qty, open_price, open_date, open_trade_id])
    for key, carried in carried_by.items():
        carried.sort(key=_open_date)  # stable: FIFO by open date, input order within a day
        books[key] = [carried, []]

    settled: list[SettledTrade] = []
    closes: list[CloseLine] = []
    missing_reported: set[str] = set()
    fees = ZERO
    close_pnl = ZERO
    for line in trades:
        _, trade_id, code, side, offset, price, qty, _, _, holder = line
        terms = terms_cache.get(code)
        if terms is None:
            inst = instruments.get(code)
            if inst is None:
                problems.append(Problem("unknown_instrument", account, trade_id, f"trade in {code}, which has no prices today"))
                continue
            terms = terms_cache[code] = _terms(inst, rates.get(inst.product))
        (product, multiplier, previous, _, open_k, open_v, close_k, close_v, today_k, today_v, _, _, _, plain_close, missing) = terms
        if missing:
            _missing_rates(problems, missing_reported, account, product)
        if offset is _OPEN:
            key = (holder, code, _LONG if side is _BUY else _SHORT)
            book = books.get(key)
            if book is None:
                books[key] = [[], [[qty, price, day, trade_id]]]
            else:
                book[1].append([qty, price, day, trade_id])
            fee = ((price * open_k + open_v) * qty).quantize(CENT, _HALF_UP)
            settled.append(_new(SettledTrade, (line, fee, ZERO)))
            fees += fee
            continue
        direction = _SHORT if side is _BUY else _LONG
        sign = 1 if direction is _LONG else -1
        book = books.get((holder, code, direction))
        realized = ZERO
        today_qty = 0
        remaining = qty
        if book is not None:
            carried, today = book
            if offset is _CLOSE_TODAY:
                queues: tuple[list[list], ...] = (today,)
            elif offset is _CLOSE_YESTERDAY or plain_close == _CARRIED_ONLY:
                queues = (carried,)
            elif plain_close == _TODAY_THEN_CARRIED:
                queues = (today, carried)
            else:
                queues = (carried, today)
            for queue in queues:
                is_today = queue is today
                while remaining and queue:
                    lot = queue[0]
                    lot_qty, open_price, open_date, open_trade_id = lot
                    take = lot_qty if lot_qty <= remaining else remaining
                    pnl = ((price - (open_price if is_today else previous)) * (take * sign) * multiplier).quantize(CENT, _HALF_UP)
                    closes.append(
                        _new(CloseLine, (day, trade_id, code, direction, open_date, open_trade_id, take, open_price, previous, price, pnl, holder))
                    )
                    realized += pnl
                    remaining -= take
                    if is_today:
                        today_qty += take
                    if take == lot_qty:
                        del queue[0]
                    else:
                        lot[0] = lot_qty - take
        if remaining:
            problems.append(Problem("overclose", account, trade_id, f"{offset.value} of {qty} {code} found only {qty - remaining} {direction.value} lots to close"))
            if offset is _CLOSE_TODAY:
                today_qty = qty
        if today_qty:
            carried_qty = qty - today_qty
            fee = ((price * today_k + today_v) * today_qty + (price * close_k + close_v) * carried_qty).quantize(CENT, _HALF_UP)
        else:
            fee = ((price * close_k + close_v) * qty).quantize(CENT, _HALF_UP)
        settled.append(_new(SettledTrade, (line, fee, realized)))
        fees += fee
        close_pnl += realized

    positions, margins, mtm = _positions(account, instruments, rates, books, terms_cache, problems, missing_reported)
    margin = ZERO
    for margin_line in margins:
        margin += margin_line[4]
    balance_cf = opening.balance_bf + opening.deposits - opening.withdrawals + close_pnl + mtm - fees
    equity = balance_cf
    if not margin:
        risk_degree: Decimal | None = ZERO
    elif equity > 0:
        risk_degree = (margin / equity).quantize(RISK_PLACES, _HALF_UP)
    else:
        risk_degree = None
    return AccountResult(
        account=account,
        balance_bf=opening.balance_bf,
        deposits=opening.deposits,
        withdrawals=opening.withdrawals,
        close_pnl=close_pnl,
        position_mtm=mtm,
        fees=fees,
        balance_cf=balance_cf,
        equity=equity,
        margin=margin,
        available=equity - margin,
        risk_degree=risk_degree,
        margin_call=margin - equity if margin > equity else ZERO,
        trades=tuple(settled),
        closes=tuple(closes),
        positions=tuple(positions),
        margins=tuple(margins),
    )


def _open_date(lot: list) -> date:
    return lot[2]


def _positions(
    account: str,
    instruments: Mapping[str, InstrumentDay],
    rates: Mapping[str, RateSet],
    books: dict[tuple[str, str, PositionDirection], list[list[list]]],
    terms_cache: dict[str, tuple],
    problems: list[Problem],
    missing_reported: set[str],
) -> tuple[list[PositionLine], list[MarginLine], Decimal]:
    """Position lines with MTM and margin for every lot still open, and margin per product."""
    positions: list[PositionLine] = []
    by_product: dict[tuple[str, str], list] = {}  # (holder, product) -> [long, short, large side]
    mtm_total = ZERO
    for (holder, code, direction), (carried, today) in books.items():
        if not carried and not today:
            continue
        terms = terms_cache.get(code)
        if terms is None:
            inst = instruments[code]
            terms = terms_cache[code] = _terms(inst, rates.get(inst.product))
        product, multiplier, previous, settlement, _, _, _, _, _, _, long_k, short_k, large_side, _, missing = terms
        if missing:
            _missing_rates(problems, missing_reported, account, product)
        is_long = direction is _LONG
        msign = multiplier if is_long else -multiplier
        margin_k = long_k if is_long else short_k
        side_margin = ZERO
        move = settlement - previous  # of every carried lot of the book, computed once
        for qty, open_price, open_date, open_trade_id in carried:
            units = qty * msign
            mtm = (move * units).quantize(CENT, _HALF_UP)
            margin = (margin_k * qty).quantize(CENT, _HALF_UP)
            accumulated = ((settlement - open_price) * units).quantize(CENT, _HALF_UP)
            positions.append(
                _new(PositionLine, (code, direction, open_date, open_trade_id, qty, open_price, previous, settlement, accumulated, mtm, margin, holder))
            )
            mtm_total += mtm
            side_margin += margin
        for qty, open_price, open_date, open_trade_id in today:
            mtm = ((settlement - open_price) * (qty * msign)).quantize(CENT, _HALF_UP)  # = accumulated
            margin = (margin_k * qty).quantize(CENT, _HALF_UP)
            positions.append(
                _new(PositionLine, (code, direction, open_date, open_trade_id, qty, open_price, previous, settlement, mtm, mtm, margin, holder))
            )
            mtm_total += mtm
            side_margin += margin
        entry = by_product.get((holder, product))
        if entry is None:
            entry = by_product[(holder, product)] = [ZERO, ZERO, large_side]
        entry[0 if is_long else 1] += side_margin
    margins = [
        _new(MarginLine, (holder, product, long_margin, short_margin, max(long_margin, short_margin) if large_side else long_margin + short_margin))
        for (holder, product), (long_margin, short_margin, large_side) in by_product.items()
    ]
    return positions, margins, mtm_total


def _missing_rates(problems: list[Problem], reported: set[str], account: str, product: str) -> None:
    """Report an account's missing rates for a product once, however many rows need them."""
    if product not in reported:
        reported.add(product)
        problems.append(Problem("missing_rates", account, product, f"no rates for product {product}"))


# Stands in for a product's missing rates so the day can still be worked through to list
# every problem; such a day is never committed.
_NO_RATES = RateSet(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
