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
_PLACES = {section: [(key, COLUMNS.index(key)) for key in fields] for section, fields in SECTION_FIELDS.items()}
_BLANK = [""] * len(COLUMNS)


def render_csv(statement: ClientStatement) -> str:
    """The CSV text (without the BOM: `csv_bytes` adds it for files)."""
    return render_csv_dict(statement_dict(statement))


def render_csv_dict(data: dict[str, Any]) -> str:
    """The CSV text of a statement already turned into `json_render.statement_dict`: each row
    laid out as a list in `COLUMNS` order (what csv.DictWriter would make of it, without its
    per-cell lookups)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = []
    for section, places in _PLACES.items():
        value = data[section]
        for row in [] if value is None else value if isinstance(value, list) else [value]:
            if len(row) != len(places):
                raise ValueError(f"{section} row has fields {sorted(row)}, the CSV has {[k for k, _ in places]}")
            line = _BLANK.copy()
            line[0] = section
            for key, place in places:
                cell = row[key]
                line[place] = "" if cell is None else cell
            rows.append(line)
    writer.writerows(rows)
    return out.getvalue()


def csv_bytes(statement: ClientStatement) -> bytes:
    """The file's bytes: UTF-8 with a BOM, for Excel (see the module docstring)."""
    return render_csv(statement).encode(ENCODING)
