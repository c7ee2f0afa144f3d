"""Fixed-width text statement in the style of the CTP 交易结算单(盯市).

Bilingual section titles ("资金状况  Account Summary"), bilingual two-line column headings,
`|`-separated tables with `+---+` rules. Columns are sized to their widest cell and padded
by display width (`layout.width`: a CJK character takes two columns), so every line of a
table has the same display width in a terminal or a monospaced CJK-capable font, whatever
the names in it. Amounts carry thousands separators and two decimals; text is left-aligned,
figures right-aligned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import layout
from .model import ClientStatement, Legend, PositionSummaryRow, TransactionRow

LEFT, RIGHT = "l", "r"
TITLE_ZH, TITLE_EN = "交易结算单(盯市)", "Settlement Statement (MTM)"


@dataclass(frozen=True, slots=True, eq=False)
class Column:
    """One table column: bilingual heading, alignment and what a row prints in it. Compared
    and hashed by identity: columns are module constants, and tables are keyed by them."""

    zh: str
    en: str
    align: str
    cell: Callable[[Any], str]


@dataclass(frozen=True, slots=True)
class _Frame:
    """What a table of given columns and widths prints whatever its rows: rule, heading
    lines, the format string of an all-ASCII row."""

    rule: str
    zh: str
    en: str
    row_format: str


def table(columns: Sequence[Column], rows: Sequence[Any], total: Sequence[str] | None = None) -> list[str]:
    """Lines of one table: rule, two heading lines, rule, rows, rule[, totals, rule].

    Hot for 100,000 statements a day, so a column whose cells are all ASCII is sized by
    len(), an all-ASCII row is laid out by one format string, and the frame (rule, headings,
    row format) of each set of widths is made once; only cells with other characters go
    through `layout.width`."""
    cells = [column.cell for column in columns]
    body = [[cell(row) for cell in cells] for row in rows]
    widths = list(_heading_widths(columns))
    all_ascii = True
    for i, values in enumerate(zip(*body, total) if total else zip(*body)):
        if "".join(values).isascii():
            widest = max(map(len, values))
        else:
            widest = max(map(layout.width, values))
            all_ascii = all_ascii and "".join(values[: len(body)]).isascii()  # the totals label is CJK
        if widest > widths[i]:
            widths[i] = widest
    frame = _frame(columns, tuple(widths))
    row_format = frame.row_format
    out = [frame.rule, frame.zh, frame.en, frame.rule]
    if all_ascii:
        out += [row_format.format(*values) for values in body]
    else:
        out += [
            row_format.format(*values) if "".join(values).isascii() else _wide_line(values, columns, widths)
            for values in body
        ]
    out.append(frame.rule)
    if total:
        out += [_wide_line(total, columns, widths), frame.rule]
    return out


@lru_cache(maxsize=64)
def _heading_widths(columns: Sequence[Column]) -> tuple[int, ...]:
    return tuple(max(layout.width(c.zh), layout.width(c.en)) for c in columns)


@lru_cache(maxsize=4096)
def _frame(columns: Sequence[Column], widths: tuple[int, ...]) -> _Frame:
    """Statements of a day share a few hundred sets of column widths: each frame is made once."""
    row_format = "| " + " | ".join(
        f"{{:{'>' if c.align == RIGHT else '<'}{w}}}" for c, w in zip(columns, widths)
    ) + " |"
    return _Frame(
        rule="+" + "+".join("-" * (w + 2) for w in widths) + "+",
        zh="| " + " | ".join(layout.ljust(c.zh, w) for c, w in zip(columns, widths)) + " |",
        en="| " + " | ".join(layout.ljust(c.en, w) for c, w in zip(columns, widths)) + " |",
        row_format=row_format,
    )


def _wide_line(values: Sequence[str], columns: Sequence[Column], widths: Sequence[int]) -> str:
    """A row with non-ASCII cells (a totals label, a CJK name): each such cell padded by its
    display width, the others as in the format string."""
    padded = []
    for value, width, column in zip(values, widths, columns):
        if not value.isascii():
            width -= layout.width(value) - len(value)
        padded.append(value.rjust(width) if column.align == RIGHT else value.ljust(width))
    return "| " + " | ".join(padded) + " |"


def section(zh: str, en: str, lines: list[str], span: int | None = None) -> list[str]:
    """A blank line, the bilingual title centred over the section, then its lines (`span`:
    their display width when the caller knows it, as for a table: its rule's length)."""
    if span is None:
        span = max(map(layout.width, lines), default=0)
    return ["", _section_head(zh, en, span)[0], *lines]


TRANSACTION_COLUMNS = (
    Column("成交日期", "Date", LEFT, lambda r: layout.day(r.date)),
    Column("交易所", "Exchange", LEFT, lambda r: r.exchange),
    Column("品种", "Product", LEFT, lambda r: r.product),
    Column("合约", "Instrument", LEFT, lambda r: r.instrument),
    Column("买/卖", "B/S", LEFT, lambda r: r.buy_sell.value),
    Column("投/保", "S/H", LEFT, lambda r: r.hedge.value),
    Column("成交价", "Price", RIGHT, lambda r: layout.price(r.price)),
    Column("手数", "Lots", RIGHT, lambda r: str(r.lots)),
    Column("成交额", "Turnover", RIGHT, lambda r: layout.amount(r.turnover)),
    Column("开平", "O/C", LEFT, lambda r: r.open_close.value),
    Column("手续费", "Fee", RIGHT, lambda r: layout.amount(r.fee)),
    Column("平仓盈亏", "Realized P/L", RIGHT, lambda r: layout.amount(r.realized_pnl)),
    Column("成交序号", "Trade No.", LEFT, lambda r: r.trade_no),
)
CASH_COLUMNS = (
    Column("发生日期", "Date", LEFT, lambda r: layout.day(r.date)),
    Column("出入金类型", "Type", LEFT, lambda r: "入金 Deposit" if r.deposit else "出金 Withdrawal"),
    Column("入金", "Deposit", RIGHT, lambda r: layout.amount(r.deposit)),
    Column("出金", "Withdrawal", RIGHT, lambda r: layout.amount(r.withdrawal)),
    Column("说明", "Note", LEFT, lambda r: r.note),
)
CLOSED_COLUMNS = (
    Column("平仓日期", "Close Date", LEFT, lambda r: layout.day(r.close_date)),
    Column("合约", "Instrument", LEFT, lambda r: r.instrument),
    Column("开仓日期", "Open Date", LEFT, lambda r: layout.day(r.open_date)),
    Column("买/卖", "B/S", LEFT, lambda r: r.buy_sell.value),
    Column("手数", "Lots", RIGHT, lambda r: str(r.lots)),
    Column("开仓价", "Open Price", RIGHT, lambda r: layout.price(r.open_price)),
    Column("昨结算", "Prev. Sttl.", RIGHT, lambda r: layout.price(r.prev_settlement)),
    Column("成交价", "Trade Price", RIGHT, lambda r: layout.price(r.trade_price)),
    Column("平仓盈亏", "Realized P/L", RIGHT, lambda r: layout.amount(r.realized_pnl)),
    Column("成交序号", "Trade No.", LEFT, lambda r: r.trade_no),
)
DETAIL_COLUMNS = (
    Column("合约", "Instrument", LEFT, lambda r: r.instrument),
    Column("开仓日期", "Open Date", LEFT, lambda r: layout.day(r.open_date)),
    Column("买/卖", "B/S", LEFT, lambda r: r.buy_sell.value),
    Column("持仓量", "Lots", RIGHT, lambda r: str(r.lots)),
    Column("开仓价", "Open Price", RIGHT, lambda r: layout.price(r.open_price)),
    Column("昨结算", "Prev. Sttl.", RIGHT, lambda r: layout.price(r.prev_settlement)),
    Column("结算价", "Sttl. Today", RIGHT, lambda r: layout.price(r.settlement)),
    Column("浮动盈亏", "Accum. P/L", RIGHT, lambda r: layout.amount(r.accumulated_pnl)),
    Column("盯市盈亏", "MTM P/L", RIGHT, lambda r: layout.amount(r.mtm_pnl)),
    Column("保证金", "Margin", RIGHT, lambda r: layout.amount(r.margin)),
    Column("成交序号", "Trade No.", LEFT, lambda r: r.trade_no),
)
SUMMARY_COLUMNS = (
    Column("合约", "Instrument", LEFT, lambda r: r.instrument),
    Column("买持", "Long Pos.", RIGHT, lambda r: str(r.long_lots)),
    Column("买均价", "Avg Buy Price", RIGHT, lambda r: layout.price(r.avg_buy_price)),
    Column("卖持", "Short Pos.", RIGHT, lambda r: str(r.short_lots)),
    Column("卖均价", "Avg Sell Price", RIGHT, lambda r: layout.price(r.avg_sell_price)),
    Column("昨结算", "Prev. Sttl.", RIGHT, lambda r: layout.price(r.prev_settlement)),
    Column("今结算", "Sttl. Today", RIGHT, lambda r: layout.price(r.settlement)),
    Column("盯市盈亏", "MTM P/L", RIGHT, lambda r: layout.amount(r.mtm_pnl)),
    Column("保证金占用", "Margin Occupied", RIGHT, lambda r: layout.amount(r.margin)),
)


def totals_row(columns: Sequence[Column], label_count: int, values: dict[int, str]) -> list[str]:
    """A table's closing row: the count under the first column, sums where given."""
    row = [""] * len(columns)
    row[0] = f"共{label_count}条 Total"
    for index, value in values.items():
        row[index] = value
    return row


def transaction_totals(t: Sequence[TransactionRow]) -> list[str]:
    """The totals row of a transaction record: lots, turnover, fees, realized P/L."""
    sums = {7: str(sum(r.lots for r in t)), 8: layout.amount(sum(r.turnover for r in t))}
    sums |= {10: layout.amount(sum(r.fee for r in t)), 11: layout.amount(sum(r.realized_pnl for r in t))}
    return totals_row(TRANSACTION_COLUMNS, len(t), sums)


def position_summary_totals(s: Sequence[PositionSummaryRow]) -> list[str]:
    """The totals row of a positions summary: long and short lots, MTM P/L, margin."""
    sums = {1: str(sum(r.long_lots for r in s)), 3: str(sum(r.short_lots for r in s))}
    sums |= {7: layout.amount(sum(r.mtm_pnl for r in s)), 8: layout.amount(sum(r.margin for r in s))}
    return totals_row(SUMMARY_COLUMNS, len(s), sums)


def summary_pairs(statement: ClientStatement) -> list[tuple[str, str, str, str]]:
    """Account-summary lines as (left label, left value, right label, right value)."""
    s = statement.summary
    left = [
        ("上日结存 Balance b/f", layout.amount(s.balance_bf)),
        ("出入金 Deposit/Withdrawal", layout.amount(s.deposit_withdrawal)),
        ("平仓盈亏 Realized P/L", layout.amount(s.realized_pnl)),
        ("持仓盯市盈亏 MTM P/L", layout.amount(s.mtm_pnl)),
        ("手续费 Commission", layout.amount(s.commission)),
        ("当日结存 Balance c/f", layout.amount(s.balance_cf)),
    ]
    right = [
        ("客户权益 Client Equity", layout.amount(s.client_equity)),
        ("保证金占用 Margin Occupied", layout.amount(s.margin_occupied)),
        ("可用资金 Fund Available", layout.amount(s.fund_available)),
        ("风险度 Risk Degree", layout.percent(s.risk_degree)),
        ("应追加资金 Margin Call", layout.amount(s.margin_call)),
        ("", ""),
    ]
    return [(a, b, c, d) for (a, b), (c, d) in zip(left, right)]


def margin_call_lines(statement: ClientStatement) -> list[str]:
    notice = statement.margin_call_notice
    if notice is None:
        return []
    due_zh = notice.deadline.strftime("%Y-%m-%d %H:%M") + "前" if notice.deadline else "下一交易日开盘前"
    due_en = "by " + notice.deadline.strftime("%Y-%m-%d %H:%M") if notice.deadline else "before the next open"
    cur = statement.header.currency
    return [
        f"您的客户权益低于保证金占用，请于{due_zh}追加资金 {layout.amount(notice.amount)} {cur}，否则可能被强行平仓。",
        f"Your equity is below the margin occupied: please deposit {layout.amount(notice.amount)} {cur} {due_en}, or positions may be liquidated by force.",
    ]


def sections(statement: ClientStatement) -> list[tuple[str, str, Sequence[Column], Sequence[Any], list[str] | None]]:
    """The non-empty tabular sections: (zh title, en title, columns, rows, totals row)."""
    found: list[tuple[str, str, Sequence[Column], Sequence[Any], list[str] | None]] = []
    if statement.cash:
        found.append(("出入金明细", "Deposit/Withdrawal", CASH_COLUMNS, statement.cash, None))
    if t := statement.transactions:
        found.append(("成交记录", "Transaction Record", TRANSACTION_COLUMNS, t, transaction_totals(t)))
    if c := statement.closed:
        sums = {4: str(sum(r.lots for r in c)), 8: layout.amount(sum(r.realized_pnl for r in c))}
        found.append(("平仓明细", "Positions Closed", CLOSED_COLUMNS, c, totals_row(CLOSED_COLUMNS, len(c), sums)))
    if p := statement.positions:
        sums = {3: str(sum(r.lots for r in p)), 7: layout.amount(sum(r.accumulated_pnl for r in p))}
        sums |= {8: layout.amount(sum(r.mtm_pnl for r in p)), 9: layout.amount(sum(r.margin for r in p))}
        found.append(("持仓明细", "Positions Detail", DETAIL_COLUMNS, p, totals_row(DETAIL_COLUMNS, len(p), sums)))
    if s := statement.position_summary:
        found.append(("持仓汇总", "Positions Summary", SUMMARY_COLUMNS, s, position_summary_totals(s)))
    return found


def render_text(statement: ClientStatement) -> str:
    """The whole statement. Labels, headings and titles are the same on every statement, so
    their display widths and padded forms are worked out once (`_padded_labels`,
    `_section_head`, `_title`); figures are ASCII and padded by len()."""
    h = statement.header
    pairs = summary_pairs(statement)
    lefts, label_w = _padded_labels(tuple(p[0] for p in pairs))
    rights, rlabel_w = _padded_labels(tuple(p[2] for p in pairs))
    value_w = max(len(p[1]) for p in pairs)
    rvalue_w = max(len(p[3]) for p in pairs)
    summary = [
        f"{a}{b.rjust(value_w)}    {c}{d.rjust(rvalue_w)}".rstrip() for a, (_, b, _, d), c in zip(lefts, pairs, rights)
    ]
    summary_w = label_w + value_w + 4 + rlabel_w + rvalue_w  # the lines with a right-hand pair
    rule = "-" * summary_w
    summary = [rule, *summary, rule]

    info = [
        ("会员 Member", f"{h.member_code} {h.member_name}", "制表日期 Creation Date", layout.day(h.created)),
        ("客户号 Client ID", h.client_id, "客户名称 Client Name", h.client_name),
        ("交易日 Trading Day", layout.day(h.trading_day), "币种 Currency", h.currency),
    ]
    width = layout.width
    info_w = max(width(a) + width(b) for a, b, _, _ in info) + 6
    out = []
    widest = 0
    for a, b, c, d in info:
        out.append(f"{a}: {b}" + " " * (info_w - width(a) - 2 - width(b)) + f"{c}: {d}")
        widest = max(widest, info_w + width(c) + 2 + width(d))
    blocks = [("资金状况", "Account Summary", summary, summary_w)]
    for zh, en, columns, rows, total in sections(statement):
        lines = table(columns, rows, total)
        blocks.append((zh, en, lines, len(lines[0])))
    notice = margin_call_lines(statement)
    if notice:
        blocks.append(("追加保证金通知", "Margin Call Notice", notice, max(map(width, notice))))
    blocks.append(("说明", "Legends", *_legend_lines(statement.legends)))
    for zh, en, lines, known in blocks:
        head, span = _section_head(zh, en, known)
        widest = max(widest, span)
        out += ["", head, *lines]
    return "\n".join([_title(widest), "", *out]) + "\n"


@lru_cache(maxsize=16)
def _padded_labels(labels: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
    """Labels padded to one display width, a column wider than the widest, and that width."""
    columns = max(map(layout.width, labels)) + 1
    return tuple(layout.ljust(label, columns) for label in labels), columns


@lru_cache(maxsize=1024)
def _section_head(zh: str, en: str, span: int) -> tuple[str, int]:
    """A section's title line centred over `span` columns (or over the title's own width,
    when wider) and the section's display width."""
    span = max(span, layout.width(zh) + layout.width(en) + 2)
    return layout.center(f"{zh}  {en}", span).rstrip(), span


@lru_cache(maxsize=256)
def _title(columns: int) -> str:
    return layout.center(f"{TITLE_ZH}  {TITLE_EN}", columns).rstrip()


@lru_cache(maxsize=16)
def _legend_lines(legends: tuple[Legend, ...]) -> tuple[list[str], int]:
    """The legend section's lines and their display width (the same on every statement)."""
    code_w = max(layout.width(x.code) for x in legends) + 2
    lines = [line for x in legends for line in (layout.ljust(x.code, code_w) + x.zh, " " * code_w + x.en)]
    return lines, max(map(layout.width, lines))
