"""Write a validated venue into the database: idempotent upserts with a change log.

Entities are matched by their natural keys (codes, CompID pairs, effective dates). A value
that differs is updated in place and the change is recorded (`ref_change`, field: old ->
new); rate versions are keyed by their effective date, so a new effective date adds a
version and leaves the history in place. Loading the same file twice writes nothing at all.
Entities the file no longer mentions are kept (trades and ledgers refer to them) and
reported; the calendar's holidays, memberships and session entitlements follow the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.domain.enums import AccountStatus
from backoffice.domain.organisation import implied_accounts
from backoffice.domain.rates import RateSet

from .venue import VenueSpec

TERMS = ("currency", "multiplier", "tick_size", "price_limit_pct", "max_order_size", "position_limit", "settlement_rule", "large_side_margin")
RATE_COLUMNS = tuple(RateSet.__dataclass_fields__)


@dataclass
class LoadReport:
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)  # entity, key, action, detail
    not_in_file: list[str] = field(default_factory=list)
    load_id: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def load_venue(session: Session, spec: VenueSpec, *, source: str, content: bytes, operator: str) -> LoadReport:
    """Bring the database in line with `spec` inside the caller's transaction."""
    writer = _Writer(session)
    writer.settings(spec)
    writer.holidays(spec)
    hours = writer.hours(spec)
    exchanges = writer.exchanges(spec)
    products = writer.products(spec, exchanges, hours)
    writer.exchange_rates(spec, products)
    writer.instruments(spec, products)
    members = writer.members(spec, exchanges)
    clients = writer.clients(spec, members)
    accounts = writer.accounts(spec, members, clients, exchanges)
    writer.schedules(spec, members)
    writer.sessions(spec, members, accounts)
    report = writer.report
    if report.changed:
        load = m.RefLoad(
            loaded_at=datetime.now(timezone.utc),
            source=source,
            sha256=hashlib.sha256(content).hexdigest(),
            operator=operator,
        )
        session.add(load)
        session.flush()
        session.add_all(
            m.RefChange(load_id=load.id, entity=entity, key=key, action=action, detail=detail)
            for entity, key, action, detail in report.changes
        )
        report.load_id = load.id
    return report


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return bool(old == new)


class _Writer:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.report = LoadReport()
        self.inserted: set[int] = set()  # id() of rows this load created: their parts are not "updates"

    def record(self, entity: str, key: str, action: str, detail: str = "") -> None:
        self.report.changes.append((entity, key, action, detail))

    def record_part_change(self, parent: Any, entity: str, key: str, action: str, detail: str) -> None:
        """Record a change to a row's parts (periods, memberships, entitlements) unless the row is new."""
        if id(parent) not in self.inserted:
            self.record(entity, key, action, detail)

    def upsert(self, model: type, entity: str, key: str, existing: Any, values: dict[str, Any]) -> Any:
        """Insert `values` or update `existing` where fields differ; record what changed."""
        if existing is None:
            row = model(**values)
            self.session.add(row)
            self.session.flush()
            self.inserted.add(id(row))
            self.record(entity, key, "insert")
            return row
        diffs = []
        for name, new in values.items():
            old = getattr(existing, name)
            if not _same(old, new):
                diffs.append(f"{name}: {old} -> {new}")
                setattr(existing, name, new)
        if diffs:
            self.session.flush()
            self.record(entity, key, "update", "\n".join(diffs))
        return existing

    def by_key(self, model: type, **criteria: Any) -> Any:
        return self.session.scalars(select(model).filter_by(**criteria)).one_or_none()

    def settings(self, spec: VenueSpec) -> None:
        wanted = {
            "venue.name": spec.name,
            "calendar.timezone": spec.calendar.timezone,
            "calendar.rollover": spec.calendar.rollover.isoformat(timespec="minutes"),
        }
        for key, value in wanted.items():
            self.upsert(m.Setting, "setting", key, self.session.get(m.Setting, key), {"key": key, "value": value})

    def holidays(self, spec: VenueSpec) -> None:
        existing = {h.day: h for h in self.session.scalars(select(m.Holiday))}
        for day, name in sorted(spec.holidays.items()):
            self.upsert(m.Holiday, "holiday", day.isoformat(), existing.get(day), {"day": day, "name": name})
        for day, row in existing.items():
            if day not in spec.holidays:
                self.session.delete(row)
                self.record("holiday", day.isoformat(), "delete", f"was {row.name}")

    def hours(self, spec: VenueSpec) -> dict[str, m.TradingHours]:
        result = {}
        for name, template in spec.hours.items():
            row = self.upsert(
                m.TradingHours, "trading_hours", name, self.by_key(m.TradingHours, name=name),
                {"name": name, "auction_minutes": template.auction_minutes},
            )
            wanted = [("day", i, s, e) for i, (s, e) in enumerate(template.day)]
            wanted += [("night", i, s, e) for i, (s, e) in enumerate(template.night)]
            current = [(p.kind, p.seq, p.start, p.end) for p in row.periods]
            if sorted(current) != sorted(wanted):
                row.periods = [m.HoursPeriod(kind=k, seq=i, start=s, end=e) for k, i, s, e in wanted]
                self.session.flush()
                self.record_part_change(row, "trading_hours", name, "update", f"periods: {_periods(current)} -> {_periods(wanted)}")
            result[name] = row
        return result

    def exchanges(self, spec: VenueSpec) -> dict[str, m.Exchange]:
        result = {}
        for exchange in spec.exchanges:
            values = {
                "code": exchange.code,
                "name": exchange.name,
                "timezone": exchange.timezone,
                "close_today_distinct": exchange.close_today_distinct,
                "close_priority": exchange.close_priority.value,
                "tiered_settlement": exchange.tiered_settlement,
            }
            result[exchange.code] = self.upsert(m.Exchange, "exchange", exchange.code, self.by_key(m.Exchange, code=exchange.code), values)
        self.note_missing(m.Exchange, "exchange", {e.code for e in spec.exchanges})
        return result

    def products(self, spec: VenueSpec, exchanges: dict[str, m.Exchange], hours: dict[str, m.TradingHours]) -> dict[str, m.Product]:
        result = {}
        for product in spec.products:
            values = {
                "exchange_id": exchanges[product.exchange].id,
                "code": product.code,
                "name": product.name,
                "hours_id": hours[product.hours].id,
                **_terms(product.terms),
                "bloomberg_root": product.bloomberg_root,
                "bloomberg_yellow_key": product.bloomberg_yellow_key,
            }
            existing = self.by_key(m.Product, exchange_id=values["exchange_id"], code=product.code)
            result[product.code] = self.upsert(m.Product, "product", f"{product.exchange}.{product.code}", existing, values)
        return result

    def exchange_rates(self, spec: VenueSpec, products: dict[str, m.Product]) -> None:
        for rate in spec.exchange_rates:
            product = products[rate.product]
            values = {"product_id": product.id, "effective_from": rate.effective_from, **rate.rates.as_dict()}
            existing = self.by_key(m.ExchangeRate, product_id=product.id, effective_from=rate.effective_from)
            self.upsert(m.ExchangeRate, "exchange_rate", f"{rate.product}@{rate.effective_from}", existing, values)

    def instruments(self, spec: VenueSpec, products: dict[str, m.Product]) -> None:
        for instrument in spec.instruments:
            values = {
                "code": instrument.code,
                "product_id": products[instrument.product].id,
                "listing_date": instrument.listing_date,
                "expiry_date": instrument.expiry_date,
                **_terms(instrument.terms),
                "isin": instrument.isin,
                "figi": instrument.figi,
            }
            self.upsert(m.Instrument, "instrument", instrument.code, self.by_key(m.Instrument, code=instrument.code), values)
        self.note_missing(m.Instrument, "instrument", {i.code for i in spec.instruments})

    def members(self, spec: VenueSpec, exchanges: dict[str, m.Exchange]) -> dict[str, m.Member]:
        result: dict[str, m.Member] = {}
        # Settlement members first, so that trading members can point at them.
        for member in sorted(spec.members, key=lambda x: x.settled_by is not None):
            values = {
                "code": member.code,
                "name": member.name,
                "kind": member.kind.value,
                "settled_by_id": result[member.settled_by].id if member.settled_by else None,
                "min_reserve": member.min_reserve,
                "min_fee_multiple": member.policy.min_fee_multiple,
                "min_margin_addon": member.policy.min_margin_addon,
            }
            row = self.upsert(m.Member, "member", member.code, self.by_key(m.Member, code=member.code), values)
            result[member.code] = row
            current = {ms.exchange_id for ms in self.session.scalars(select(m.Membership).filter_by(member_id=row.id))}
            wanted = {exchanges[code].id for code in member.exchanges}
            for exchange_id in wanted - current:
                self.session.add(m.Membership(member_id=row.id, exchange_id=exchange_id))
            for exchange_id in current - wanted:
                self.session.delete(self.session.get(m.Membership, (row.id, exchange_id)))
            if current != wanted:
                names = {e.id: c for c, e in exchanges.items()}
                self.record_part_change(row, "membership", member.code, "update", f"exchanges: {sorted(names.get(i, str(i)) for i in current)} -> {sorted(member.exchanges)}")
        self.note_missing(m.Member, "member", {x.code for x in spec.members})
        return result

    def clients(self, spec: VenueSpec, members: dict[str, m.Member]) -> dict[str, m.Client]:
        result = {}
        for client in spec.clients:
            values = {
                "code": client.code,
                "name": client.name,
                "member_id": members[client.member].id,
                "kind": client.kind.value,
                "group": client.group,
            }
            result[client.code] = self.upsert(m.Client, "client", client.code, self.by_key(m.Client, code=client.code), values)
        self.note_missing(m.Client, "client", {c.code for c in spec.clients})
        return result

    def accounts(
        self, spec: VenueSpec, members: dict[str, m.Member], clients: dict[str, m.Client], exchanges: dict[str, m.Exchange]
    ) -> dict[str, m.Account]:
        result = {}
        for account in implied_accounts(spec.members, spec.clients):
            existing = self.by_key(m.Account, code=account.code)
            values = {
                "code": account.code,
                "kind": account.kind.value,
                "member_id": members[account.member].id,
                "owner_member_id": members[account.owner].id if account.owner in members else None,
                "client_id": clients[account.owner].id if account.owner in clients else None,
                "exchange_id": exchanges[account.exchange].id if account.exchange else None,
                "business_type": account.business_type.value,
                "currency": "CNY",
            }
            if existing is None:
                values |= {"status": AccountStatus.ACTIVE.value, "opened_at": datetime.now(timezone.utc)}
            result[account.code] = self.upsert(m.Account, "account", account.code, existing, values)
        return result

    def schedules(self, spec: VenueSpec, members: dict[str, m.Member]) -> None:
        for schedule in spec.schedules:
            member = members[schedule.member]
            key = {
                "member_id": member.id,
                "scope": schedule.scope.value,
                "target": schedule.target or "",
                "product_code": schedule.product or "*",
                "effective_from": schedule.effective_from,
            }
            rates: dict[str, Decimal | None] = dict.fromkeys(RATE_COLUMNS)
            if schedule.absolute is not None:
                rates = dict(schedule.absolute.as_dict())
            values = {
                **key,
                "mode": schedule.mode.value,
                "fee_multiple": schedule.fee_multiple,
                "margin_addon": schedule.margin_addon,
                **rates,
            }
            label = f"{schedule.member}/{schedule.scope.value}:{schedule.target or '*'}/{schedule.product or '*'}@{schedule.effective_from}"
            self.upsert(m.RateSchedule, "rate_schedule", label, self.by_key(m.RateSchedule, **key), values)

    def sessions(self, spec: VenueSpec, members: dict[str, m.Member], accounts: dict[str, m.Account]) -> None:
        for fix in spec.sessions:
            values = {
                "name": fix.name,
                "begin_string": fix.begin_string,
                "sender_comp_id": fix.sender_comp_id,
                "target_comp_id": fix.target_comp_id,
                "port": fix.port,
                "username": fix.username,
                "allowed_addresses": ",".join(fix.allowed_addresses),
                "member_id": members[fix.member].id,
                "default_account_id": accounts[fix.default_account].id if fix.default_account else None,
                "enabled": fix.enabled,
            }
            row = self.upsert(m.FixSession, "fix_session", fix.name, self.by_key(m.FixSession, name=fix.name), values)
            current = {e.account.code for e in row.entitlements}
            if current != set(fix.accounts):
                row.entitlements = [e for e in row.entitlements if e.account.code in fix.accounts]
                row.entitlements += [m.FixSessionAccount(account_id=accounts[code].id) for code in sorted(set(fix.accounts) - current)]
                self.session.flush()
                self.record_part_change(row, "fix_session", fix.name, "update", f"accounts: {sorted(current)} -> {sorted(fix.accounts)}")
        self.note_missing(m.FixSession, "fix_session", {s.name for s in spec.sessions}, attr="name")

    def note_missing(self, model: Any, entity: str, in_file: set[str], attr: str = "code") -> None:
        for value in self.session.scalars(select(getattr(model, attr))):
            if value not in in_file:
                self.report.not_in_file.append(f"{entity} {value}")


def _terms(terms: Any) -> dict[str, Any]:
    values = {name: getattr(terms, name) for name in TERMS}
    values["settlement_rule"] = terms.settlement_rule.value
    return values


def _periods(periods: list[tuple[str, int, Any, Any]]) -> str:
    return ", ".join(f"{k} {s:%H:%M}-{e:%H:%M}" for k, _, s, e in sorted(periods)) or "none"

