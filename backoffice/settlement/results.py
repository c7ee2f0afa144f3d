"""What the settlement core returns for one level: the figures the runner writes as they are.

The rows follow the CTP statement (交易结算单(盯市)): the transaction record, positions
closed, positions detail and the account summary, so that statements are built from stored
results and never recomputed. Line rows are NamedTuples (there is one per trade side and per
lot); account and level records are frozen slotted dataclasses. Every amount is a Decimal
rounded to the cent, half-up, per line; account totals are sums of the rounded lines.

Risk degree (margin occupied / equity) is stored as a fraction rounded half-up to 4 decimal
places, i.e. a percentage with 2 decimals (0.0121 = 1.21%): the precision the statements
print. It is 0 with no margin and None when margin is held against equity <= 0 (undefined;
the margin call states the shortfall).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from backoffice.domain.enums import PositionDirection

from .inputs import Lot, TradeLine


class SettledTrade(NamedTuple):
    """A trade line with what settlement made of it (transaction record)."""

    line: TradeLine
    fee: Decimal
    realized: Decimal  # close P&L of this trade (0 for an open)


class CloseLine(NamedTuple):
    """One closing trade against one lot (positions closed, 平仓明细)."""

    close_date: date
    trade_id: str
    instrument: str
    direction: PositionDirection  # of the position closed: a buy closes a short
    open_date: date
    open_trade_id: str
    qty: int
    open_price: Decimal
    previous_settlement: Decimal
    close_price: Decimal
    pnl: Decimal  # from previous settlement for a carried lot, from open price for today's
    holder: str


class PositionLine(NamedTuple):
    """One lot open after the day (positions detail, 持仓明细)."""

    instrument: str
    direction: PositionDirection
    open_date: date
    open_trade_id: str
    qty: int
    open_price: Decimal
    previous_settlement: Decimal
    settlement: Decimal
    accumulated_pnl: Decimal  # (settlement - open price) x qty x M x sign
    mtm: Decimal  # today's: from previous settlement for a carried lot, from open price for today's
    margin: Decimal  # settlement x qty x M x margin rate, before the large-side rule
    holder: str


class MarginLine(NamedTuple):
    """Margin of one product for one holder, and what is charged under the large-side rule."""

    holder: str
    product: str
    long_margin: Decimal
    short_margin: Decimal
    charged: Decimal  # max(long, short) for a large-side product, else long + short


@dataclass(frozen=True, slots=True)
class Problem:
    """Input that could not be settled as given; the runner must not commit a day with any."""

    code: str  # unknown_account, unknown_instrument, missing_rates, overclose, lot_not_before_day
    account: str
    ref: str  # the trade id, instrument or product concerned
    message: str


@dataclass(frozen=True, slots=True)
class AccountResult:
    account: str
    balance_bf: Decimal
    deposits: Decimal
    withdrawals: Decimal
    close_pnl: Decimal
    position_mtm: Decimal
    fees: Decimal
    balance_cf: Decimal  # b/f + deposits - withdrawals + close P&L + MTM - fees
    equity: Decimal  # = balance c/f (no options)
    margin: Decimal  # occupied: sum of MarginLine.charged
    available: Decimal  # equity - margin
    risk_degree: Decimal | None  # margin / equity, 4 places (see the module docstring)
    margin_call: Decimal  # max(0, margin - equity)
    trades: tuple[SettledTrade, ...]
    closes: tuple[CloseLine, ...]
    positions: tuple[PositionLine, ...]
    margins: tuple[MarginLine, ...]

    @property
    def pnl(self) -> Decimal:
        return self.close_pnl + self.position_mtm

    def rolled_lots(self) -> list[Lot]:
        """Tomorrow's opening lots: today's lots become carried ones, valued from today's
        settlement price, which becomes tomorrow's previous settlement."""
        return [
            Lot(self.account, p.instrument, p.direction, p.open_date, p.open_price, p.qty, p.open_trade_id, p.holder)
            for p in self.positions
        ]


@dataclass(frozen=True, slots=True)
class LevelResult:
    trading_day: date
    accounts: tuple[AccountResult, ...]
    problems: tuple[Problem, ...]
