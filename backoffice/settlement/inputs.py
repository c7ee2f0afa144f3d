"""What the runner hands the settlement core for one level: plain, immutable rows.

A level is a set of accounts (cash and rates), the lots they held at the open, today's trade
lines and the day's prices. The high-volume rows (`TradeLine`, `Lot`: millions a day) are
NamedTuples, immutable and as cheap as a tuple to build and unpack; the per-account and
per-instrument records are frozen slotted dataclasses.

`holder` names the position holder inside an account. At level 2 it is left empty (the
account is the holder). At level 1 `rollup` moves each client's rows into its member's
account and records the client there, so lots are matched inside each client's own book,
as the exchange keeps positions per client trading code, and the member's book is the sum of
its clients' books by construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.instruments import Exchange, Instrument
from backoffice.domain.rates import RateSet


class TradeLine(NamedTuple):
    """One side of one trade, as booked to one account. Pass them in execution order."""

    account: str
    trade_id: str
    instrument: str
    side: Side
    offset: OffsetFlag
    price: Decimal
    qty: int
    time: datetime
    forced: bool = False  # forced liquidation
    holder: str = ""


class Lot(NamedTuple):
    """An open position lot: what one opening trade left open. Oldest first per position."""

    account: str
    instrument: str
    direction: PositionDirection
    open_date: date
    open_price: Decimal
    qty: int
    open_trade_id: str = ""
    holder: str = ""


@dataclass(frozen=True, slots=True)
class InstrumentDay:
    """An instrument's terms and prices for the day, flattened for the hot loop."""

    code: str
    product: str
    multiplier: Decimal
    previous_settlement: Decimal  # carried lots are valued from this price
    settlement: Decimal  # today's
    large_side_margin: bool
    close_today_distinct: bool  # SHFE/INE: a plain CLOSE closes yesterday's lots
    close_priority: ClosePriority  # elsewhere: which lots a plain CLOSE takes first

    @classmethod
    def of(cls, instrument: Instrument, exchange: Exchange, previous_settlement: Decimal, settlement: Decimal) -> InstrumentDay:
        return cls(
            code=instrument.code,
            product=instrument.product,
            multiplier=instrument.terms.multiplier,
            previous_settlement=previous_settlement,
            settlement=settlement,
            large_side_margin=instrument.terms.large_side_margin,
            close_today_distinct=exchange.close_today_distinct,
            close_priority=exchange.close_priority,
        )


@dataclass(frozen=True, slots=True)
class AccountOpening:
    """An account's cash for the day and the rates it is charged, by product code.

    Accounts on the same schedule should share one `rates` mapping (see `client_rates`).
    """

    account: str
    balance_bf: Decimal
    deposits: Decimal
    withdrawals: Decimal
    rates: Mapping[str, RateSet]


@dataclass(frozen=True, slots=True)
class LevelInput:
    trading_day: date
    instruments: Mapping[str, InstrumentDay]  # by instrument code
    accounts: Sequence[AccountOpening]
    lots: Sequence[Lot]  # open at the start of the day; every open_date before trading_day
    trades: Sequence[TradeLine]  # today's, in execution order
