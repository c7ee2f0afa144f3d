"""Venue limits on prices and on how often an account may act.

Daily price limits: limit up = previous settlement x (1 + price_limit_pct), limit down =
previous settlement x (1 - price_limit_pct), each rounded *inward* to the tick (limit up down,
limit down up), so that no price on the tick grid outside the exact percentage band is ever
accepted. Example: previous settlement 68130, 7%, tick 10: 72899.1 -> 72890 and
63360.9 -> 63370.

The order throttle allows N accepted orders per account in any rolling second: an order at
time t counts until t + 1 s. The cancel counter counts accepted cancel requests per account
and instrument for the trading day (the engine holding it lives for one day).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from backoffice.domain.instruments import ContractTerms
from backoffice.domain.money import Price

ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class PriceBand:
    lower: Price
    upper: Price

    def contains(self, price: Decimal) -> bool:
        return self.lower <= price <= self.upper


def _to_tick(value: Decimal, tick: Decimal, rounding: str) -> Price:
    """`value` on the tick grid, written with the tick's decimals (4180.0, not 4180.000000:
    the limit appears in reject texts)."""
    places = max(0, -tick.normalize().as_tuple().exponent)  # type: ignore[operator]
    on_grid = (value / tick).to_integral_value(rounding=rounding) * tick
    return Price(on_grid.quantize(Decimal(1).scaleb(-places)))


def price_band(previous_settlement: Decimal, terms: ContractTerms) -> PriceBand:
    """The day's limit down and limit up, rounded inward to the tick."""
    upper = previous_settlement * (1 + terms.price_limit_pct)
    lower = previous_settlement * (1 - terms.price_limit_pct)
    return PriceBand(
        lower=_to_tick(lower, terms.tick_size, ROUND_CEILING),
        upper=_to_tick(upper, terms.tick_size, ROUND_FLOOR),
    )


@dataclass(slots=True)
class OrderThrottle:
    """At most `limit` accepted orders per account in any rolling `window`."""

    limit: int
    window: timedelta = ONE_SECOND
    _times: dict[str, deque[datetime]] = field(default_factory=dict)

    def allows(self, account: str, now: datetime) -> bool:
        times = self._times.get(account)
        if times is None:
            return self.limit > 0
        horizon = now - self.window
        while times and times[0] <= horizon:
            times.popleft()
        return len(times) < self.limit

    def record(self, account: str, now: datetime) -> None:
        self._times.setdefault(account, deque()).append(now)


@dataclass(slots=True)
class CancelCounter:
    """Accepted cancel requests per (account, instrument) for one trading day."""

    limit: int
    _counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, account: str, instrument: str) -> int:
        return self._counts.get((account, instrument), 0)

    def allows(self, account: str, instrument: str) -> bool:
        return self.count(account, instrument) < self.limit

    def record(self, account: str, instrument: str) -> None:
        key = (account, instrument)
        self._counts[key] = self._counts.get(key, 0) + 1
