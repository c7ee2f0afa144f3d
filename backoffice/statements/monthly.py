"""The monthly statement (月结单) of one client: built from that month's daily statements.

Nothing is recomputed from trades: the opening balance is the first trading day's balance
b/f, the closing balance the last day's balance c/f, the monthly totals are sums of the
daily summaries, the trades are every day's transaction rows in day order, and the
closing positions are the last day's position summary. So the month agrees with the days
a client already received, to the cent:

    closing = opening + deposit_withdrawal + realized_pnl + mtm_pnl - commission
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .model import ZERO, ClientStatement, PositionSummaryRow, StatementHeader, TransactionRow


@dataclass(frozen=True, slots=True)
class MonthlyStatement:
    client_id: str
    client_name: str
    member_code: str
    member_name: str
    year: int
    month: int
    created: date
    trading_days: int
    opening_balance: Decimal
    deposits: Decimal
    withdrawals: Decimal
    realized_pnl: Decimal
    mtm_pnl: Decimal
    commission: Decimal
    closing_balance: Decimal
    closing_equity: Decimal
    closing_margin: Decimal
    trades: tuple[TransactionRow, ...]
    positions: tuple[PositionSummaryRow, ...]


def build_monthly_statement(daily: Sequence[ClientStatement], created: date) -> MonthlyStatement:
    """The month of the given daily statements (one client, one calendar month, any order)."""
    if not daily:
        raise ValueError("a monthly statement needs at least one daily statement")
    days = sorted(daily, key=lambda s: s.header.trading_day)
    first: StatementHeader = days[0].header
    for s in days:
        h = s.header
        if h.client_id != first.client_id:
            raise ValueError(f"statements of {first.client_id} and {h.client_id} mixed")
        if (h.trading_day.year, h.trading_day.month) != (first.trading_day.year, first.trading_day.month):
            raise ValueError(f"{h.trading_day} is not in {first.trading_day:%Y-%m}")
    if len({s.header.trading_day for s in days}) != len(days):
        raise ValueError(f"a trading day of {first.client_id} appears twice")
    last = days[-1]
    return MonthlyStatement(
        client_id=first.client_id,
        client_name=last.header.client_name,
        member_code=first.member_code,
        member_name=first.member_name,
        year=first.trading_day.year,
        month=first.trading_day.month,
        created=created,
        trading_days=len(days),
        opening_balance=days[0].summary.balance_bf,
        deposits=sum((row.deposit for s in days for row in s.cash), ZERO),
        withdrawals=sum((row.withdrawal for s in days for row in s.cash), ZERO),
        realized_pnl=sum((s.summary.realized_pnl for s in days), ZERO),
        mtm_pnl=sum((s.summary.mtm_pnl for s in days), ZERO),
        commission=sum((s.summary.commission for s in days), ZERO),
        closing_balance=last.summary.balance_cf,
        closing_equity=last.summary.client_equity,
        closing_margin=last.summary.margin_occupied,
        trades=tuple(t for s in days for t in s.transactions),
        positions=last.position_summary,
    )
