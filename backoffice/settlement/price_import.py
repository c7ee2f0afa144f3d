"""Official settlement prices imported from a CSV file (an exchange's or a vendor's list).

Columns (header row, any order): trading_day (YYYY-MM-DD), instrument, price (a positive
decimal on the instrument's tick) and, optionally, reason. Every bad row is reported as
FILE:LINE: field: problem, and nothing is imported when any row is bad; an instrument may
appear once per day. Each good row is then recorded like `fixbroker prices set`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from backoffice.domain.instruments import Instrument

from .trade_import import RowError

REQUIRED = ("trading_day", "instrument", "price")
OPTIONAL = ("reason",)


@dataclass(frozen=True, slots=True)
class PriceRow:
    line: int
    trading_day: date
    instrument: str
    price: Decimal
    reason: str


def parse_prices(text: str, instruments: Mapping[str, Instrument]) -> tuple[list[PriceRow], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
        return [], [RowError(1, "header", "; ".join(problems) + f" (expected {','.join(REQUIRED)}[,reason])")]
    rows: list[PriceRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[date, str], int] = {}
    for row in reader:
        line = reader.line_num
        before = len(errors)
        day = None
        try:
            day = date.fromisoformat((row.get("trading_day") or "").strip())
        except ValueError:
            errors.append(RowError(line, "trading_day", f"not a date YYYY-MM-DD: {row.get('trading_day')!r}"))
        code = (row.get("instrument") or "").strip()
        instrument = instruments.get(code)
        if instrument is None:
            errors.append(RowError(line, "instrument", f"unknown instrument {code!r}"))
        text_price = (row.get("price") or "").strip()
        try:
            price = Decimal(text_price)
            if not price.is_finite() or price <= 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(RowError(line, "price", f"must be a positive decimal, got {text_price!r}"))
        else:
            if instrument is not None and not instrument.price_on_tick(price):
                errors.append(RowError(line, "price", f"{price} is not on the tick {instrument.terms.tick_size.normalize():f} of {code}"))
        if day is not None and instrument is not None:
            first = seen.setdefault((day, code), line)
            if first != line:
                errors.append(RowError(line, "instrument", f"{code} on {day} already given on line {first}"))
        if len(errors) == before:
            assert day is not None
            rows.append(PriceRow(line, day, code, price, (row.get("reason") or "").strip()))
    if not rows and not errors:
        errors.append(RowError(1, "file", "no price rows"))
    return rows, errors
