"""Checks over settlement results, each returning its violations as data.

A settlement that breaks one of these must not be committed; the runner runs them all and
reports every violation at once rather than stopping at the first. The single-level checks
take the account results of one level; zero-sum and settled-once need both sides of every
trade among them, which holds for level 1 of an exchange and for level 2 taken over all
members of that exchange together (one member's clients alone trade with other members').
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from backoffice.domain.enums import PositionDirection, Side

from .results import AccountResult

ZERO = Decimal(0)
_PNL, _MTM, _FEE, _CHARGED = attrgetter("pnl"), attrgetter("mtm"), attrgetter("fee"), attrgetter("charged")


@dataclass(frozen=True, slots=True)
class Violation:
    check: str
    key: str  # the instrument, trade id or account concerned
    message: str


def zero_sum(accounts: Sequence[AccountResult]) -> list[Violation]:
    """Per instrument, close P&L + position MTM over all accounts is 0: futures are zero-sum."""
    totals: dict[str, Decimal] = {}
    for result in accounts:
        for close in result.closes:
            totals[close.instrument] = totals.get(close.instrument, ZERO) + close.pnl
        for position in result.positions:
            totals[position.instrument] = totals.get(position.instrument, ZERO) + position.mtm
    return [
        Violation("zero_sum", instrument, f"close P&L + MTM sums to {total}, not 0")
        for instrument, total in sorted(totals.items())
        if total != 0
    ]


def open_interest_balanced(accounts: Sequence[AccountResult]) -> list[Violation]:
    """Per instrument, long open interest = short open interest."""
    long_lots: dict[str, int] = {}
    short_lots: dict[str, int] = {}
    for result in accounts:
        for position in result.positions:
            side = long_lots if position.direction is PositionDirection.LONG else short_lots
            side[position.instrument] = side.get(position.instrument, 0) + position.qty
    return [
        Violation("open_interest_balanced", instrument, f"{long_lots.get(instrument, 0)} long lots against {short_lots.get(instrument, 0)} short")
        for instrument in sorted(long_lots.keys() | short_lots.keys())
        if long_lots.get(instrument, 0) != short_lots.get(instrument, 0)
    ]


def trades_settled_once(accounts: Sequence[AccountResult]) -> list[Violation]:
    """Every trade id is settled exactly once as a buy and once as a sell."""
    buy_ids: list[str] = []
    sell_ids: list[str] = []
    for result in accounts:
        for settled in result.trades:
            line = settled.line
            (buy_ids if line.side is Side.BUY else sell_ids).append(line.trade_id)
    return _settled_once(buy_ids, sell_ids)


def _settled_once(buy_ids: list[str], sell_ids: list[str]) -> list[Violation]:
    buys, sells = Counter(buy_ids), Counter(sell_ids)
    if len(buys) == len(buy_ids) == len(sells) == len(sell_ids) and buys.keys() == sells.keys():
        return []  # the common case, decided without a per-trade loop in Python
    return [
        Violation("trades_settled_once", trade_id, f"settled {buys[trade_id]} times as a buy and {sells[trade_id]} times as a sell")
        for trade_id in sorted(buys.keys() | sells.keys())
        if buys[trade_id] != 1 or sells[trade_id] != 1
    ]


def balances_reconcile(accounts: Sequence[AccountResult]) -> list[Violation]:
    """Each account's totals are the sums of its lines, and its equations hold to the cent."""
    found: list[Violation] = []
    for result in accounts:
        close_pnl = sum(map(_PNL, result.closes), ZERO)
        mtm = sum(map(_MTM, result.positions), ZERO)
        fees = sum(map(_FEE, result.trades), ZERO)
        margin = sum(map(_CHARGED, result.margins), ZERO)
        found += _reconcile(result, close_pnl, mtm, fees, margin)
    return found


def _reconcile(result: AccountResult, close_pnl: Decimal, mtm: Decimal, fees: Decimal, margin: Decimal) -> list[Violation]:
    """An account's stated figures against the sums of its lines and its equations."""
    expected_cf = result.balance_bf + result.deposits - result.withdrawals + close_pnl + mtm - fees
    checks = (
        ("close P&L", result.close_pnl, close_pnl),
        ("position MTM", result.position_mtm, mtm),
        ("fees", result.fees, fees),
        ("margin", result.margin, margin),
        ("balance c/f", result.balance_cf, expected_cf),
        ("equity", result.equity, result.balance_cf),
        ("funds available", result.available, result.equity - result.margin),
        ("margin call", result.margin_call, max(result.margin - result.equity, ZERO)),
    )
    return [
        Violation("balances_reconcile", result.account, f"{name} is {stated}, its lines give {expected}")
        for name, stated, expected in checks
        if stated != expected
    ]


LEVEL_CHECKS: tuple[Callable[[Sequence[AccountResult]], list[Violation]], ...] = (
    zero_sum,
    open_interest_balanced,
    trades_settled_once,
    balances_reconcile,
)


def check_level(accounts: Sequence[AccountResult]) -> list[Violation]:
    """Every violation of every single-level check: the same list as running `LEVEL_CHECKS`
    one after the other, gathered in one pass over the lines (a level holds millions)."""
    totals: dict[str, Decimal] = {}
    long_lots: dict[str, int] = {}
    short_lots: dict[str, int] = {}
    buy_ids: list[str] = []
    sell_ids: list[str] = []
    unbalanced: list[Violation] = []
    long_ = PositionDirection.LONG
    buy = Side.BUY
    for result in accounts:
        close_pnl = ZERO
        for close in result.closes:
            pnl = close[10]
            close_pnl += pnl
            instrument = close[2]
            totals[instrument] = totals.get(instrument, ZERO) + pnl
        mtm = ZERO
        for position in result.positions:
            instrument, direction, qty, line_mtm = position[0], position[1], position[4], position[9]
            mtm += line_mtm
            totals[instrument] = totals.get(instrument, ZERO) + line_mtm
            side = long_lots if direction is long_ else short_lots
            side[instrument] = side.get(instrument, 0) + qty
        fees = ZERO
        for settled in result.trades:
            line = settled[0]
            fees += settled[1]
            (buy_ids if line[3] is buy else sell_ids).append(line[1])
        margin = sum(map(_CHARGED, result.margins), ZERO)
        unbalanced += _reconcile(result, close_pnl, mtm, fees, margin)
    found = [
        Violation("zero_sum", instrument, f"close P&L + MTM sums to {total}, not 0")
        for instrument, total in sorted(totals.items())
        if total != 0
    ]
    found += [
        Violation("open_interest_balanced", instrument, f"{long_lots.get(instrument, 0)} long lots against {short_lots.get(instrument, 0)} short")
        for instrument in sorted(long_lots.keys() | short_lots.keys())
        if long_lots.get(instrument, 0) != short_lots.get(instrument, 0)
    ]
    found += _settled_once(buy_ids, sell_ids)
    return found + unbalanced


def members_match_clients(
    members: Sequence[AccountResult], clients: Iterable[AccountResult], parents: Mapping[str, str]
) -> list[Violation]:
    """Each level-1 account holds, per instrument and direction, the sum of the lots held by
    the level-2 accounts whose parent it is (`parents`: client account -> member account)."""
    expected: dict[tuple[str, str, PositionDirection], int] = {}
    for result in clients:
        parent = parents.get(result.account)
        if parent is None:
            continue
        for position in result.positions:
            key = (parent, position.instrument, position.direction)
            expected[key] = expected.get(key, 0) + position.qty
    held: dict[tuple[str, str, PositionDirection], int] = {}
    for result in members:
        for position in result.positions:
            key = (result.account, position.instrument, position.direction)
            held[key] = held.get(key, 0) + position.qty
    return [
        Violation(
            "members_match_clients",
            f"{account} {instrument} {direction.value}",
            f"member holds {held.get((account, instrument, direction), 0)} lots, its clients {expected.get((account, instrument, direction), 0)}",
        )
        for account, instrument, direction in sorted(held.keys() | expected.keys())
        if held.get((account, instrument, direction), 0) != expected.get((account, instrument, direction), 0)
    ]
