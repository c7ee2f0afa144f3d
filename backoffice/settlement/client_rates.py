"""The rates a member charges each client, by product, resolved once per distinct schedule set.

Level 2 charges every client at the member's rates: the governing schedule (narrowest scope
wins, see `select_schedule`) applied to the exchange rates, or the member policy floor when
no schedule applies. With 100,000 clients and dozens of products, resolving per client and
product would dominate the day, yet almost every client shares its member's schedules. So
the result depends only on which schedules can apply to the client (the member's, its
group's, its own): clients with the same set share one mapping object, computed once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from backoffice.domain.enums import RateScope
from backoffice.domain.rates import RatePolicy, RateSchedule, RateSet, policy_default_schedule, select_schedule


class ClientRates:
    """One member's client rates on one day."""

    __slots__ = ("member", "exchange_rates", "on", "default", "_member_wide", "_by_group", "_by_client", "_cache")

    def __init__(
        self,
        member: str,
        schedules: Sequence[RateSchedule],
        exchange_rates: Mapping[str, RateSet],
        on: date,
        policy: RatePolicy,
    ) -> None:
        self.member = member
        self.exchange_rates = exchange_rates
        self.on = on
        self.default = policy_default_schedule(member, policy, on)
        self._member_wide: list[RateSchedule] = []
        self._by_group: dict[str, list[RateSchedule]] = {}
        self._by_client: dict[str, list[RateSchedule]] = {}
        for schedule in schedules:
            if schedule.member != member or schedule.effective_from > on:
                continue
            if schedule.scope is RateScope.MEMBER:
                self._member_wide.append(schedule)
            elif schedule.target is not None:
                target = self._by_group if schedule.scope is RateScope.GROUP else self._by_client
                target.setdefault(schedule.target, []).append(schedule)
        self._cache: dict[tuple[int, ...], dict[str, RateSet]] = {}

    def for_client(self, client: str, group: str | None) -> Mapping[str, RateSet]:
        """Product code -> the client's RateSet (shared between clients on the same schedules)."""
        candidates = self._member_wide + self._by_group.get(group or "", []) + self._by_client.get(client, [])
        key = tuple(id(schedule) for schedule in candidates)
        rates = self._cache.get(key)
        if rates is None:
            rates = {}
            for product, exchange in self.exchange_rates.items():
                schedule = select_schedule(candidates, client=client, group=group, product=product, on=self.on)
                rates[product] = (schedule or self.default).apply(exchange)
            self._cache[key] = rates
        return rates
