"""Whether a trading day may be settled now, and if not, exactly why.

Some refusals an operator may override with `--force` (recorded with the run): the core's
journal has commands for the day but no `end_of_day`, so DAY orders may still be working.
Others would make the books wrong and are never overridden: the day is not a trading day,
an earlier day with trades is not settled (its lots would be lost), or later days are
already settled (they would no longer follow from this one: rerun from it instead).
Missing settlement prices are found while settling (`day.settle_day`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.domain.calendar import TradingCalendar

from .loading import previous_run


@dataclass(frozen=True, slots=True)
class Refusal:
    message: str
    forceable: bool


def refusals(
    session: Session, calendar: TradingCalendar, day: date, *, rerun: bool = False, batch: Collection[date] = (),
) -> list[Refusal]:
    """Why `day` may not be settled now; `batch`: the days settled before it in the same
    transaction (a rerun), which count as settled."""
    found: list[Refusal] = []
    if not calendar.is_trading_day(day):
        found.append(Refusal(f"{day} is not a trading day", forceable=False))
    commands = session.scalar(select(func.count()).select_from(m.JournalEntry).where(m.JournalEntry.trading_day == day))
    if commands:
        closed = session.scalar(
            select(func.count()).select_from(m.JournalEntry).where(m.JournalEntry.trading_day == day, m.JournalEntry.kind == "end_of_day")
        )
        if not closed:
            found.append(Refusal(
                f"trading day {day} is not closed: the core's journal holds {commands} command(s) for it and no end_of_day, "
                "so DAY orders may still be working",
                forceable=True,
            ))
    before = previous_run(session, day)
    query = select(m.Trade.trading_day).where(m.Trade.trading_day < day).distinct().order_by(m.Trade.trading_day)
    if before is not None:
        query = query.where(m.Trade.trading_day > before.trading_day)
    unsettled = [d for d in session.scalars(query) if d not in batch]
    if unsettled:
        days = ", ".join(d.isoformat() for d in unsettled)
        found.append(Refusal(f"earlier trading day(s) with trades are not settled: {days}; settle them first", forceable=False))
    if not rerun:
        later = list(session.scalars(
            select(m.SettlementRun.trading_day)
            .where(m.SettlementRun.status == "current", m.SettlementRun.trading_day > day)
            .order_by(m.SettlementRun.trading_day)
        ))
        if later:
            found.append(Refusal(
                f"later day(s) are already settled ({', '.join(d.isoformat() for d in later)}); "
                f"use `fixbroker settle rerun --from {day}` to recompute them in order",
                forceable=False,
            ))
    return found
