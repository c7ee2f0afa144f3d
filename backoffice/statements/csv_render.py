"""Client statement as one CSV file with a `section` column.

One file rather than one per section, so a statement stays one artefact next to its .txt,
.json and .pdf. The first column says which section a row belongs to; the other columns
are the union of the sections' fields (`COLUMNS`), each row filling only those of its own
section (`SECTION_FIELDS`), with the same names and the same values as the JSON rendering
(amounts as decimal strings with two decimals, risk degree as a 4-place fraction, dates ISO
8601, lots integers). Filter on `section` in a spreadsheet; read back with `csv.DictReader`.

Sections, in order: header (1 row), account_summary (1 row), deposit_withdrawal_detail,
transactions, positions_closed, positions_detail, positions_summary, margin_call_notice (0
or 1 row), legends.

Encoding: UTF-8 with a byte-order mark (`ENCODING = "utf-8-sig"`). Excel opens a CSV
without a BOM in the machine's ANSI code page (GBK on Chinese Windows, cp1252 elsewhere)
and garbles 张伟; with the BOM it reads UTF-8 everywhere. Python reads it back with
encoding="utf-8-sig". Line ends are CRLF, as RFC 4180 and Excel expect.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from operator import itemgetter
from typing import Any

from .json_render import statement_dict
from .model import ClientStatement

ENCODING = "utf-8-sig"

SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "header": ("client_id", "client_name", "member_code", "member_name", "trading_day", "created", "currency"),
    "account_summary": (
        "balance_bf",
        "deposit_withdrawal",
        "realized_pnl",
        "mtm_pnl",
        "commission",
        "balance_cf",
        "client_equity",
        "margin_occupied",
        "fund_available",
        "risk_degree",
        "margin_call",
    ),
    "deposit_withdrawal_detail": ("date", "type", "deposit", "withdrawal", "note"),
    "transactions": (
        "date",
        "exchange",
        "product",
        "instrument",
        "bs",
        "sh",
        "price",
        "lots",
        "turnover",
        "oc",
        "fee",
        "realized_pnl",
        "trade_no",
    ),
    "positions_closed": (
        "close_date",
        "instrument",
        "open_date",
        "bs",
        "lots",
        "open_price",
        "prev_settlement",
        "trade_price",
        "realized_pnl",
        "trade_no",
    ),
    "positions_detail": (
        "instrument",
        "open_date",
        "bs",
        "lots",
        "open_price",
        "prev_settlement",
        "settlement",
        "accumulated_pnl",
        "mtm_pnl",
        "margin",
        "trade_no",
    ),
    "positions_summary": (
        "instrument",
        "long_lots",
        "avg_buy_price",
        "short_lots",
        "avg_sell_price",
        "prev_settlement",
        "settlement",
        "mtm_pnl",
        "margin",
    ),
    "margin_call_notice": ("amount", "deadline"),
    "legends": ("code", "zh", "en"),
}


def _union() -> tuple[str, ...]:
    seen: dict[str, None] = {"section": None}
    for fields in SECTION_FIELDS.values():
        seen.update(dict.fromkeys(fields))
    return tuple(seen)


COLUMNS = _union()
_HEADER = ",".join(COLUMNS)  # plain names: nothing to quote


def _row_templates() -> dict[str, tuple[tuple[str, ...], itemgetter, str]]:
    """Per section: its fields in column order, a getter of their values in that order, and
    the %-format string of its CSV line (the section name, the values in their columns, the
    other cells empty)."""
    templates = {}
    for section, fields in SECTION_FIELDS.items():
        ordered = tuple(sorted(fields, key=COLUMNS.index))
        cells = [""] * len(COLUMNS)
        cells[0] = section
        for key in ordered:
            cells[COLUMNS.index(key)] = "%s"
        templates[section] = (ordered, itemgetter(*ordered), ",".join(cells))
    return templates


_TEMPLATES = _row_templates()
_COMMAS = len(COLUMNS) - 1


def render_csv(statement: ClientStatement) -> str:
    """The CSV text (without the BOM: `csv_bytes` adds it for files)."""
    return render_csv_dict(statement_dict(statement))


def render_csv_dict(data: dict[str, Any]) -> str:
    """The CSV text of a statement already turned into `json_render.statement_dict`, as
    csv.writer writes it (minimal quoting, CRLF).

    Hot for 100,000 statements a day, so each row is laid out by its section's %-format
    string. When the text then holds more commas than columns, a quote or a line break inside
    a line (the legends' texts have commas; so may a name), the lines holding them are made
    again by csv.writer, which quotes the cells that need it (`_quoted_line`, cached: the
    legends are the same on every statement)."""
    rows = _rows(data)
    lines = [template % values for _, template, values in rows]
    text = "\r\n".join([_HEADER, *lines, ""])
    breaks = len(lines) + 1
    if text.count(",") == _COMMAS * breaks and '"' not in text and text.count("\n") == breaks == text.count("\r"):
        return text
    lines = [line if _plain(line) else _quoted_line(section, values) for line, (section, _, values) in zip(lines, rows)]
    return "\r\n".join([_HEADER, *lines, ""])


def _plain(line: str) -> bool:
    return line.count(",") == _COMMAS and '"' not in line and "\r" not in line and "\n" not in line


@lru_cache(maxsize=1024)
def _quoted_line(section: str, values: tuple[Any, ...]) -> str:
    cells: list[Any] = [""] * len(COLUMNS)
    cells[0] = section
    for key, cell in zip(_TEMPLATES[section][0], values):
        cells[COLUMNS.index(key)] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()[:-2]


def _rows(data: dict[str, Any]) -> list[tuple[str, str, tuple[Any, ...]]]:
    """(section, line template, values: None as "") of every row, section by section."""
    rows = []
    for section, (fields, values_of, template) in _TEMPLATES.items():
        value = data[section]
        for row in [] if value is None else value if isinstance(value, list) else [value]:
            if len(row) != len(fields):
                raise ValueError(f"{section} row has fields {sorted(row)}, the CSV has {list(SECTION_FIELDS[section])}")
            values = values_of(row)
            if None in values:
                values = tuple(["" if v is None else v for v in values])
            rows.append((section, template, values))
    return rows


def csv_bytes(statement: ClientStatement) -> bytes:
    """The file's bytes: UTF-8 with a BOM, for Excel (see the module docstring)."""
    return render_csv(statement).encode(ENCODING)
