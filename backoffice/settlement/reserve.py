"""Roll a settlement member's reserve forward after level-1 settlement.

At the exchange a member's funds are its settlement reserve (结算准备金) plus the margin its
positions occupy. Margin released since yesterday flows back into the reserve, margin newly
occupied comes out of it, and the day's P&L, cash and fees land in it:

    reserve today = reserve yesterday + margin yesterday - margin today
                    + P&L + deposits - withdrawals - fees

A reserve below the member's minimum is a margin call for the difference, to be made up
before the next open (else no new opening positions). The net payable/receivable that goes
to the settlement banks is the day's settlement cash effect, P&L - fees: positive means the
exchange pays the member. Deposits and withdrawals are not in it, being bank transfers
already made, nor is margin, which only moves inside the member's funds at the exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .results import AccountResult

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ReserveOpening:
    account: str  # the member's reserve account (one per exchange and business type)
    reserve_bf: Decimal
    margin_bf: Decimal  # margin occupied after yesterday's settlement
    min_reserve: Decimal


@dataclass(frozen=True, slots=True)
class ReserveResult:
    account: str
    reserve_bf: Decimal
    margin_bf: Decimal
    margin: Decimal
    pnl: Decimal  # close P&L + position MTM
    deposits: Decimal
    withdrawals: Decimal
    fees: Decimal
    reserve: Decimal
    min_reserve: Decimal
    margin_call: Decimal  # max(0, min_reserve - reserve)
    net_settlement: Decimal  # pnl - fees; positive: receivable by the member


def roll_reserve(opening: ReserveOpening, settled: AccountResult) -> ReserveResult:
    """The member reserve after the day, from its level-1 account result."""
    if opening.account != settled.account:
        raise ValueError(f"reserve of {opening.account} rolled with the result of {settled.account}")
    pnl = settled.close_pnl + settled.position_mtm
    reserve = opening.reserve_bf + opening.margin_bf - settled.margin + pnl + settled.deposits - settled.withdrawals - settled.fees
    shortfall = opening.min_reserve - reserve
    return ReserveResult(
        account=opening.account,
        reserve_bf=opening.reserve_bf,
        margin_bf=opening.margin_bf,
        margin=settled.margin,
        pnl=pnl,
        deposits=settled.deposits,
        withdrawals=settled.withdrawals,
        fees=settled.fees,
        reserve=reserve,
        min_reserve=opening.min_reserve,
        margin_call=shortfall if shortfall > 0 else ZERO,
        net_settlement=pnl - settled.fees,
    )
