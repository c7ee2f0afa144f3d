"""Level-1 input built from level-2 data, so that a member's book is its clients' books summed.

Only members trade at the exchange, but every lot a member holds there is a client's lot
(its own house account included): the exchange sees each settlement member's proprietary
and brokerage books. Rather than keep a second set of positions that could drift, level 1 is
built by moving each client's trade lines and lots into the reserve account that answers
for it, recording the client as `holder`. Lots are then matched per client, as the exchange
keeps positions per client trading code, and "member positions = sum of clients' positions"
holds by construction (`invariants.members_match_clients` checks it on the results).

Which reserve account answers for a client: its member's, for the business type of its kind
(a member's house account is proprietary business, any other client brokerage). A client of
a trading member is answered for by the trading member's settlement member, as brokerage:
at the exchange, the trading member is that settlement member's client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from backoffice.domain.enums import BusinessType, MemberKind
from backoffice.domain.organisation import Client, Member, reserve_account_code

from .core import paused_gc
from .inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from .results import Problem

# Rows are rebuilt with tuple.__new__, skipping the NamedTuple's Python-level __new__.
_new = tuple.__new__


def reserve_parents(clients: Iterable[Client], members: Iterable[Member], exchange: str) -> dict[str, str]:
    """Client account code -> the member reserve account at `exchange` that answers for it.

    The tree is assumed valid (`organisation.tree_problems` is empty).
    """
    by_code = {member.code: member for member in members}
    parents: dict[str, str] = {}
    for client in clients:
        member = by_code[client.member]
        if member.kind is MemberKind.TRADING:
            assert member.settled_by is not None
            parents[client.code] = reserve_account_code(member.settled_by, exchange, BusinessType.BROKERAGE)
        else:
            parents[client.code] = reserve_account_code(member.code, exchange, client.kind.business_type)
    return parents


def roll_up(
    trades: Iterable[TradeLine], lots: Iterable[Lot], parents: Mapping[str, str]
) -> tuple[list[TradeLine], list[Lot], list[Problem]]:
    """Move rows to their parent account, keeping the innermost holder; unmapped rows are problems."""
    with paused_gc():
        return _roll_up(trades, lots, parents)


def _roll_up(
    trades: Iterable[TradeLine], lots: Iterable[Lot], parents: Mapping[str, str]
) -> tuple[list[TradeLine], list[Lot], list[Problem]]:
    problems: list[Problem] = []
    moved_trades: list[TradeLine] = []
    for account, trade_id, code, side, offset, price, qty, time, forced, holder in trades:
        parent = parents.get(account)
        if parent is None:
            problems.append(Problem("unknown_account", account, trade_id, "trade line of an account with no parent account"))
            continue
        moved_trades.append(_new(TradeLine, (parent, trade_id, code, side, offset, price, qty, time, forced, holder or account)))
    moved_lots: list[Lot] = []
    for account, code, direction, open_date, open_price, qty, open_trade_id, holder in lots:
        parent = parents.get(account)
        if parent is None:
            problems.append(Problem("unknown_account", account, code, "lot of an account with no parent account"))
            continue
        moved_lots.append(_new(Lot, (parent, code, direction, open_date, open_price, qty, open_trade_id, holder or account)))
    return moved_trades, moved_lots, problems


def level_one_input(
    trading_day: date,
    instruments: Mapping[str, InstrumentDay],
    accounts: Sequence[AccountOpening],
    client_lots: Iterable[Lot],
    client_trades: Iterable[TradeLine],
    parents: Mapping[str, str],
) -> tuple[LevelInput, list[Problem]]:
    """The exchange's level: member reserve accounts at exchange rates, holding the rolled-up
    lots and trades of one exchange's instruments."""
    trades, lots, problems = roll_up(client_trades, client_lots, parents)
    return LevelInput(trading_day, instruments, accounts, lots, trades), problems
