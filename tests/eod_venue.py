"""A traded sample venue for end-of-day tests, and readers of what the end of day left."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from settle_venue import fund, set_previous_prices

DAY = "2026-11-23"
NEXT = "2026-11-24"
ACCOUNTS = ("C000101", "C000102", "C000201", "C000202", "C010101", "P0001", "TM-0001-0101",
            "RSV-CFFEX-0001-B", "RSV-SHFE-0001-B", "RSV-CFFEX-0002-B", "RSV-SHFE-0002-B",
            "RSV-CFFEX-0001-P", "RSV-SHFE-0001-P", "RSV-CFFEX-0002-P", "RSV-SHFE-0002-P")
STEPS = ["close", "prices", "settle", "margin_calls", "statements", "bank_file", "roll"]


def traded(venue, *days: str) -> None:
    """Previous prices, every account funded, and each of `days` traded and closed."""
    set_previous_prices(venue)
    fund(venue, {code: "200000000.00" for code in ACCOUNTS})
    for day in days:
        venue("market", "simulate", "--date", day, "--orders", "300")


def history(url: str) -> list[tuple]:
    """(day, status, resumed, [(step, status, attempts)...]) of every end-of-day run."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return [(r.trading_day.isoformat(), r.status, r.resumed, [(s.name, s.status, s.attempts) for s in r.steps])
                    for r in session.scalars(select(m.EodRun).order_by(m.EodRun.id))]
    finally:
        engine.dispose()


def settlement_runs(url: str, day: str) -> int:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return session.scalar(
                select(func.count()).select_from(m.SettlementRun).where(m.SettlementRun.trading_day == date.fromisoformat(day))
            )
    finally:
        engine.dispose()
