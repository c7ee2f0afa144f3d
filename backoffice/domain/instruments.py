"""Exchanges, products and instruments as immutable values.

A product carries the contract terms that its instruments share (multiplier, tick, limits,
settlement-price rule); an instrument is one listed contract month, such as IF2612, with
those terms resolved so that no consumer has to look them up again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .enums import ClosePriority, SettlementPriceRule
from .money import is_on_tick


@dataclass(frozen=True, slots=True)
class Exchange:
    code: str
    name: str
    timezone: str
    # SHFE/INE style: close-today and close-yesterday must be stated and are charged apart.
    close_today_distinct: bool
    # Elsewhere, which lots a plain close takes first.
    close_priority: ClosePriority
    # CFFEX style: general-/special-settlement members clear for trading members.
    tiered_settlement: bool


@dataclass(frozen=True, slots=True)
class ContractTerms:
    currency: str
    multiplier: Decimal
    tick_size: Decimal
    price_limit_pct: Decimal  # daily limit as a fraction of the previous settlement price
    max_order_size: int
    position_limit: int  # per client, per contract, per side
    settlement_rule: SettlementPriceRule
    large_side_margin: bool

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for every term that cannot be right."""
        found: list[tuple[str, str]] = []
        if self.multiplier <= 0:
            found.append(("multiplier", f"must be positive, got {self.multiplier}"))
        if self.tick_size <= 0:
            found.append(("tick_size", f"must be positive, got {self.tick_size}"))
        if not (0 < self.price_limit_pct < 1):
            found.append(("price_limit_pct", f"must be between 0 and 1, got {self.price_limit_pct}"))
        if self.max_order_size <= 0:
            found.append(("max_order_size", f"must be positive, got {self.max_order_size}"))
        if self.position_limit <= 0:
            found.append(("position_limit", f"must be positive, got {self.position_limit}"))
        return found


@dataclass(frozen=True, slots=True)
class Product:
    exchange: str
    code: str
    name: str
    hours: str  # name of the trading-hours template
    terms: ContractTerms
    # Bloomberg symbology: ticker = root + month code + last year digit + yellow key, e.g.
    # "IFZ6 Index"; the Bloomberg root may differ from the exchange's product code.
    bloomberg_root: str | None = None
    bloomberg_yellow_key: str | None = None


@dataclass(frozen=True, slots=True)
class Instrument:
    code: str  # contract code, e.g. IF2612, cu2701
    exchange: str
    product: str
    listing_date: date
    expiry_date: date  # last trading day
    terms: ContractTerms
    isin: str | None = None
    figi: str | None = None

    def is_listed_on(self, day: date) -> bool:
        return self.listing_date <= day <= self.expiry_date

    def price_on_tick(self, price: Decimal) -> bool:
        return is_on_tick(price, self.terms.tick_size)
