"""Parse and validate a venue file (TOML) into domain values, reporting every problem.

The file describes the whole venue: calendar, trading hours, exchanges, products with their
exchange rates, instruments, members, clients, member-to-client rate schedules and FIX
sessions. Validation is complete before anything is written: types and unknown keys first,
then references between entities, then the business rules (organisation tree, positive
terms, client rates not below the member policy).
"""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.domain.enums import ClientKind, ClosePriority, MemberKind, RateMode, RateScope, SettlementPriceRule, YellowKey
from backoffice.domain.instruments import ContractTerms, Exchange, Instrument, Product
from backoffice.domain.organisation import Client, Member, implied_accounts, tree_problems
from backoffice.domain.rates import FEE_FIELDS, MARGIN_FIELDS, ExchangeRate, RatePolicy, RateSchedule, RateSet

from . import fields as f
from .fields import Field, Issue

BEGIN_STRINGS = ("FIX.4.2", "FIX.4.4", "FIXT.1.1")


@dataclass(frozen=True, slots=True)
class FixSessionSpec:
    name: str
    begin_string: str
    sender_comp_id: str
    target_comp_id: str
    port: int
    username: str
    allowed_addresses: tuple[str, ...]
    member: str
    accounts: tuple[str, ...]
    default_account: str | None
    enabled: bool


@dataclass
class VenueSpec:
    name: str
    effective: date
    calendar: TradingCalendar
    holidays: dict[date, str]
    hours: dict[str, TradingHours]
    exchanges: list[Exchange] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    exchange_rates: list[ExchangeRate] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    schedules: list[RateSchedule] = field(default_factory=list)
    sessions: list[FixSessionSpec] = field(default_factory=list)


TOP_LEVEL = ("venue", "calendar", "hours", "exchange", "product", "instrument", "member", "client", "rate_schedule", "fix_session")

VENUE_FIELDS = {"name": Field(f.text), "effective": Field(f.a_date)}
CALENDAR_FIELDS = {
    "timezone": Field(f.text),
    "rollover": Field(f.a_time, required=False),
    "holidays": Field(lambda v: v, required=False, default={}),
}
HOURS_FIELDS = {
    "day": Field(f.time_ranges),
    "night": Field(f.time_ranges, required=False, default=()),
    "auction_minutes": Field(f.integer, required=False, default=5),
}
EXCHANGE_FIELDS = {
    "code": Field(f.text),
    "name": Field(f.text),
    "timezone": Field(f.text),
    "close_today_distinct": Field(f.boolean),
    "close_priority": Field(f.choice(ClosePriority)),
    "tiered_settlement": Field(f.boolean),
}
TERMS_FIELDS = {
    "currency": Field(f.text),
    "multiplier": Field(f.decimal),
    "tick_size": Field(f.decimal),
    "price_limit_pct": Field(f.decimal),
    "max_order_size": Field(f.integer),
    "position_limit": Field(f.integer),
    "settlement_rule": Field(f.choice(SettlementPriceRule)),
    "large_side_margin": Field(f.boolean),
}
RATE_FIELDS = {name: Field(f.decimal) for name in (*MARGIN_FIELDS, *FEE_FIELDS)}
PRODUCT_FIELDS = {
    "exchange": Field(f.text),
    "code": Field(f.text),
    "name": Field(f.text),
    "hours": Field(f.text),
    **TERMS_FIELDS,
    "rates": Field(lambda v: v),
    "bloomberg_root": Field(f.text, required=False),
    "bloomberg_yellow_key": Field(f.choice(YellowKey), required=False),
}
EXCHANGE_RATE_FIELDS = {"effective": Field(f.a_date, required=False), **RATE_FIELDS}
INSTRUMENT_FIELDS = {
    "code": Field(f.text),
    "product": Field(f.text),
    "listing_date": Field(f.a_date),
    "expiry_date": Field(f.a_date),
    "isin": Field(f.isin, required=False),
    "figi": Field(f.figi, required=False),
    **{name: Field(spec.read, required=False) for name, spec in TERMS_FIELDS.items()},
}
MEMBER_FIELDS = {
    "code": Field(f.text),
    "name": Field(f.text),
    "kind": Field(f.choice(MemberKind)),
    "exchanges": Field(f.text_list),
    "settled_by": Field(f.text, required=False),
    "min_reserve": Field(f.non_negative_decimal),
    "min_fee_multiple": Field(f.positive_decimal, required=False, default=RatePolicy().min_fee_multiple),
    "min_margin_addon": Field(f.non_negative_decimal, required=False, default=RatePolicy().min_margin_addon),
}
CLIENT_FIELDS = {
    "code": Field(f.text),
    "name": Field(f.text),
    "member": Field(f.text),
    "kind": Field(f.choice(ClientKind)),
    "group": Field(f.text, required=False),
}
SCHEDULE_FIELDS = {
    "member": Field(f.text),
    "scope": Field(f.choice(RateScope)),
    "target": Field(f.text, required=False),
    "product": Field(f.text, required=False, default="*"),
    "effective": Field(f.a_date, required=False),
    "mode": Field(f.choice(RateMode)),
    "fee_multiple": Field(f.positive_decimal, required=False),
    "margin_addon": Field(f.non_negative_decimal, required=False),
    **{name: Field(f.decimal, required=False) for name in RATE_FIELDS},
}
SESSION_FIELDS = {
    "name": Field(f.text),
    "begin_string": Field(f.text),
    "sender_comp_id": Field(f.text),
    "target_comp_id": Field(f.text),
    "port": Field(f.port),
    "username": Field(f.text),
    "allowed_addresses": Field(f.text_list),
    "member": Field(f.text),
    "accounts": Field(f.text_list),
    "default_account": Field(f.text, required=False),
    "enabled": Field(f.boolean, required=False, default=True),
}


def parse_venue(text: str) -> tuple[VenueSpec | None, list[Issue]]:
    """The venue described by `text`, or None and every issue found."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        return None, [Issue("(syntax)", str(exc))]
    return _Reader(data).read()


class _Reader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.issues: list[Issue] = []

    def problem(self, path: str, message: str) -> None:
        self.issues.append(Issue(path, message))

    def declared(self, section: str) -> set[str]:
        """Codes the file declares in `section`, valid or not."""
        tables = self.data.get(section)
        if section == "hours":
            return set(tables) if isinstance(tables, dict) else set()
        if not isinstance(tables, list):
            return set()
        return {t["code"] for t in tables if isinstance(t, dict) and isinstance(t.get("code"), str)}

    def unknown(self, section: str, value: str, valid: Any, path: str, label: str) -> bool:
        """True when `value` is not a valid `section` entry. Entries that exist but were
        themselves rejected are not reported again, so one mistake gives one message."""
        if value in valid:
            return False
        if value not in self.declared(section):
            self.problem(path, f"unknown {label} {value!r}")
        return True

    def read(self) -> tuple[VenueSpec | None, list[Issue]]:
        for key in self.data:
            if key not in TOP_LEVEL:
                self.problem(key, f"unknown section (expected one of: {', '.join(TOP_LEVEL)})")
        venue = f.read_table(self.data.get("venue", {}), VENUE_FIELDS, "venue", self.issues)
        effective = venue["effective"] if f.complete(venue) else date.min
        spec = VenueSpec(
            name=venue["name"] if f.complete(venue) else "",
            effective=effective,
            calendar=self.read_calendar(),
            holidays=self.holidays,
            hours=self.read_hours(),
        )
        spec.exchanges = self.read_exchanges()
        spec.products, spec.exchange_rates = self.read_products(spec, effective)
        spec.instruments = self.read_instruments(spec)
        spec.members = self.read_members(spec)
        spec.clients = self.read_clients()
        invalid = frozenset((self.declared("member") - {m.code for m in spec.members}) | (self.declared("exchange") - {e.code for e in spec.exchanges}))
        for path, message in tree_problems(spec.members, spec.clients, {e.code for e in spec.exchanges}, invalid):
            self.problem(path, message)
        spec.schedules = self.read_schedules(spec, effective)
        spec.sessions = self.read_sessions(spec)
        return (None if self.issues else spec), self.issues

    def read_calendar(self) -> TradingCalendar:
        row = f.read_table(self.data.get("calendar", {}), CALENDAR_FIELDS, "calendar", self.issues) or {}
        self.holidays: dict[date, str] = {}
        holidays = row.get("holidays") or {}
        if not isinstance(holidays, dict):
            self.problem("calendar.holidays", "expected a table of holiday name = [dates]")
            holidays = {}
        for name, days in holidays.items():
            try:
                for day in f.date_list(days):
                    self.holidays[day] = name
            except ValueError as exc:
                self.problem(f"calendar.holidays.{name}", str(exc))
        timezone = row.get("timezone")
        if not isinstance(timezone, str) or not _known_timezone(timezone):
            if isinstance(timezone, str):
                self.problem("calendar.timezone", f"unknown time zone {timezone!r}")
            timezone = "UTC"
        rollover = row.get("rollover")
        extra = {} if rollover in (None, f.MISSING) else {"rollover": rollover}
        return TradingCalendar(timezone=timezone, holidays=frozenset(self.holidays), **extra)

    def read_hours(self) -> dict[str, TradingHours]:
        tables = self.data.get("hours", {})
        if not isinstance(tables, dict):
            self.problem("hours", "expected tables [hours.NAME]")
            return {}
        hours = {}
        for name, table in tables.items():
            row = f.read_table(table, HOURS_FIELDS, f"hours.{name}", self.issues)
            if f.complete(row):
                assert row is not None
                template = TradingHours(name=name, day=row["day"], night=row["night"], auction_minutes=row["auction_minutes"])
                for key, message in template.problems():
                    self.problem(f"hours.{name}.{key}", message)
                hours[name] = template
        return hours

    def read_exchanges(self) -> list[Exchange]:
        exchanges = []
        for i, table in enumerate(f.table_list(self.data.get("exchange"), "exchange", self.issues)):
            path = f"exchange[{i}]"
            row = f.read_table(table, EXCHANGE_FIELDS, path, self.issues)
            if f.complete(row):
                assert row is not None
                if not _known_timezone(row["timezone"]):
                    self.problem(f"{path}.timezone", f"unknown time zone {row['timezone']!r}")
                exchanges.append(Exchange(**row))
        self.unique(exchanges, "exchange", lambda e: e.code)
        return exchanges

    def read_products(self, spec: VenueSpec, effective: date) -> tuple[list[Product], list[ExchangeRate]]:
        products, rates = [], []
        known_exchanges = {e.code for e in spec.exchanges}
        for i, table in enumerate(f.table_list(self.data.get("product"), "product", self.issues)):
            path = f"product[{i}]"
            row = f.read_table(table, PRODUCT_FIELDS, path, self.issues)
            if row is None:
                continue
            if row["exchange"] is not f.MISSING and self.unknown("exchange", row["exchange"], known_exchanges, f"{path}.exchange", "exchange"):
                row["exchange"] = f.MISSING
            if row["hours"] is not f.MISSING and self.unknown("hours", row["hours"], spec.hours, f"{path}.hours", "trading hours"):
                row["hours"] = f.MISSING
            terms = self.terms(row, path)
            if row["rates"] is not f.MISSING:
                rates += self.read_exchange_rates(row["rates"], row["code"], f"{path}.rates", effective)
            if f.complete(row) and terms is not None:
                if (row["bloomberg_root"] is None) != (row["bloomberg_yellow_key"] is None):
                    self.problem(f"{path}.bloomberg_root", "bloomberg_root and bloomberg_yellow_key go together")
                products.append(
                    Product(
                        exchange=row["exchange"], code=row["code"], name=row["name"], hours=row["hours"], terms=terms,
                        bloomberg_root=row["bloomberg_root"],
                        bloomberg_yellow_key=row["bloomberg_yellow_key"].value if row["bloomberg_yellow_key"] else None,
                    )
                )
        self.unique(products, "product", lambda p: p.code)
        self.unique([p for p in products if p.bloomberg_root], "product", lambda p: (p.bloomberg_root, p.bloomberg_yellow_key), label="Bloomberg root")
        return products, rates

    def read_exchange_rates(self, data: Any, product: Any, path: str, effective: date) -> list[ExchangeRate]:
        versions = data if isinstance(data, list) else [data]
        rates = []
        for j, table in enumerate(versions):
            vpath = f"{path}[{j}]" if isinstance(data, list) else path
            row = f.read_table(table, EXCHANGE_RATE_FIELDS, vpath, self.issues)
            if not f.complete(row) or product is f.MISSING:
                continue
            assert row is not None
            rate_set = RateSet(**{name: row[name] for name in RATE_FIELDS})
            for key, message in rate_set.problems():
                self.problem(f"{vpath}.{key}", message)
            rates.append(ExchangeRate(product=product, effective_from=row["effective"] or effective, rates=rate_set))
        self.unique(rates, path, lambda r: r.effective_from, label="effective date")
        return rates

    def terms(self, row: dict[str, Any], path: str, base: ContractTerms | None = None) -> ContractTerms | None:
        values = {}
        for name in TERMS_FIELDS:
            value = row.get(name)
            if value is None and base is not None:
                value = getattr(base, name)
            if value is None or value is f.MISSING:
                return None
            values[name] = value
        terms = ContractTerms(**values)
        for key, message in terms.problems():
            # An inherited term was already reported on its product.
            if base is None or row.get(key) is not None:
                self.problem(f"{path}.{key}", message)
        return terms

    def read_instruments(self, spec: VenueSpec) -> list[Instrument]:
        products = {p.code: p for p in spec.products}
        instruments = []
        for i, table in enumerate(f.table_list(self.data.get("instrument"), "instrument", self.issues)):
            path = f"instrument[{i}]"
            row = f.read_table(table, INSTRUMENT_FIELDS, path, self.issues)
            if not f.complete({k: row[k] for k in ("code", "product", "listing_date", "expiry_date")} if row else None):
                continue
            assert row is not None
            if self.unknown("product", row["product"], products, f"{path}.product", "product"):
                continue
            product = products[row["product"]]
            if row["expiry_date"] < row["listing_date"]:
                self.problem(f"{path}.expiry_date", f"{row['expiry_date']} is before listing_date {row['listing_date']}")
            if any(v is f.MISSING for v in row.values()):
                continue
            terms = self.terms(row, path, base=product.terms)
            if terms is not None:
                instruments.append(
                    Instrument(
                        code=row["code"],
                        exchange=product.exchange,
                        product=product.code,
                        listing_date=row["listing_date"],
                        expiry_date=row["expiry_date"],
                        terms=terms,
                        isin=row["isin"],
                        figi=row["figi"],
                    )
                )
        self.unique(instruments, "instrument", lambda x: x.code)
        self.unique([i for i in instruments if i.isin], "instrument", lambda x: x.isin, label="isin")
        self.unique([i for i in instruments if i.figi], "instrument", lambda x: x.figi, label="figi")
        return instruments

    def read_members(self, spec: VenueSpec) -> list[Member]:
        members = []
        for i, table in enumerate(f.table_list(self.data.get("member"), "member", self.issues)):
            row = f.read_table(table, MEMBER_FIELDS, f"member[{i}]", self.issues)
            if f.complete(row):
                assert row is not None
                policy = RatePolicy(min_fee_multiple=row.pop("min_fee_multiple"), min_margin_addon=row.pop("min_margin_addon"))
                members.append(Member(**row, policy=policy))
        self.unique(members, "member", lambda m: m.code)
        return members

    def read_clients(self) -> list[Client]:
        clients = []
        for i, table in enumerate(f.table_list(self.data.get("client"), "client", self.issues)):
            row = f.read_table(table, CLIENT_FIELDS, f"client[{i}]", self.issues)
            if f.complete(row):
                assert row is not None
                clients.append(Client(**row))
        self.unique(clients, "client", lambda c: c.code)
        return clients

    def read_schedules(self, spec: VenueSpec, effective: date) -> list[RateSchedule]:
        members = {m.code: m for m in spec.members}
        clients = {c.code: c for c in spec.clients}
        groups = {(c.member, c.group) for c in spec.clients if c.group}
        products = {p.code: p for p in spec.products}
        schedules = []
        for i, table in enumerate(f.table_list(self.data.get("rate_schedule"), "rate_schedule", self.issues)):
            path = f"rate_schedule[{i}]"
            row = f.read_table(table, SCHEDULE_FIELDS, path, self.issues)
            if not f.complete(row):
                continue
            assert row is not None
            if self.unknown("member", row["member"], members, f"{path}.member", "member"):
                continue
            member = members[row["member"]]
            scope, target = row["scope"], row["target"]
            if scope is RateScope.MEMBER and target is not None:
                self.problem(f"{path}.target", "a member-scope schedule has no target")
            elif scope is RateScope.GROUP and (member.code, target) not in groups:
                self.problem(f"{path}.target", f"no client of member {member.code} is in group {target!r}")
            elif scope is RateScope.CLIENT and (target not in clients or clients[target].member != member.code):
                self.problem(f"{path}.target", f"{target!r} is not a client of member {member.code}")
            product = None if row["product"] == "*" else row["product"]
            if product is not None and self.unknown("product", product, products, f"{path}.product", "product"):
                continue
            schedule = self.schedule(row, path, member, product, effective)
            if schedule is not None:
                self.check_policy(spec, schedule, member, path)
                schedules.append(schedule)
        self.unique(schedules, "rate_schedule", lambda s: (s.member, s.scope, s.target, s.product, s.effective_from), label="schedule")
        return schedules

    def schedule(self, row: dict[str, Any], path: str, member: Member, product: str | None, effective: date) -> RateSchedule | None:
        absolute_given = [name for name in RATE_FIELDS if row[name] is not None]
        common = dict(
            member=member.code,
            scope=row["scope"],
            target=row["target"],
            product=product,
            effective_from=row["effective"] or effective,
            mode=row["mode"],
        )
        if row["mode"] is RateMode.RELATIVE:
            for name in absolute_given:
                self.problem(f"{path}.{name}", "a relative schedule states fee_multiple and margin_addon, not rates")
            for name in ("fee_multiple", "margin_addon"):
                if row[name] is None:
                    self.problem(f"{path}.{name}", "missing required key for a relative schedule")
            if absolute_given or row["fee_multiple"] is None or row["margin_addon"] is None:
                return None
            return RateSchedule(**common, fee_multiple=row["fee_multiple"], margin_addon=row["margin_addon"])
        for name in ("fee_multiple", "margin_addon"):
            if row[name] is not None:
                self.problem(f"{path}.{name}", "an absolute schedule states every rate, not a multiple")
        missing = [name for name in RATE_FIELDS if row[name] is None]
        for name in missing:
            self.problem(f"{path}.{name}", "missing required key for an absolute schedule")
        if missing:
            return None
        rate_set = RateSet(**{name: row[name] for name in RATE_FIELDS})
        for key, message in rate_set.problems():
            self.problem(f"{path}.{key}", message)
        return RateSchedule(**common, absolute=rate_set)

    def check_policy(self, spec: VenueSpec, schedule: RateSchedule, member: Member, path: str) -> None:
        """Client rates may never fall below the member's policy over the exchange rates."""
        policy = member.policy
        if schedule.mode is RateMode.RELATIVE:
            assert schedule.fee_multiple is not None and schedule.margin_addon is not None
            if schedule.fee_multiple < policy.min_fee_multiple:
                self.problem(f"{path}.fee_multiple", f"{schedule.fee_multiple} is below member {member.code}'s minimum {policy.min_fee_multiple}")
            if schedule.margin_addon < policy.min_margin_addon:
                self.problem(f"{path}.margin_addon", f"{schedule.margin_addon} is below member {member.code}'s minimum {policy.min_margin_addon}")
            return
        products = [p.code for p in spec.products if schedule.product in (None, p.code) and p.exchange in member.exchanges]
        versions = sorted(spec.exchange_rates, key=lambda r: r.effective_from)
        for product in products:
            mine = [r for r in versions if r.product == product]
            # The version in force when the schedule starts, and every later one.
            applicable = [r for r in mine if r.effective_from > schedule.effective_from]
            earlier = [r for r in mine if r.effective_from <= schedule.effective_from]
            if earlier:
                applicable.insert(0, earlier[-1])
            assert schedule.absolute is not None
            for version in applicable:
                for shortfall in policy.shortfalls(schedule.absolute, version.rates):
                    self.problem(path, f"client rates below member {member.code}'s policy for {product} (exchange rates of {version.effective_from}): {shortfall}")

    def read_sessions(self, spec: VenueSpec) -> list[FixSessionSpec]:
        members = {m.code for m in spec.members}
        accounts = {a.code: a for a in implied_accounts(spec.members, spec.clients)}
        sessions = []
        for i, table in enumerate(f.table_list(self.data.get("fix_session"), "fix_session", self.issues)):
            path = f"fix_session[{i}]"
            row = f.read_table(table, SESSION_FIELDS, path, self.issues)
            if not f.complete(row):
                continue
            assert row is not None
            if row["begin_string"] not in BEGIN_STRINGS:
                self.problem(f"{path}.begin_string", f"expected one of {', '.join(BEGIN_STRINGS)}, got {row['begin_string']!r}")
            self.unknown("member", row["member"], members, f"{path}.member", "member")
            for address in row["allowed_addresses"]:
                try:
                    ipaddress.ip_network(address, strict=False)
                except ValueError:
                    self.problem(f"{path}.allowed_addresses", f"{address!r} is not an IP address or CIDR block")
            for code in row["accounts"]:
                account = accounts.get(code)
                if account is None:
                    if code not in self.declared("client"):
                        self.problem(f"{path}.accounts", f"unknown account {code!r}")
                elif account.member != row["member"]:
                    self.problem(f"{path}.accounts", f"account {code} is held at member {account.member}, not {row['member']}")
            if row["default_account"] is not None and row["default_account"] not in row["accounts"]:
                self.problem(f"{path}.default_account", f"{row['default_account']!r} is not among the session's accounts")
            sessions.append(FixSessionSpec(**row))
        self.unique(sessions, "fix_session", lambda s: s.name, label="name")
        self.unique(sessions, "fix_session", lambda s: (s.begin_string, s.sender_comp_id, s.target_comp_id), label="CompID pair")
        return sessions

    def unique(self, items: list[Any], path: str, key: Any, label: str = "code") -> None:
        seen: set[Any] = set()
        for item in items:
            k = key(item)
            if k in seen:
                self.problem(path, f"duplicate {label} {k!r}")
            seen.add(k)


def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
