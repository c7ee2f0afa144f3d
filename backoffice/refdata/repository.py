"""Read reference data back out of the database as domain values."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.domain.calendar import TradingCalendar
from backoffice.domain.enums import RateMode, RateScope
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
