"""The client statement as data: what every renderer (text, JSON, CSV, PDF) prints.

One frozen object per statement, built once from stored settlement results and reference
data, so the four formats cannot disagree: a renderer only lays out what is here and never
computes a figure. The sections follow the CTP 交易结算单(盯市) (Settlement Statement (MTM)):
header, account summary, deposits/withdrawals, transaction record, positions closed,
positions detail, positions summary, margin-call notice, legends.

Amounts are Decimals to the cent, prices Decimals as traded or settled, lots ints. Risk
degree is the settlement core's fraction to 4 places (0.0121 = 1.21%), None when margin is
held against equity <= 0. Codes in the rows are short and stable (B/S, S/H, O/C below) and
explained by the legends, so the JSON and CSV stay machine-friendly and the printed forms
stay narrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class BuySell(StrEnum):
    BUY = "B"
    SELL = "S"


class HedgeFlag(StrEnum):
    """投机/套保. Every trade of this venue is speculation; hedging is not modelled yet."""

    SPECULATION = "S"
    HEDGE = "H"


class OpenClose(StrEnum):
    OPEN = "O"
    CLOSE = "C"
    CLOSE_TODAY = "CT"
    CLOSE_PREVIOUS = "CY"
    FORCED = "FL"  # forced liquidation (强平), whatever its offset flag


class CashKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


@dataclass(frozen=True, slots=True)
class Legend:
    code: str
    zh: str
    en: str


LEGENDS: tuple[Legend, ...] = (
    Legend("B/S", "买/卖: B=买 S=卖", "Buy/sell: B = buy, S = sell"),
    Legend("S/H", "投/保: S=投机 H=套保", "Speculation/hedge: S = speculation, H = hedge"),
    Legend(
        "O/C",
        "开平: O=开仓 C=平仓 CT=平今 CY=平昨 FL=强平",
        "Open/close: O = open, C = close, CT = close today, CY = close prev., FL = forced liquidation",
    ),
    Legend("P/L", "平仓盈亏按上日结算价(今仓按开仓价)计; 盯市盈亏按当日结算价计", "Realized P/L from prev. settlement (today's lots: open price); MTM P/L at today's settlement"),
    Legend("RD", "风险度 = 保证金占用 / 客户权益", "Risk degree = margin occupied / client equity"),
)


@dataclass(frozen=True, slots=True)
class StatementHeader:
    client_id: str
    client_name: str
    member_code: str
    member_name: str
    trading_day: date
    created: date
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """资金状况. balance_cf = balance_bf + deposit_withdrawal + realized_pnl + mtm_pnl - commission."""

    balance_bf: Decimal
    deposit_withdrawal: Decimal  # deposits - withdrawals
    realized_pnl: Decimal
    mtm_pnl: Decimal
    commission: Decimal
    balance_cf: Decimal
    client_equity: Decimal
    margin_occupied: Decimal
    fund_available: Decimal
    risk_degree: Decimal | None
    margin_call: Decimal


@dataclass(frozen=True, slots=True)
class CashRow:
    """出入金明细: one deposit or withdrawal."""

    date: date
    kind: CashKind
    amount: Decimal  # positive
    note: str = ""

    @property
    def deposit(self) -> Decimal:
        return self.amount if self.kind is CashKind.DEPOSIT else ZERO

    @property
    def withdrawal(self) -> Decimal:
        return self.amount if self.kind is CashKind.WITHDRAWAL else ZERO


@dataclass(frozen=True, slots=True)
class TransactionRow:
    """成交记录: one trade line."""

    date: date
    exchange: str
    product: str
    instrument: str
    buy_sell: BuySell
    hedge: HedgeFlag
    price: Decimal
    lots: int
    turnover: Decimal  # price x lots x multiplier
    open_close: OpenClose
    fee: Decimal
    realized_pnl: Decimal
    trade_no: str


@dataclass(frozen=True, slots=True)
class ClosedRow:
    """平仓明细: one closing trade against one lot. B/S is the closing trade's."""

    close_date: date
    instrument: str
    open_date: date
    buy_sell: BuySell
    lots: int
    open_price: Decimal
    prev_settlement: Decimal
    trade_price: Decimal
    realized_pnl: Decimal
    trade_no: str


@dataclass(frozen=True, slots=True)
class PositionDetailRow:
    """持仓明细: one open lot. B = long, S = short."""

    instrument: str
    open_date: date
    buy_sell: BuySell
    lots: int
    open_price: Decimal
    prev_settlement: Decimal
    settlement: Decimal
    accumulated_pnl: Decimal
    mtm_pnl: Decimal
    margin: Decimal
    trade_no: str


@dataclass(frozen=True, slots=True)
class PositionSummaryRow:
    """持仓汇总: one instrument. Margin is the lots' own, before any large-side rule (the
    account summary's margin occupied applies it)."""

    instrument: str
    long_lots: int
    avg_buy_price: Decimal | None
    short_lots: int
    avg_sell_price: Decimal | None
    prev_settlement: Decimal
    settlement: Decimal
    mtm_pnl: Decimal
    margin: Decimal


@dataclass(frozen=True, slots=True)
class MarginCallNotice:
    """追加保证金通知: equity is below margin occupied by `amount`."""

    amount: Decimal
    deadline: datetime | None  # None: before the next open, as the member's rules say


@dataclass(frozen=True, slots=True)
class ClientStatement:
    header: StatementHeader
    summary: AccountSummary
    cash: tuple[CashRow, ...]
    transactions: tuple[TransactionRow, ...]
    closed: tuple[ClosedRow, ...]
    positions: tuple[PositionDetailRow, ...]
    position_summary: tuple[PositionSummaryRow, ...]
    margin_call_notice: MarginCallNotice | None
    legends: tuple[Legend, ...] = LEGENDS
