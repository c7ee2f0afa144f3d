"""Trades executed elsewhere and cleared here (partial custody), imported from a CSV file.

The file has a header row and one row per trade leg, with these columns (any order):

    trade_id      up to 32 letters, digits, '.', '_' or '-'; the key: importing again is a no-op
    trading_day   YYYY-MM-DD, a trading day of the calendar
    account       a client account
    instrument    an instrument listed on the trading day
    side          buy | sell
    offset        open | close | close_today | close_yesterday
    price         a positive decimal on the instrument's tick
    qty           a positive whole number of lots
    time          ISO 8601 with a UTC offset, e.g. 2026-11-23T10:15:00+08:00; it must belong
                  to the trading day (a night-session time belongs to the next trading day)

A trade has one row (only our client's leg: the counterparty is outside the venue) or two
(buy and sell, both our clients), which must agree on day, instrument, price, qty and time.
Every bad row is reported as FILE:LINE: field: problem, and nothing is imported when any
row is bad. A trade id already stored with the same values is skipped; with different
values it is an error (correct a stored trade with `fixbroker trades amend`, not by import).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.domain.calendar import TradingCalendar
from backoffice.domain.enums import OffsetFlag, Side
from backoffice.domain.instruments import Instrument

COLUMNS = ("trade_id", "trading_day", "account", "instrument", "side", "offset", "price", "qty", "time")
_TRADE_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str
    problem: str

    def render(self, file: str) -> str:
        return f"{file}:{self.line}: {self.field}: {self.problem}"


@dataclass(frozen=True, slots=True)
class ImportedLeg:
    line: int
    trade_id: str
    trading_day: date
    account: str
    instrument: str
    side: Side
    offset: OffsetFlag
    price: Decimal
    qty: int
    time: datetime

    def head(self) -> tuple:
        return (self.trading_day, self.instrument, self.price, self.qty, self.time)


def parse_trades(
    text: str, *, accounts: set[str], instruments: Mapping[str, Instrument], calendar: TradingCalendar
) -> tuple[dict[str, list[ImportedLeg]], list[RowError]]:
    """Trade id -> its legs, and every problem found (file order)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
        return {}, [RowError(1, "header", "; ".join(problems) + f" (expected {','.join(COLUMNS)})")]
    errors: list[RowError] = []
    trades: dict[str, list[ImportedLeg]] = {}
    for row in reader:
        line = reader.line_num
        leg = _leg(line, row, accounts, instruments, calendar, errors)
        if leg is None:
            continue
        legs = trades.setdefault(leg.trade_id, [])
        if legs:
            first = legs[0]
            if len(legs) == 2:
                errors.append(RowError(line, "trade_id", f"{leg.trade_id} already has two legs (lines {first.line} and {legs[1].line})"))
                continue
            if first.side is leg.side:
                errors.append(RowError(line, "side", f"{leg.trade_id} has a {leg.side.value} leg already (line {first.line})"))
                continue
            clash = [name for name, a, b in zip(("trading_day", "instrument", "price", "qty", "time"), first.head(), leg.head()) if a != b]
            if clash:
                errors.extend(RowError(line, name, f"differs from the other leg of {leg.trade_id} (line {first.line})") for name in clash)
                continue
        legs.append(leg)
    if reader.line_num <= 1 and not errors:
        errors.append(RowError(1, "file", "no trade rows"))
    return trades, errors


def _leg(
    line: int, row: dict, accounts: set[str], instruments: Mapping[str, Instrument], calendar: TradingCalendar, errors: list[RowError]
) -> ImportedLeg | None:
    before = len(errors)

    def bad(field: str, problem: str) -> None:
        errors.append(RowError(line, field, problem))

    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    if None in row:
        bad("row", f"{len(row[None])} value(s) beyond the {len(COLUMNS)} columns")
    trade_id = values["trade_id"]
    if not _TRADE_ID.fullmatch(trade_id):
        bad("trade_id", f"must be 1-32 letters, digits, '.', '_' or '-', got {trade_id!r}")
    day: date | None = None
    try:
        day = date.fromisoformat(values["trading_day"])
        if not calendar.is_trading_day(day):
            bad("trading_day", f"{day} is not a trading day")
    except ValueError:
        bad("trading_day", f"not a date YYYY-MM-DD: {values['trading_day']!r}")
    if values["account"] not in accounts:
        bad("account", f"unknown client account {values['account']!r}")
    instrument = instruments.get(values["instrument"])
    if instrument is None:
        bad("instrument", f"unknown instrument {values['instrument']!r}")
    elif day is not None and not instrument.is_listed_on(day):
        bad("instrument", f"{instrument.code} is not listed on {day} (listed {instrument.listing_date} to {instrument.expiry_date})")
    side = _choice(Side, values["side"].lower())
    if side is None:
        bad("side", f"must be buy or sell, got {values['side']!r}")
    offset = _choice(OffsetFlag, values["offset"].lower())
    if offset is None:
        bad("offset", f"must be one of {', '.join(o.value for o in OffsetFlag)}, got {values['offset']!r}")
    price = _decimal(values["price"])
    if price is None or price <= 0:
        bad("price", f"must be a positive decimal, got {values['price']!r}")
    elif instrument is not None and not instrument.price_on_tick(price):
        bad("price", f"{price} is not on the tick {instrument.terms.tick_size.normalize():f} of {instrument.code}")
    qty = values["qty"]
    if not qty.isdigit() or int(qty) <= 0:
        bad("qty", f"must be a positive whole number of lots, got {qty!r}")
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(values["time"])
        if moment.tzinfo is None:
            bad("time", f"needs a UTC offset, e.g. +08:00: {values['time']!r}")
        elif day is not None and calendar.trading_day_of(moment) != day:
            bad("time", f"{values['time']} belongs to trading day {calendar.trading_day_of(moment)}, not {day}")
    except ValueError:
        bad("time", f"not an ISO 8601 timestamp: {values['time']!r}")
    if len(errors) > before:
        return None
    assert day is not None and instrument is not None and side is not None and offset is not None and price is not None and moment is not None
    return ImportedLeg(line, trade_id, day, values["account"], instrument.code, side, offset, price, int(qty), moment)


def _choice(enum: type[E], text: str) -> E | None:
    try:
        return enum(text)
    except ValueError:
        return None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@dataclass(frozen=True, slots=True)
class Stored:
    imported: list[str]  # trade ids written
    unchanged: list[str]  # already stored with the same values
    days: list[date]  # trading days that received trades


def store_trades(session: Session, trades: Mapping[str, list[ImportedLeg]]) -> tuple[Stored | None, list[RowError]]:
    """Write the new trades; (None, errors) when a trade id exists with other values."""
    instrument_ids = dict(session.execute(select(m.Instrument.code, m.Instrument.id)).all())
    account_ids = dict(session.execute(select(m.Account.code, m.Account.id)).all())
    existing = {
        trade.id: trade for trade in session.scalars(select(m.Trade).where(m.Trade.id.in_(list(trades))))
    } if trades else {}
    errors: list[RowError] = []
    imported: list[str] = []
    unchanged: list[str] = []
    for trade_id, legs in trades.items():
        stored = existing.get(trade_id)
        if stored is None:
            imported.append(trade_id)
            continue
        mine = sorted((leg.side.value, leg.account, leg.offset.value) for leg in legs)
        theirs = sorted((leg.side, leg.account.code, leg.offset_flag) for leg in stored.legs)
        head = (stored.trading_day, stored.instrument.code, stored.price, stored.qty, stored.executed_at)
        if head == legs[0].head() and mine == theirs:
            unchanged.append(trade_id)
        else:
            errors.append(RowError(legs[0].line, "trade_id", f"{trade_id} is already stored with other values; nothing imported"))
    if errors:
        return None, errors
    for trade_id in imported:
        legs = trades[trade_id]
        first = legs[0]
        session.add(m.Trade(
            id=trade_id, trading_day=first.trading_day, instrument_id=instrument_ids[first.instrument], price=first.price,
            qty=first.qty, executed_at=first.time, aggressor=None, source="import", journal_seq=None,
        ))
    session.flush()
    for trade_id in imported:
        for leg in trades[trade_id]:
            session.add(m.TradeLeg(
                trade_id=trade_id, side=leg.side.value, account_id=account_ids[leg.account],
                order_id=None, cl_ord_id=None, offset_flag=leg.offset.value, forced=False,
            ))
    session.flush()
    days = sorted({trades[t][0].trading_day for t in imported})
    return Stored(imported, unchanged, days), []
