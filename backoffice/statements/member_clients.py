"""A member's view of its own clients: one row per client account, sortable, in text and CSV.

Operators scan this after settlement for the accounts at risk: sort by risk degree or
margin call, descending, and the margin calls come first. Rows are taken from the clients'
statements (so they equal the settlement to the cent). An undefined risk degree (margin
held against equity <= 0) sorts above every defined one: it is the worst case.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from . import layout
from .json_render import money
from .model import ClientStatement
from .text import LEFT, RIGHT, Column, table

CSV_ENCODING = "utf-8-sig"  # with a BOM, for Excel (see csv_render)
UNDEFINED_RISK = Decimal("Infinity")


@dataclass(frozen=True, slots=True)
class ClientSummaryRow:
    client_id: str
    client_name: str
    equity: Decimal
    margin: Decimal
    available: Decimal
    risk_degree: Decimal | None
    margin_call: Decimal


SORT_COLUMNS = ("client_id", "client_name", "equity", "margin", "available", "risk_degree", "margin_call")


@dataclass(frozen=True, slots=True)
class MemberClientSummary:
    member_code: str
    member_name: str
    trading_day: date
    rows: tuple[ClientSummaryRow, ...]

    def sorted_by(self, column: str, descending: bool = False) -> MemberClientSummary:
        """The same summary sorted on one of `SORT_COLUMNS` (client id breaks ties)."""
        if column not in SORT_COLUMNS:
            raise ValueError(f"cannot sort on {column!r}; choose one of {', '.join(SORT_COLUMNS)}")

        def key(row: ClientSummaryRow) -> object:
            value = getattr(row, column)
            return UNDEFINED_RISK if value is None else value

        by_id = sorted(self.rows, key=lambda r: r.client_id)
        return replace(self, rows=tuple(sorted(by_id, key=key, reverse=descending)))


def member_client_summary(member_code: str, member_name: str, trading_day: date, statements: Iterable[ClientStatement]) -> MemberClientSummary:
    rows = tuple(
        ClientSummaryRow(
            client_id=s.header.client_id,
            client_name=s.header.client_name,
            equity=s.summary.client_equity,
            margin=s.summary.margin_occupied,
            available=s.summary.fund_available,
            risk_degree=s.summary.risk_degree,
            margin_call=s.summary.margin_call,
        )
        for s in statements
    )
    return MemberClientSummary(member_code, member_name, trading_day, rows)


COLUMNS = (
    Column("客户号", "Client ID", LEFT, lambda r: r.client_id),
    Column("客户名称", "Client Name", LEFT, lambda r: r.client_name),
    Column("客户权益", "Equity", RIGHT, lambda r: layout.amount(r.equity)),
    Column("保证金占用", "Margin Occupied", RIGHT, lambda r: layout.amount(r.margin)),
    Column("可用资金", "Fund Available", RIGHT, lambda r: layout.amount(r.available)),
    Column("风险度", "Risk Degree", RIGHT, lambda r: layout.percent(r.risk_degree)),
    Column("应追加资金", "Margin Call", RIGHT, lambda r: layout.amount(r.margin_call)),
)


def render_text(summary: MemberClientSummary) -> str:
    rows = summary.rows
    total = [
        f"共{len(rows)}户 Total",
        "",
        layout.amount(sum((r.equity for r in rows), Decimal(0))),
        layout.amount(sum((r.margin for r in rows), Decimal(0))),
        layout.amount(sum((r.available for r in rows), Decimal(0))),
        "",
        layout.amount(sum((r.margin_call for r in rows), Decimal(0))),
    ]
    lines = table(COLUMNS, rows, total)
    title = f"客户资金汇总  Client Account Summary  {summary.member_code} {summary.member_name}  {layout.day(summary.trading_day)}"
    return "\n".join([title, "", *lines]) + "\n"


def render_csv(summary: MemberClientSummary) -> str:
    """Columns: client_id, client_name, equity, margin, available, risk_degree (4-place
    fraction, empty when undefined), margin_call; amounts as decimal strings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SORT_COLUMNS)
    for r in summary.rows:
        risk = "" if r.risk_degree is None else f"{r.risk_degree:f}"
        writer.writerow([r.client_id, r.client_name, money(r.equity), money(r.margin), money(r.available), risk, money(r.margin_call)])
    return out.getvalue()
