"""A settlement member's daily reports from the exchange: P&L, trades, positions, funds.

The exchange settles each member's reserve accounts (one per exchange and business type,
proprietary and brokerage apart) at exchange rates, and reports the day to the member in
four tables (settlement.md, "Member level"):

- P&L table (盈亏表): per reserve account and instrument, close P&L, position MTM, fees and
  their net (close P&L + MTM - fees, the instrument's share of the net settlement);
- trade table (成交表): every trade line settled to the account, with the client (holder)
  it was booked for, its fee and realized P&L;
- position table (持仓表): per account and instrument, long and short lots open after the
  day, the prices they were marked at, MTM and margin (before the large-side rule: the
  fund table's margin c/f is what is charged);
- fund settlement table (资金结算表): the reserve roll-forward, one row per reserve account:
  reserve c/f = reserve b/f + margin b/f - margin c/f + P&L + deposits - withdrawals - fees;
  below the minimum reserve the difference is called.

Every figure is a stored settlement figure or a sum of stored line figures (per-instrument
subtotals of the account's lines), never recomputed from prices; the builder refuses input
whose lines do not add up to the account totals, so a report cannot contradict itself. The
settlement-bank transfer file is `backoffice.settlement.transfers`, not repeated here.

Renderers: fixed-width text (CJK display width, `text.table`) and one CSV with a `section`
column (`CSV_FIELDS` per section; UTF-8 with a BOM, CRLF, amounts as decimal strings), as
for client statements.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from backoffice.domain.enums import PositionDirection, Side
from backoffice.domain.money import round_money
from backoffice.settlement.reserve import ReserveResult
from backoffice.settlement.results import AccountResult

from . import layout
from .build import InstrumentRef, open_close_code
from .json_render import money, number
from .model import ZERO, BuySell, OpenClose
from .text import LEFT, RIGHT, Column, section, table, totals_row

CSV_ENCODING = "utf-8-sig"  # with a BOM, for Excel (see csv_render)


@dataclass(frozen=True, slots=True)
class PnlRow:
    """盈亏表: one instrument of one reserve account."""

    account: str
    exchange: str
    product: str
    instrument: str
    close_pnl: Decimal
    mtm_pnl: Decimal
    fees: Decimal

    @property
    def net(self) -> Decimal:
        return self.close_pnl + self.mtm_pnl - self.fees


@dataclass(frozen=True, slots=True)
class MemberTradeRow:
    """成交表: one trade line settled to a reserve account."""

    account: str
    trade_no: str
    holder: str  # the client the line was booked for
    instrument: str
    buy_sell: BuySell
    open_close: OpenClose
    price: Decimal
    lots: int
    turnover: Decimal
    fee: Decimal
    realized_pnl: Decimal


@dataclass(frozen=True, slots=True)
class MemberPositionRow:
    """持仓表: the lots of one instrument open in one reserve account after the day."""

    account: str
    instrument: str
    long_lots: int
    short_lots: int
    prev_settlement: Decimal
    settlement: Decimal
    mtm_pnl: Decimal
    margin: Decimal  # the lots' own, before the large-side rule


@dataclass(frozen=True, slots=True)
class FundRow:
    """资金结算表: one reserve account rolled forward."""

    account: str
    reserve_bf: Decimal
    margin_bf: Decimal
    margin_cf: Decimal
    pnl: Decimal
    deposits: Decimal
    withdrawals: Decimal
    fees: Decimal
    reserve_cf: Decimal
    min_reserve: Decimal
    margin_call: Decimal
    net_settlement: Decimal  # P&L - fees; positive: receivable by the member


@dataclass(frozen=True, slots=True)
class MemberReport:
    member_code: str
    member_name: str
    trading_day: date
    created: date
    pnl: tuple[PnlRow, ...]
    trades: tuple[MemberTradeRow, ...]
    positions: tuple[MemberPositionRow, ...]
    funds: tuple[FundRow, ...]


def build_member_report(
    member_code: str,
    member_name: str,
    trading_day: date,
    created: date,
    results: Sequence[AccountResult],
    reserves: Sequence[ReserveResult],
    instruments: Mapping[str, InstrumentRef],
) -> MemberReport:
    """The reports of one member from its reserve accounts' level-1 results and rolled reserves.

    `results` and `reserves` must name the same accounts (ValueError otherwise); every
    instrument traded or held must be in `instruments` (KeyError otherwise). Accounts are
    reported in code order, instruments in code order within an account, trades as settled.
    """
    by_account = {r.account: r for r in results}
    rolled = {v.account: v for v in reserves}
    if by_account.keys() != rolled.keys():
        raise ValueError(f"results for {sorted(by_account)} but reserves for {sorted(rolled)}")
    pnl: list[PnlRow] = []
    trades: list[MemberTradeRow] = []
    positions: list[MemberPositionRow] = []
    funds: list[FundRow] = []
    for code in sorted(by_account):
        result, reserve = by_account[code], rolled[code]
        _check_totals(result, reserve)
        pnl.extend(_pnl_rows(result, instruments))
        trades.extend(
            MemberTradeRow(
                account=code,
                trade_no=t.line.trade_id,
                holder=t.line.holder,
                instrument=t.line.instrument,
                buy_sell=BuySell.BUY if t.line.side is Side.BUY else BuySell.SELL,
                open_close=open_close_code(t.line),
                price=t.line.price,
                lots=t.line.qty,
                turnover=round_money(t.line.price * t.line.qty * instruments[t.line.instrument].multiplier),
                fee=t.fee,
                realized_pnl=t.realized,
            )
            for t in result.trades
        )
        positions.extend(_position_rows(result))
        funds.append(
            FundRow(
                account=code,
                reserve_bf=reserve.reserve_bf,
                margin_bf=reserve.margin_bf,
                margin_cf=reserve.margin,
                pnl=reserve.pnl,
                deposits=reserve.deposits,
                withdrawals=reserve.withdrawals,
                fees=reserve.fees,
                reserve_cf=reserve.reserve,
                min_reserve=reserve.min_reserve,
                margin_call=reserve.margin_call,
                net_settlement=reserve.net_settlement,
            )
        )
    return MemberReport(member_code, member_name, trading_day, created, tuple(pnl), tuple(trades), tuple(positions), tuple(funds))


def _check_totals(result: AccountResult, reserve: ReserveResult) -> None:
    realized = sum((t.realized for t in result.trades), ZERO)
    mtm = sum((p.mtm for p in result.positions), ZERO)
    fees = sum((t.fee for t in result.trades), ZERO)
    if (realized, mtm, fees) != (result.close_pnl, result.position_mtm, result.fees):
        raise ValueError(
            f"lines of {result.account} add up to close P&L {realized}, MTM {mtm}, fees {fees}; "
            f"its totals are {result.close_pnl}, {result.position_mtm}, {result.fees}"
        )
    if (reserve.pnl, reserve.fees, reserve.margin) != (result.pnl, result.fees, result.margin):
        raise ValueError(f"reserve of {result.account} was rolled with other figures than its settlement")


def _pnl_rows(result: AccountResult, instruments: Mapping[str, InstrumentRef]) -> list[PnlRow]:
    sums: dict[str, list[Decimal]] = {}
    for t in result.trades:
        row = sums.setdefault(t.line.instrument, [ZERO, ZERO, ZERO])
        row[0] += t.realized
        row[2] += t.fee
    for p in result.positions:
        sums.setdefault(p.instrument, [ZERO, ZERO, ZERO])[1] += p.mtm
    return [
        PnlRow(result.account, instruments[code].exchange, instruments[code].product, code, close, mtm, fees)
        for code, (close, mtm, fees) in sorted(sums.items())
    ]


def _position_rows(result: AccountResult) -> list[MemberPositionRow]:
    by_instrument: dict[str, list] = {}
    for p in result.positions:
        by_instrument.setdefault(p.instrument, []).append(p)
    rows = []
    for code in sorted(by_instrument):
        group = by_instrument[code]
        rows.append(
            MemberPositionRow(
                account=result.account,
                instrument=code,
                long_lots=sum(p.qty for p in group if p.direction is PositionDirection.LONG),
                short_lots=sum(p.qty for p in group if p.direction is PositionDirection.SHORT),
                prev_settlement=group[0].previous_settlement,
                settlement=group[0].settlement,
                mtm_pnl=sum((p.mtm for p in group), ZERO),
                margin=sum((p.margin for p in group), ZERO),
            )
        )
    return rows


PNL_COLUMNS = (
    Column("结算准备金账户", "Reserve Account", LEFT, lambda r: r.account),
    Column("交易所", "Exchange", LEFT, lambda r: r.exchange),
    Column("品种", "Product", LEFT, lambda r: r.product),
    Column("合约", "Instrument", LEFT, lambda r: r.instrument),
    Column("平仓盈亏", "Close P/L", RIGHT, lambda r: layout.amount(r.close_pnl)),
    Column("持仓盯市盈亏", "MTM P/L", RIGHT, lambda r: layout.amount(r.mtm_pnl)),
    Column("手续费", "Fees", RIGHT, lambda r: layout.amount(r.fees)),
    Column("净额", "Net", RIGHT, lambda r: layout.amount(r.net)),
)
TRADE_COLUMNS = (
    Column("结算准备金账户", "Reserve Account", LEFT, lambda r: r.account),
    Column("成交序号", "Trade No.", LEFT, lambda r: r.trade_no),
    Column("客户号", "Client ID", LEFT, lambda r: r.holder),
    Column("合约", "Instrument", LEFT, lambda r: r.instrument),
    Column("买/卖", "B/S", LEFT, lambda r: r.buy_sell.value),
    Column("开平", "O/C", LEFT, lambda r: r.open_close.value),
    Column("成交价", "Price", RIGHT, lambda r: layout.price(r.price)),
    Column("手数", "Lots", RIGHT, lambda r: str(r.lots)),
    Column("成交额", "Turnover", RIGHT, lambda r: layout.amount(r.turnover)),
    Column("手续费", "Fee", RIGHT, lambda r: layout.amount(r.fee)),
    Column("平仓盈亏", "Realized P/L", RIGHT, lambda r: layout.amount(r.realized_pnl)),
)
POSITION_COLUMNS = (
    Column("结算准备金账户", "Reserve Account", LEFT, lambda r: r.account),
    Column("合约", "Instrument", LEFT, lambda r: r.instrument),
    Column("买持", "Long Pos.", RIGHT, lambda r: str(r.long_lots)),
    Column("卖持", "Short Pos.", RIGHT, lambda r: str(r.short_lots)),
    Column("昨结算", "Prev. Sttl.", RIGHT, lambda r: layout.price(r.prev_settlement)),
    Column("今结算", "Sttl. Today", RIGHT, lambda r: layout.price(r.settlement)),
    Column("盯市盈亏", "MTM P/L", RIGHT, lambda r: layout.amount(r.mtm_pnl)),
    Column("保证金", "Margin", RIGHT, lambda r: layout.amount(r.margin)),
)
FUND_COLUMNS = (
    Column("结算准备金账户", "Reserve Account", LEFT, lambda r: r.account),
    Column("上日结算准备金", "Reserve b/f", RIGHT, lambda r: layout.amount(r.reserve_bf)),
    Column("上日保证金", "Margin b/f", RIGHT, lambda r: layout.amount(r.margin_bf)),
    Column("当日保证金", "Margin c/f", RIGHT, lambda r: layout.amount(r.margin_cf)),
    Column("盈亏", "P/L", RIGHT, lambda r: layout.amount(r.pnl)),
    Column("入金", "Deposits", RIGHT, lambda r: layout.amount(r.deposits)),
    Column("出金", "Withdrawals", RIGHT, lambda r: layout.amount(r.withdrawals)),
    Column("手续费", "Fees", RIGHT, lambda r: layout.amount(r.fees)),
    Column("当日结算准备金", "Reserve c/f", RIGHT, lambda r: layout.amount(r.reserve_cf)),
    Column("最低结算准备金", "Minimum", RIGHT, lambda r: layout.amount(r.min_reserve)),
    Column("应追加资金", "Call", RIGHT, lambda r: layout.amount(r.margin_call)),
    Column("净收付", "Net Settlement", RIGHT, lambda r: layout.amount(r.net_settlement)),
)


def _money_sum(rows: Sequence[object], field: str) -> str:
    return layout.amount(sum((getattr(r, field) for r in rows), ZERO))


def render_text(report: MemberReport) -> str:
    """The four tables, bilingual titles, aligned by display width."""
    p, t, q, f = report.pnl, report.trades, report.positions, report.funds
    parts = [
        ("资金结算表", "Fund Settlement", FUND_COLUMNS, f, totals_row(FUND_COLUMNS, len(f), {
            1: _money_sum(f, "reserve_bf"), 2: _money_sum(f, "margin_bf"), 3: _money_sum(f, "margin_cf"), 4: _money_sum(f, "pnl"),
            5: _money_sum(f, "deposits"), 6: _money_sum(f, "withdrawals"), 7: _money_sum(f, "fees"), 8: _money_sum(f, "reserve_cf"),
            10: _money_sum(f, "margin_call"), 11: _money_sum(f, "net_settlement"),
        })),
        ("盈亏表", "P&L", PNL_COLUMNS, p, totals_row(PNL_COLUMNS, len(p), {
            4: _money_sum(p, "close_pnl"), 5: _money_sum(p, "mtm_pnl"), 6: _money_sum(p, "fees"), 7: _money_sum(p, "net"),
        })),
        ("成交表", "Trades", TRADE_COLUMNS, t, totals_row(TRADE_COLUMNS, len(t), {
            7: str(sum(r.lots for r in t)), 8: _money_sum(t, "turnover"), 9: _money_sum(t, "fee"), 10: _money_sum(t, "realized_pnl"),
        })),
        ("持仓表", "Positions", POSITION_COLUMNS, q, totals_row(POSITION_COLUMNS, len(q), {
            2: str(sum(r.long_lots for r in q)), 3: str(sum(r.short_lots for r in q)), 6: _money_sum(q, "mtm_pnl"), 7: _money_sum(q, "margin"),
        })),
    ]
    out = [
        f"会员 Member: {report.member_code} {report.member_name}",
        f"交易日 Trading Day: {layout.day(report.trading_day)}    制表日期 Creation Date: {layout.day(report.created)}",
        "按交易所费率结算 Settled at exchange rates; amounts in CNY",
    ]
    for zh, en, columns, rows, total in parts:
        out += section(zh, en, table(columns, rows, total) if rows else ["(无 none)"])
    title = layout.center("会员结算报表  Member Settlement Reports", max(layout.width(x) for x in out)).rstrip()
    return "\n".join([title, "", *out]) + "\n"


CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "funds": (
        "account", "reserve_bf", "margin_bf", "margin_cf", "pnl", "deposits", "withdrawals", "fees",
        "reserve_cf", "min_reserve", "margin_call", "net_settlement",
    ),
    "pnl": ("account", "exchange", "product", "instrument", "close_pnl", "mtm_pnl", "fees", "net"),
    "trades": ("account", "trade_no", "holder", "instrument", "bs", "oc", "price", "lots", "turnover", "fee", "realized_pnl"),
    "positions": ("account", "instrument", "long_lots", "short_lots", "prev_settlement", "settlement", "mtm_pnl", "margin"),
}
CSV_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(["section", "member_code", "trading_day", *(f for fields in CSV_FIELDS.values() for f in fields)])
)


def _csv_value(row: object, field: str) -> object:
    if field == "bs":
        return row.buy_sell.value  # type: ignore[attr-defined]
    if field == "oc":
        return row.open_close.value  # type: ignore[attr-defined]
    value = getattr(row, field)
    if isinstance(value, (int, str)):
        return value
    return number(value) if field in ("price", "prev_settlement", "settlement") else money(value)


def render_csv(report: MemberReport) -> str:
    """One CSV: a `section` column (funds, pnl, trades, positions), the member and day on
    every row, then the union of the sections' fields (`CSV_FIELDS`), each row filling its
    own. Amounts have two decimals, prices are as stored, lots are integers."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    common = {"member_code": report.member_code, "trading_day": report.trading_day.isoformat()}
    for name, rows in (("funds", report.funds), ("pnl", report.pnl), ("trades", report.trades), ("positions", report.positions)):
        for row in rows:
            writer.writerow({"section": name, **common, **{f: _csv_value(row, f) for f in CSV_FIELDS[name]}})
    return out.getvalue()
