"""Build a client statement from the settlement core's AccountResult and plain reference data.

The statement shows the stored settlement figures as they are: every amount of the account
summary and of each row comes from the AccountResult, so the statement equals the settlement
to the cent. The builder only adds what a reader needs and the result does not carry:
names, exchange and product of each instrument, turnover (price x lots x multiplier,
rounded to the cent half-up like every line amount), the per-instrument position summary
(average open prices to 3 decimals, half-up) and the margin-call notice. No database, no
clock: the creation date and the reference data are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from backoffice.domain.enums import OffsetFlag, PositionDirection, Side
from backoffice.domain.money import round_money
from backoffice.settlement.inputs import TradeLine
from backoffice.settlement.results import AccountResult, PositionLine

from .model import (
    ZERO,
    AccountSummary,
    BuySell,
    CashKind,
    CashRow,
    ClientStatement,
    ClosedRow,
    HedgeFlag,
    MarginCallNotice,
    OpenClose,
    PositionDetailRow,
    PositionSummaryRow,
    StatementHeader,
    TransactionRow,
)

AVG_PRICE_PLACES = Decimal("0.001")

_OPEN_CLOSE = {
    OffsetFlag.OPEN: OpenClose.OPEN,
    OffsetFlag.CLOSE: OpenClose.CLOSE,
    OffsetFlag.CLOSE_TODAY: OpenClose.CLOSE_TODAY,
    OffsetFlag.CLOSE_YESTERDAY: OpenClose.CLOSE_PREVIOUS,
}


@dataclass(frozen=True, slots=True)
class InstrumentRef:
    """What a statement prints about an instrument besides its code."""

    exchange: str
    product: str
    multiplier: Decimal


def build_client_statement(
    result: AccountResult,
    *,
    client_name: str,
    member_code: str,
    member_name: str,
    trading_day: date,
    created: date,
    instruments: Mapping[str, InstrumentRef],
    cash: Sequence[CashRow] = (),
    margin_call_deadline: datetime | None = None,
    currency: str = "CNY",
) -> ClientStatement:
    """The statement of one settled account.

    `cash` lists the day's deposits and withdrawals; they must add up to the result's totals
    (ValueError otherwise: a statement must not contradict its own summary). Every
    instrument traded or held must be in `instruments` (KeyError otherwise).
    """
    check_cash(result, cash)
    header = StatementHeader(result.account, client_name, member_code, member_name, trading_day, created, currency)
    summary = AccountSummary(
        balance_bf=result.balance_bf,
        deposit_withdrawal=result.deposits - result.withdrawals,
        realized_pnl=result.close_pnl,
        mtm_pnl=result.position_mtm,
        commission=result.fees,
        balance_cf=result.balance_cf,
        client_equity=result.equity,
        margin_occupied=result.margin,
        fund_available=result.available,
        risk_degree=result.risk_degree,
        margin_call=result.margin_call,
    )
    transactions = tuple(
        TransactionRow(
            date=trading_day,
            exchange=instruments[t.line.instrument].exchange,
            product=instruments[t.line.instrument].product,
            instrument=t.line.instrument,
            buy_sell=BuySell.BUY if t.line.side is Side.BUY else BuySell.SELL,
            hedge=HedgeFlag.SPECULATION,
            price=t.line.price,
            lots=t.line.qty,
            turnover=round_money(t.line.price * t.line.qty * instruments[t.line.instrument].multiplier),
            open_close=open_close_code(t.line),
            fee=t.fee,
            realized_pnl=t.realized,
            trade_no=t.line.trade_id,
        )
        for t in result.trades
    )
    closed = tuple(
        ClosedRow(
            close_date=c.close_date,
            instrument=c.instrument,
            open_date=c.open_date,
            buy_sell=BuySell.SELL if c.direction is PositionDirection.LONG else BuySell.BUY,
            lots=c.qty,
            open_price=c.open_price,
            prev_settlement=c.previous_settlement,
            trade_price=c.close_price,
            realized_pnl=c.pnl,
            trade_no=c.trade_id,
        )
        for c in result.closes
    )
    positions = tuple(
        PositionDetailRow(
            instrument=p.instrument,
            open_date=p.open_date,
            buy_sell=BuySell.BUY if p.direction is PositionDirection.LONG else BuySell.SELL,
            lots=p.qty,
            open_price=p.open_price,
            prev_settlement=p.previous_settlement,
            settlement=p.settlement,
            accumulated_pnl=p.accumulated_pnl,
            mtm_pnl=p.mtm,
            margin=p.margin,
            trade_no=p.open_trade_id,
        )
        for p in result.positions
    )
    notice = MarginCallNotice(result.margin_call, margin_call_deadline) if result.margin_call > 0 else None
    return ClientStatement(
        header=header,
        summary=summary,
        cash=tuple(cash),
        transactions=transactions,
        closed=closed,
        positions=positions,
        position_summary=summarize_positions(result.positions),
        margin_call_notice=notice,
    )


def check_cash(result: AccountResult, cash: Sequence[CashRow]) -> None:
    """ValueError unless the cash rows add up to the result's deposits and withdrawals."""
    deposits = sum((row.deposit for row in cash), ZERO)
    withdrawals = sum((row.withdrawal for row in cash), ZERO)
    if deposits != result.deposits or withdrawals != result.withdrawals:
        raise ValueError(
            f"cash rows of {result.account} total {deposits} in / {withdrawals} out, "
            f"settlement has {result.deposits} / {result.withdrawals}"
        )


@dataclass(frozen=True, slots=True)
class StatementInput:
    """Everything `build_client_statement` takes for one account, checked up front.

    A day's 100,000 statements are built where they are rendered, in the worker processes
    of `day_files`, so the process that read the results hands these over rather than
    building every statement on one core. The checks the builder makes run here, in the
    reading process, so a bad input fails before any file is written."""

    result: AccountResult
    client_name: str
    member_code: str
    member_name: str
    trading_day: date
    created: date
    instruments: Mapping[str, InstrumentRef]
    cash: Sequence[CashRow] = ()
    margin_call_deadline: datetime | None = None

    def __post_init__(self) -> None:
        check_cash(self.result, self.cash)
        r = self.result
        unknown = {x.line.instrument for x in r.trades} | {x.instrument for x in r.closes} | {x.instrument for x in r.positions}
        unknown.difference_update(self.instruments)
        if unknown:
            raise KeyError(f"{r.account} trades or holds {', '.join(sorted(unknown))}, not in the instrument reference data")

    @property
    def client_id(self) -> str:
        return self.result.account

    def build(self) -> ClientStatement:
        return build_client_statement(
            self.result, client_name=self.client_name, member_code=self.member_code, member_name=self.member_name,
            trading_day=self.trading_day, created=self.created, instruments=self.instruments, cash=self.cash,
            margin_call_deadline=self.margin_call_deadline,
        )


def open_close_code(line: TradeLine) -> OpenClose:
    """The O/C code a statement prints: FL for any forced liquidation, else the offset flag's."""
    return OpenClose.FORCED if line.forced else _OPEN_CLOSE[line.offset]


def summarize_positions(lines: Sequence[PositionLine]) -> tuple[PositionSummaryRow, ...]:
    """持仓汇总: the lots of each instrument added up, instruments in code order (one pass
    over each instrument's lines: this runs for every statement of the day)."""
    by_instrument: dict[str, list[PositionLine]] = {}
    for line in lines:
        by_instrument.setdefault(line.instrument, []).append(line)
    rows = []
    for code in sorted(by_instrument):
        group = by_instrument[code]
        long_lots = short_lots = 0
        long_value = short_value = mtm = margin = ZERO
        for p in group:
            if p.direction is PositionDirection.LONG:
                long_lots += p.qty
                long_value += p.open_price * p.qty
            else:
                short_lots += p.qty
                short_value += p.open_price * p.qty
            mtm += p.mtm
            margin += p.margin
        rows.append(
            PositionSummaryRow(
                instrument=code,
                long_lots=long_lots,
                avg_buy_price=_average_open(long_value, long_lots),
                short_lots=short_lots,
                avg_sell_price=_average_open(short_value, short_lots),
                prev_settlement=group[0].previous_settlement,
                settlement=group[0].settlement,
                mtm_pnl=mtm,
                margin=margin,
            )
        )
    return tuple(rows)


def _average_open(value: Decimal, qty: int) -> Decimal | None:
    if qty == 0:
        return None
    return (value / qty).quantize(AVG_PRICE_PLACES, rounding=ROUND_HALF_UP)


def cash_rows(trading_day: date, deposits: Decimal, withdrawals: Decimal) -> tuple[CashRow, ...]:
    """One row per non-zero day total, for callers whose ledger keeps only daily totals."""
    rows = []
    if deposits:
        rows.append(CashRow(trading_day, CashKind.DEPOSIT, deposits))
    if withdrawals:
        rows.append(CashRow(trading_day, CashKind.WITHDRAWAL, withdrawals))
    return tuple(rows)
