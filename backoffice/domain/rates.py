"""Exchange rates per product and the member-to-client rate schedules layered on top.

The exchange charges its members at exchange rates; each member charges its clients at its
own, higher, rates. A member states those as schedules that apply to all its clients, to a
client group, or to one client (the narrowest wins; a product-specific schedule beats an
all-products one at the same scope). A schedule is either absolute (every rate stated) or
relative to the exchange (fee x k, margin + add-on), so that an exchange rate change flows
through to relative clients by itself. Member policy sets the floor: by default client
fee >= 3 x exchange fee and client margin >= exchange margin + 3 percentage points.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from .enums import OffsetFlag, PositionDirection, RateMode, RateScope

FEE_FIELDS = (
    "fee_open_money",
    "fee_open_volume",
    "fee_close_money",
    "fee_close_volume",
    "fee_close_today_money",
    "fee_close_today_volume",
)
MARGIN_FIELDS = ("margin_long", "margin_short")


@dataclass(frozen=True, slots=True)
class RateSet:
    """Margin rates (fractions of contract value) and fees, by money and by volume.

    Fee per trade line = price x qty x multiplier x *_money + qty x *_volume.
    """

    margin_long: Decimal
    margin_short: Decimal
    fee_open_money: Decimal
    fee_open_volume: Decimal
    fee_close_money: Decimal
    fee_close_volume: Decimal
    fee_close_today_money: Decimal
    fee_close_today_volume: Decimal

    def margin_rate(self, direction: PositionDirection) -> Decimal:
        return self.margin_long if direction is PositionDirection.LONG else self.margin_short

    def fee_rates(self, offset: OffsetFlag) -> tuple[Decimal, Decimal]:
        """(by money, by volume) for a trade with this offset flag."""
        if offset is OffsetFlag.OPEN:
            return self.fee_open_money, self.fee_open_volume
        if offset is OffsetFlag.CLOSE_TODAY:
            return self.fee_close_today_money, self.fee_close_today_volume
        return self.fee_close_money, self.fee_close_volume

    def as_dict(self) -> dict[str, Decimal]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def problems(self) -> list[tuple[str, str]]:
        found = [(name, f"must not be negative, got {value}") for name, value in self.as_dict().items() if value < 0]
        found += [(name, f"must be below 1, got {getattr(self, name)}") for name in MARGIN_FIELDS if getattr(self, name) >= 1]
        return found


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    product: str
    effective_from: date
    rates: RateSet


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """A member's floor for what its clients may be charged, relative to the exchange."""

    min_fee_multiple: Decimal = Decimal(3)
    min_margin_addon: Decimal = Decimal("0.03")

    def shortfalls(self, client: RateSet, exchange: RateSet) -> list[str]:
        """Every way `client` falls below the floor over `exchange`, in words."""
        found = []
        for name in FEE_FIELDS:
            floor = getattr(exchange, name) * self.min_fee_multiple
            if getattr(client, name) < floor:
                found.append(f"{name} {getattr(client, name)} is below {self.min_fee_multiple} x exchange {getattr(exchange, name)} = {floor}")
        for name in MARGIN_FIELDS:
            floor = getattr(exchange, name) + self.min_margin_addon
            if getattr(client, name) < floor:
                found.append(f"{name} {getattr(client, name)} is below exchange {getattr(exchange, name)} + {self.min_margin_addon} = {floor}")
        return found


@dataclass(frozen=True, slots=True)
class RateSchedule:
    """One member-to-client schedule; `product` None means every product."""

    member: str
    scope: RateScope
    target: str | None  # group name or client code; None for the member scope
    product: str | None
    effective_from: date
    mode: RateMode
    fee_multiple: Decimal | None = None
    margin_addon: Decimal | None = None
    absolute: RateSet | None = None

    def apply(self, exchange: RateSet) -> RateSet:
        if self.mode is RateMode.ABSOLUTE:
            assert self.absolute is not None
            return self.absolute
        assert self.fee_multiple is not None and self.margin_addon is not None
        values = exchange.as_dict()
        for name in FEE_FIELDS:
            values[name] = values[name] * self.fee_multiple
        for name in MARGIN_FIELDS:
            values[name] = values[name] + self.margin_addon
        return RateSet(**values)


def policy_default_schedule(member: str, policy: RatePolicy, effective_from: date) -> RateSchedule:
    """What a client pays when its member states no schedule: exactly the policy floor."""
    return RateSchedule(
        member=member,
        scope=RateScope.MEMBER,
        target=None,
        product=None,
        effective_from=effective_from,
        mode=RateMode.RELATIVE,
        fee_multiple=policy.min_fee_multiple,
        margin_addon=policy.min_margin_addon,
    )


def select_schedule(
    schedules: list[RateSchedule], *, client: str, group: str | None, product: str, on: date
) -> RateSchedule | None:
    """The schedule that governs `client` for `product` on day `on`.

    Narrowest scope first (client, then group, then member); within a scope a
    product-specific schedule beats an all-products one; among versions, the latest
    effective on or before `on`.
    """
    best: tuple[int, int, date] | None = None
    chosen = None
    scope_rank = {RateScope.CLIENT: 3, RateScope.GROUP: 2, RateScope.MEMBER: 1}
    for schedule in schedules:
        if schedule.effective_from > on:
            continue
        if schedule.product is not None and schedule.product != product:
            continue
        if schedule.scope is RateScope.CLIENT and schedule.target != client:
            continue
        if schedule.scope is RateScope.GROUP and (group is None or schedule.target != group):
            continue
        key = (scope_rank[schedule.scope], 1 if schedule.product else 0, schedule.effective_from)
        if best is None or key > best:
            best, chosen = key, schedule
    return chosen


def rate_on(versions: list[ExchangeRate], day: date) -> ExchangeRate | None:
    """The exchange-rate version in force on `day` (latest effective on or before it)."""
    in_force = [v for v in versions if v.effective_from <= day]
    return max(in_force, key=lambda v: v.effective_from) if in_force else None


def client_rates(
    schedules: list[RateSchedule],
    policy: RatePolicy,
    *,
    member: str,
    client: str,
    group: str | None,
    product: str,
    exchange: RateSet,
    on: date,
) -> tuple[RateSet, RateSchedule]:
    """The rates `client` of `member` pays for `product` on `on`, and the schedule that set them."""
    mine = [s for s in schedules if s.member == member]
    schedule = select_schedule(mine, client=client, group=group, product=product, on=on) or policy_default_schedule(member, policy, on)
    return schedule.apply(exchange), schedule
