"""The monthly statement (月结单) in text, JSON and CSV, laid out like the daily statement.

The monthly statement only sums what the client's daily statements already showed
(`monthly.build_monthly_statement`), so the renderers print its fields as they are and reuse
the daily statement's columns and row keys for the trades and closing positions: a reader
of one knows the other.

JSON schema `fixbroker.monthly_statement/1` (amounts decimal strings with two decimals,
prices as stored, lots integers, dates ISO 8601; keys never change meaning):

    schema       "fixbroker.monthly_statement/1"
    header       client_id, client_name, member_code, member_name, month ("2026-11"),
                 created, trading_days, currency
    account_summary
                 opening_balance, deposits, withdrawals, realized_pnl, mtm_pnl, commission,
                 closing_balance, closing_equity, closing_margin
    transactions [the daily statement's transaction keys]
    positions_summary [the daily statement's positions-summary keys]

CSV: one file with a `section` column (header, account_summary, transactions,
positions_summary), the other columns the union of the sections' keys, as for the daily
statement (UTF-8 with a BOM, CRLF).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from . import layout
from .csv_render import SECTION_FIELDS
from .json_render import money, position_summary_dict, transaction_dict
from .monthly import MonthlyStatement
from .text import SUMMARY_COLUMNS, TRANSACTION_COLUMNS, position_summary_totals, section, table, transaction_totals

SCHEMA = "fixbroker.monthly_statement/1"
CURRENCY = "CNY"
TITLE_ZH, TITLE_EN = "月结单", "Monthly Statement"


def month_label(statement: MonthlyStatement) -> str:
    return f"{statement.year:04d}-{statement.month:02d}"


def monthly_dict(statement: MonthlyStatement) -> dict[str, Any]:
    s = statement
    return {
        "schema": SCHEMA,
        "header": {
            "client_id": s.client_id,
            "client_name": s.client_name,
            "member_code": s.member_code,
            "member_name": s.member_name,
            "month": month_label(s),
            "created": s.created.isoformat(),
            "trading_days": s.trading_days,
            "currency": CURRENCY,
        },
        "account_summary": {
            "opening_balance": money(s.opening_balance),
            "deposits": money(s.deposits),
            "withdrawals": money(s.withdrawals),
            "realized_pnl": money(s.realized_pnl),
            "mtm_pnl": money(s.mtm_pnl),
            "commission": money(s.commission),
            "closing_balance": money(s.closing_balance),
            "closing_equity": money(s.closing_equity),
            "closing_margin": money(s.closing_margin),
        },
        "transactions": [transaction_dict(r) for r in s.trades],
        "positions_summary": [position_summary_dict(r) for r in s.positions],
    }


def render_json(statement: MonthlyStatement) -> str:
    return json.dumps(monthly_dict(statement), ensure_ascii=False, indent=2) + "\n"


CSV_SECTIONS = ("header", "account_summary", "transactions", "positions_summary")


def _union() -> tuple[str, ...]:
    fields = ["section", "client_id", "client_name", "member_code", "member_name", "month", "created", "trading_days", "currency"]
    fields += ["opening_balance", "deposits", "withdrawals", "realized_pnl", "mtm_pnl", "commission"]
    fields += ["closing_balance", "closing_equity", "closing_margin"]
    fields += [*SECTION_FIELDS["transactions"], *SECTION_FIELDS["positions_summary"]]
    return tuple(dict.fromkeys(fields))


CSV_COLUMNS = _union()


def render_csv(statement: MonthlyStatement) -> str:
    """The CSV text (without the BOM: encode with "utf-8-sig" for a file)."""
    data = monthly_dict(statement)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for name in CSV_SECTIONS:
        value = data[name]
        for row in value if isinstance(value, list) else [value]:
            writer.writerow({"section": name, **{k: "" if v is None else v for k, v in row.items()}})
    return out.getvalue()


def render_text(statement: MonthlyStatement) -> str:
    s = statement
    pairs = [
        ("期初结存 Opening Balance", s.opening_balance, "期末结存 Closing Balance", s.closing_balance),
        ("入金 Deposits", s.deposits, "客户权益 Closing Equity", s.closing_equity),
        ("出金 Withdrawals", s.withdrawals, "保证金占用 Closing Margin", s.closing_margin),
        ("平仓盈亏 Realized P/L", s.realized_pnl, "", None),
        ("盯市盈亏 MTM P/L", s.mtm_pnl, "", None),
        ("手续费 Commission", s.commission, "", None),
    ]
    cells = [(a, layout.amount(b), c, "" if d is None else layout.amount(d)) for a, b, c, d in pairs]
    label_w = max(layout.width(x[0]) for x in cells) + 1
    value_w = max(layout.width(x[1]) for x in cells)
    rlabel_w = max(layout.width(x[2]) for x in cells) + 1
    rvalue_w = max(layout.width(x[3]) for x in cells)
    summary = [
        f"{layout.ljust(a, label_w)}{layout.rjust(b, value_w)}    {layout.ljust(c, rlabel_w)}{layout.rjust(d, rvalue_w)}".rstrip()
        for a, b, c, d in cells
    ]
    rule = "-" * max(layout.width(x) for x in summary)
    out = [
        f"会员 Member: {s.member_code} {s.member_name}",
        f"客户号 Client ID: {s.client_id}    客户名称 Client Name: {s.client_name}",
        f"月份 Month: {month_label(s)}    交易日数 Trading Days: {s.trading_days}    "
        f"制表日期 Creation Date: {layout.day(s.created)}    币种 Currency: {CURRENCY}",
    ]
    out += section("资金状况", "Account Summary", [rule, *summary, rule])
    if s.trades:
        out += section("成交记录", "Transaction Record", table(TRANSACTION_COLUMNS, s.trades, transaction_totals(s.trades)))
    if s.positions:
        out += section("期末持仓", "Closing Positions", table(SUMMARY_COLUMNS, s.positions, position_summary_totals(s.positions)))
    title = layout.center(f"{TITLE_ZH}  {TITLE_EN}", max(layout.width(x) for x in out)).rstrip()
    return "\n".join([title, "", *out]) + "\n"
