"""One trading day settled from a `DayData`: prices, both levels, reserves, checks, calls.

No I/O: the runner loads a `DayData`, calls `settle_day`, and writes the `DayOutcome` only
when its `problems` list is empty. The steps follow settlement.md, "Market structure":

1. Settlement prices: an official price wins; else the product's rule over the day's trades
   (one print per trade); else the previous settlement. An instrument that is traded or held
   and has none of the three cannot be settled: a problem naming it.
2. Level 2, every client at its member's rates (a client of a trading member at the trading
   member's rates), all clients of all members in one level, since clients trade with other
   members' clients.
3. Trading members: each trading member's account at its settlement member (TM-<SM>-<TM>)
   holds the sum of its clients' books (`rollup.roll_up`) and is settled at its settlement
   member's client rates (the trading member's code is the "client" a schedule may target).
4. Level 1, per exchange: the settlement members' reserve accounts at exchange rates, built
   from level-2 rows (`rollup.level_one_input`), then each reserve rolled forward.
5. Every invariant: zero-sum, long = short open interest and settled-once per level;
   member (and trading-member) positions = the sum of their clients'; balances reconcile.

Partial custody. A trade imported with only our client's leg was executed against someone
outside the venue. The outside world is modelled as one in-memory counterparty, EXTERNAL,
at both levels: it takes the mirror of every one-legged trade (always as an opening) and,
each morning, the mirror of the clients' open-interest imbalance (one carried lot per
instrument, valued from the previous settlement, so its open price does not matter). P&L is
linear in the lots, so how EXTERNAL's lots are matched cannot change its total, and with it
every invariant keeps its full meaning for the venue's own trades. EXTERNAL is never written.

Member minimum reserve. The minimum applies to a settlement member's total reserve at an
exchange (proprietary + brokerage). Each reserve account must also stay non-negative. The
call on the proprietary account is its own negative reserve; the call on the brokerage
account is what then remains to bring it to zero and the total to the minimum:
max(0, -B, minimum - max(P, 0) - B). Those amounts replace the per-account margin call of
`reserve.roll_reserve` in the stored reserve rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from backoffice.domain.enums import AccountKind, BusinessType, MemberKind, OffsetFlag, PositionDirection, Side
from backoffice.domain.organisation import Member, reserve_account_code
from backoffice.domain.rates import RateSet

from .client_rates import ClientRates
from .core import settle_level
from .deadlines import next_open
from .inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from .invariants import Violation, balances_reconcile, check_level, members_match_clients
from .loading import DayData, sessions_of
from .prices import SettlementPrice, TradePrint, settlement_price
from .reserve import ReserveOpening, ReserveResult, roll_reserve
from .results import AccountResult, LevelResult, Problem
from .rollup import level_one_input, reserve_parents, roll_up

EXTERNAL = "(external)"
ZERO = Decimal(0)
_NO_CHARGE = RateSet(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
_OPPOSITE = {Side.BUY: Side.SELL, Side.SELL: Side.BUY}

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Call:
    account: str
    level: int
    amount: Decimal


@dataclass
class DayOutcome:
    trading_day: date
    prices: dict[str, SettlementPrice]
    clients: LevelResult  # level 2, EXTERNAL included
    trading_members: LevelResult
    members: dict[str, LevelResult]  # level 1 by exchange, EXTERNAL included
    reserves: list[ReserveResult]
    calls: list[Call]
    deadline: datetime | None  # margin calls are due before the next open
    problems: list[str]

    def results(self) -> list[tuple[int, AccountResult]]:
        """Every real account's result with its level (EXTERNAL left out)."""
        found = [(2, r) for r in self.clients.accounts if r.account != EXTERNAL]
        found += [(2, r) for r in self.trading_members.accounts]
        found += [(1, r) for level in self.members.values() for r in level.accounts if r.account != EXTERNAL]
        return found


def settle_day(data: DayData, progress: Progress = lambda _: None) -> DayOutcome:
    day = data.trading_day
    problems: list[str] = []
    prices = day_prices(data, problems)
    progress(f"settlement prices: {len(prices)} instruments ({sum(p.source.value != 'previous_settlement' for p in prices.values())} from today's trades or official)")
    instruments = {
        code: InstrumentDay.of(
            data.instruments[code], data.exchanges[data.instruments[code].exchange],
            data.previous_prices.get(code, price.price), price.price,
        )
        for code, price in prices.items()
    }
    members = {member.code: member for member in data.members}
    rates = {
        member.code: ClientRates(member.code, data.schedules, data.exchange_rates, day, member.policy)
        for member in data.members
    }
    no_charge = {product: _NO_CHARGE for product in data.exchange_rates}

    # Level 2: every client, plus the outside world.
    client_lines = data.lines()
    lines, external_lots = _with_external(data, client_lines, prices)
    lots = list(data.lots) + external_lots
    openings = [
        _opening(data, client.code, rates[client.member].for_client(client.code, client.group))
        for client in data.clients
        if client.code in data.accounts
    ] + [AccountOpening(EXTERNAL, ZERO, ZERO, ZERO, no_charge)]
    clients = settle_level(LevelInput(day, instruments, openings, lots, lines))
    _report(problems, "level 2", clients.problems, check_level(clients.accounts))
    progress(f"level 2: {len(openings) - 1} client accounts, {len(client_lines)} trade lines, {len(data.lots)} opening lots")

    # Trading members, settled by their settlement members.
    tm_parents = {
        client.code: f"TM-{members[client.member].settled_by}-{client.member}"
        for client in data.clients
        if members[client.member].kind is MemberKind.TRADING
    }
    tm_lines, tm_lots, rolled = roll_up(
        [line for line in client_lines if line.account in tm_parents], [lot for lot in data.lots if lot.account in tm_parents], tm_parents
    )
    tm_openings = [
        _opening(data, account.code, rates[account.member].for_client(account.owner, None))
        for account in sorted(data.accounts.values(), key=lambda a: a.code)
        if account.kind == AccountKind.TRADING_MEMBER.value
    ]
    trading_members = settle_level(LevelInput(day, instruments, tm_openings, tm_lots, tm_lines))
    _report(
        problems, "trading members", tuple(rolled) + trading_members.problems,
        balances_reconcile(trading_members.accounts) + members_match_clients(trading_members.accounts, clients.accounts, tm_parents),
    )
    progress(f"trading members: {len(tm_openings)} accounts")

    # Level 1, one exchange at a time.
    level_one: dict[str, LevelResult] = {}
    for exchange in sorted(data.exchanges):
        in_exchange = {code: i for code, i in instruments.items() if data.instruments[code].exchange == exchange}
        parents = reserve_parents(data.clients, data.members, exchange)
        parents[EXTERNAL] = EXTERNAL
        reserve_openings = [
            _opening(data, account.code, data.exchange_rates)
            for account in sorted(data.accounts.values(), key=lambda a: a.code)
            if account.kind == AccountKind.MEMBER_RESERVE.value and account.exchange == exchange
        ] + [AccountOpening(EXTERNAL, ZERO, ZERO, ZERO, no_charge)]
        level, rolled = level_one_input(
            day, in_exchange, reserve_openings,
            [lot for lot in lots if lot.instrument in in_exchange], [line for line in lines if line.instrument in in_exchange], parents,
        )
        result = settle_level(level)
        level_one[exchange] = result
        clients_here = [replace(r, positions=tuple(p for p in r.positions if p.instrument in in_exchange)) for r in clients.accounts]
        _report(
            problems, f"level 1 {exchange}", tuple(rolled) + result.problems,
            check_level(result.accounts) + members_match_clients(result.accounts, clients_here, parents),
        )
        progress(f"level 1 {exchange}: {len(reserve_openings) - 1} reserve accounts")

    reserves = _reserves(data, members, level_one)
    calls = [
        Call(r.account, 2, r.margin_call)
        for r in clients.accounts + trading_members.accounts
        if r.margin_call > 0 and r.account != EXTERNAL
    ] + [Call(r.account, 1, r.margin_call) for r in reserves if r.margin_call > 0]
    deadline = next_open(data.calendar, data.hours.values(), day) if data.hours else None
    progress(f"checks done: {len(problems)} problem(s), {len(calls)} margin call(s)")
    return DayOutcome(day, prices, clients, trading_members, level_one, reserves, calls, deadline, problems)


def day_prices(data: DayData, problems: list[str]) -> dict[str, SettlementPrice]:
    """The settlement price of every listed, traded or held instrument; an instrument that
    cannot get one is reported in `problems` (step 1 of the module docstring)."""
    prints: dict[str, list[TradePrint]] = {}
    for trade in data.trades:
        prints.setdefault(trade.instrument, []).append(TradePrint(trade.time, trade.price, trade.qty))
    held = {lot.instrument for lot in data.lots}
    needed = held | prints.keys()
    prices: dict[str, SettlementPrice] = {}
    for code in sorted(set(data.listed()) | needed | data.official.keys()):
        instrument = data.instruments[code]
        official = data.official.get(code)
        previous = data.previous_prices.get(code)
        today = prints.get(code, [])
        if official is None and not today and previous is None:
            if code in needed:
                problems.append(
                    f"prices: {code} is {'held' if code in held else 'traded'} but has no settlement price: no official price for "
                    f"{data.trading_day}, no trade to compute one from and no previous settlement; set one with `fixbroker prices set`"
                )
            continue
        prices[code] = settlement_price(
            code, instrument.terms.settlement_rule, instrument.terms.tick_size, today,
            sessions_of(data, instrument.product), previous if previous is not None else ZERO, official,
        )
    return prices


def _with_external(data: DayData, client_lines: Sequence[TradeLine], prices: Mapping[str, SettlementPrice]) -> tuple[list[TradeLine], list[Lot]]:
    """Client lines with EXTERNAL's mirror of each one-legged trade, and EXTERNAL's opening lots."""
    lines: list[TradeLine] = []
    by_trade: dict[str, int] = {}
    for trade in data.trades:
        by_trade[trade.trade_id] = len(trade.legs)
    for line in client_lines:
        lines.append(line)
        if by_trade[line.trade_id] == 1:
            lines.append(TradeLine(EXTERNAL, line.trade_id, line.instrument, _OPPOSITE[line.side], OffsetFlag.OPEN, line.price, line.qty, line.time))
    imbalance: dict[str, int] = {}
    for lot in data.lots:
        imbalance[lot.instrument] = imbalance.get(lot.instrument, 0) + (lot.qty if lot.direction is PositionDirection.LONG else -lot.qty)
    the_day_before = data.trading_day - timedelta(days=1)
    external_lots = [
        Lot(
            EXTERNAL, code, PositionDirection.SHORT if net > 0 else PositionDirection.LONG, the_day_before,
            data.previous_prices.get(code, prices[code].price if code in prices else ZERO), abs(net),
        )
        for code, net in sorted(imbalance.items())
        if net
    ]
    return lines, external_lots


def _opening(data: DayData, account: str, rates: Mapping[str, RateSet]) -> AccountOpening:
    cash = data.cash_of(account)
    return AccountOpening(account, cash.balance_bf, cash.deposits, cash.withdrawals, rates)


def _reserves(data: DayData, members: Mapping[str, Member], level_one: Mapping[str, LevelResult]) -> list[ReserveResult]:
    """Each reserve rolled forward, with the margin calls of the member minimum (module docstring)."""
    rolled: dict[str, ReserveResult] = {}
    for result in (r for level in level_one.values() for r in level.accounts if r.account != EXTERNAL):
        account = data.accounts[result.account]
        previous = data.previous_reserve.get(account.code)
        reserve_bf, margin_bf = previous if previous is not None else (result.balance_bf, ZERO)
        opening = ReserveOpening(account.code, reserve_bf, margin_bf, members[account.owner].min_reserve)
        rolled[account.code] = roll_reserve(opening, result)
    called: list[ReserveResult] = []
    seats = sorted({(a.owner, a.exchange) for a in data.accounts.values() if a.kind == AccountKind.MEMBER_RESERVE.value and a.exchange})
    for owner, exchange in seats:
        assert exchange is not None
        proprietary = rolled.get(reserve_account_code(owner, exchange, BusinessType.PROPRIETARY))
        brokerage = rolled.get(reserve_account_code(owner, exchange, BusinessType.BROKERAGE))
        kept = ZERO
        if proprietary is not None:
            called.append(replace(proprietary, margin_call=max(ZERO, -proprietary.reserve)))
            kept = max(proprietary.reserve, ZERO)
        if brokerage is not None:
            shortfall = max(ZERO, -brokerage.reserve, brokerage.min_reserve - kept - brokerage.reserve)
            called.append(replace(brokerage, margin_call=shortfall))
    return sorted(called, key=lambda r: r.account)


def _report(problems: list[str], where: str, found: Sequence[Problem], violations: Sequence[Violation]) -> None:
    problems.extend(f"{where}: {p.code} {p.account} {p.ref}: {p.message}" for p in found)
    problems.extend(f"{where}: {v.check} {v.key}: {v.message}" for v in violations)
