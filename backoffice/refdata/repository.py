"""Read reference data back out of the database as domain values."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from backoffice.db import models as m
from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.domain.enums import ClosePriority, RateMode, RateScope, SettlementPriceRule
from backoffice.domain.instruments import ContractTerms, Exchange, Instrument
from backoffice.domain.rates import FEE_FIELDS, MARGIN_FIELDS, ExchangeRate, RatePolicy, RateSchedule, RateSet

RATE_FIELDS = (*MARGIN_FIELDS, *FEE_FIELDS)


class NotLoaded(LookupError):
    """The database has no venue yet: `fixbroker ref load` has not been run."""


def load_calendar(session: Session) -> TradingCalendar:
    settings = {s.key: s.value for s in session.scalars(select(m.Setting))}
    if "calendar.timezone" not in settings:
        raise NotLoaded("no trading calendar in the database; run `fixbroker ref load FILE.toml` first")
    return TradingCalendar(
        timezone=settings["calendar.timezone"],
        holidays=frozenset(session.scalars(select(m.Holiday.day))),
        rollover=time.fromisoformat(settings["calendar.rollover"]),
    )


def find_account(session: Session, code: str) -> m.Account:
    account = session.scalars(select(m.Account).filter_by(code=code)).one_or_none()
    if account is None:
        raise LookupError(f"unknown account {code!r}")
    return account


def exchange_rate_versions(session: Session) -> dict[str, list[ExchangeRate]]:
    versions: dict[str, list[ExchangeRate]] = {}
    for row in session.scalars(select(m.ExchangeRate).join(m.ExchangeRate.product).order_by(m.ExchangeRate.effective_from)):
        rates = RateSet(**{name: getattr(row, name) for name in RATE_FIELDS})
        versions.setdefault(row.product.code, []).append(ExchangeRate(row.product.code, row.effective_from, rates))
    return versions


def rate_schedules(session: Session) -> list[RateSchedule]:
    schedules = []
    for row in session.scalars(select(m.RateSchedule).join(m.RateSchedule.member)):
        absolute = None
        if row.mode == RateMode.ABSOLUTE.value:
            absolute = RateSet(**{name: getattr(row, name) for name in RATE_FIELDS})
        schedules.append(
            RateSchedule(
                member=row.member.code,
                scope=RateScope(row.scope),
                target=row.target or None,
                product=None if row.product_code == "*" else row.product_code,
                effective_from=row.effective_from,
                mode=RateMode(row.mode),
                fee_multiple=row.fee_multiple,
                margin_addon=row.margin_addon,
                absolute=absolute,
            )
        )
    return schedules


def member_policy(member: m.Member) -> RatePolicy:
    return RatePolicy(min_fee_multiple=member.min_fee_multiple, min_margin_addon=member.min_margin_addon)


def exchanges(session: Session) -> dict[str, Exchange]:
    return {
        row.code: Exchange(row.code, row.name, row.timezone, row.close_today_distinct, ClosePriority(row.close_priority), row.tiered_settlement)
        for row in session.scalars(select(m.Exchange))
    }


def instrument_of(row: m.Instrument) -> Instrument:
    """The domain instrument of a row (its terms as stored, resolved at load time)."""
    terms = ContractTerms(
        currency=row.currency,
        multiplier=row.multiplier,
        tick_size=row.tick_size,
        price_limit_pct=row.price_limit_pct,
        max_order_size=row.max_order_size,
        position_limit=row.position_limit,
        settlement_rule=SettlementPriceRule(row.settlement_rule),
        large_side_margin=row.large_side_margin,
    )
    return Instrument(row.code, row.product.exchange.code, row.product.code, row.listing_date, row.expiry_date, terms, row.isin, row.figi)


def instruments(session: Session) -> dict[str, Instrument]:
    """Every instrument, listed or not, by code."""
    query = select(m.Instrument).options(joinedload(m.Instrument.product).joinedload(m.Product.exchange))
    return {row.code: instrument_of(row) for row in session.scalars(query)}


def trading_hours(session: Session) -> dict[str, TradingHours]:
    """Every trading-hours template, by name."""
    found = {}
    for row in session.scalars(select(m.TradingHours).options(selectinload(m.TradingHours.periods))):
        day = tuple((p.start, p.end) for p in row.periods if p.kind == "day")
        night = tuple((p.start, p.end) for p in row.periods if p.kind == "night")
        found[row.name] = TradingHours(row.name, day, night, row.auction_minutes)
    return found


def instrument_hours(session: Session) -> dict[str, TradingHours]:
    """Each instrument's trading hours (its product's template), by instrument code."""
    templates = trading_hours(session)
    rows = session.execute(select(m.Instrument.code, m.TradingHours.name).join(m.Instrument.product).join(m.Product.hours))
    return {code: templates[name] for code, name in rows}


def previous_settlement_prices(session: Session, day: date) -> dict[str, Decimal]:
    """Each instrument's latest settlement price before `day` (the base of its price limits
    and of its carried positions' MTM)."""
    latest = (
        select(m.SettlementPrice.instrument_id, func.max(m.SettlementPrice.trading_day).label("day"))
        .where(m.SettlementPrice.trading_day < day)
        .group_by(m.SettlementPrice.instrument_id)
        .subquery()
    )
    rows = session.execute(
        select(m.Instrument.code, m.SettlementPrice.price)
        .join(m.SettlementPrice, m.SettlementPrice.instrument_id == m.Instrument.id)
        .join(latest, (latest.c.instrument_id == m.SettlementPrice.instrument_id) & (latest.c.day == m.SettlementPrice.trading_day))
    )
    return dict(rows.all())
