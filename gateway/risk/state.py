"""The start-of-day state risk works from: plain data the caller builds from the back office.

Everything the checks need for a whole trading day is loaded once, before the open, so no
order ever waits on a database: balances and carried positions as settled last night, each
account's rates per product, the reference data, previous settlement prices (the base of the
daily price limits), halted instruments, and the members whose settlement reserve is below
its minimum (their clients may only close).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from backoffice.domain.enums import AccountStatus, PositionDirection
from backoffice.domain.instruments import Exchange, Instrument
from backoffice.domain.rates import RateSet


@dataclass(frozen=True, slots=True)
class AccountState:
    account: str
    member: str
    status: AccountStatus
    balance: Decimal  # settled balance carried forward (equity after last night's settlement)
    rates: Mapping[str, RateSet]  # the client's rates, by product code (Instrument.product)


@dataclass(frozen=True, slots=True)
class CarriedPosition:
    """Yesterday's lots of one position, with the margin settled on them last night."""

    account: str
    instrument: str
    direction: PositionDirection
    qty: int
    margin: Decimal


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_orders_per_second: int  # per account, rolling second
    max_cancels_per_day: int  # per account per instrument


@dataclass(frozen=True, slots=True)
class StartOfDayState:
    trading_day: date
    exchanges: Mapping[str, Exchange]
    instruments: Mapping[str, Instrument]
    previous_settlement: Mapping[str, Decimal]  # by instrument code
    accounts: Mapping[str, AccountState]
    limits: RiskLimits
    positions: tuple[CarriedPosition, ...] = ()
    halted_instruments: frozenset[str] = field(default_factory=frozenset)
    blocked_members: frozenset[str] = field(default_factory=frozenset)
