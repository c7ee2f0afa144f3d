"""The settlement runner: load a day, settle it with the pure core, check it, write it.

`settle_days` settles one or more trading days in order inside the caller's transaction
(a rerun settles several: each day loads what the previous one just wrote). Days are
settled one after the other; the first day with any problem (a missing price, an
overclose, an invariant violation...) stops the whole batch and its problems are returned:
the caller must then roll back, so nothing of the batch is written. Otherwise the caller
commits once, and every day's new run supersedes the old one (kept, with who, when and why
in the run that replaced it).

Idempotent: the same inputs give the same figures (inputs are loaded in a stable order and
the core is deterministic), so running a day twice changes nothing but the run that holds
them. Atomic: results, rolled lots, prices and margin calls are in one transaction, so a
process killed at any instant leaves the previous state untouched. The transfer files are
written after the commit, from the committed rows (`transfers`).

The runner reads no clock: the caller passes the start time and a clock for the end time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.db.engine import sqlite_page_cache
from backoffice.refdata import repository

from .core import paused_gc
from .day import Progress, settle_day
from .deadlines import is_final
from .loading import load_day
from .store import RunMeta, write_day

# Enough SQLite page cache for the indexes of a day's result rows (a million trades: ~9M rows).
PAGE_CACHE_MIB = 1024


def settling_engine(engine: Engine) -> Engine:
    """The engine for a settlement transaction: on PostgreSQL a repeatable-read snapshot, so
    every table is read as of one instant (SQLite's BEGIN IMMEDIATE already serialises)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


@dataclass(frozen=True, slots=True)
class SettledDay:
    """What was written for one day (the figures themselves are in the database)."""

    trading_day: date
    run_id: int
    superseded: int | None
    level_two: int  # accounts settled at level 2 (clients and trading members)
    level_one: int  # member reserve accounts settled at level 1
    prices: int
    calls: int


@dataclass
class Settled:
    days: list[SettledDay] = field(default_factory=list)
    failed_day: date | None = None
    problems: list[str] = field(default_factory=list)  # non-empty: roll back, nothing may be committed


def settle_days(
    session: Session,
    days: Sequence[date],
    *,
    operator: str,
    reason: str,
    force_reason: str | None,
    now: datetime,
    clock: Callable[[], datetime],
    progress: Progress = lambda _: None,
) -> Settled:
    """Settle `days` in order; see the module docstring for what the caller must do."""
    settled = Settled()
    calendar = repository.load_calendar(session)
    hours = list(repository.trading_hours(session).values())
    with paused_gc(), sqlite_page_cache(session.connection(), PAGE_CACHE_MIB):  # millions of rows: see both
        for day in days:
            done = _settle_one(session, day, is_final(calendar, hours, day, now), operator, reason, force_reason, now, clock, progress)
            if isinstance(done, list):
                settled.failed_day = day
                settled.problems = done
                return settled
            settled.days.append(done)
    return settled


def _settle_one(
    session: Session, day: date, final: bool, operator: str, reason: str, force_reason: str | None,
    now: datetime, clock: Callable[[], datetime], progress: Progress,
) -> SettledDay | list[str]:
    """One day settled and written, or its problems. The day's millions of rows die when this
    returns, while the collector is still paused: objects made while it was off and still
    alive when it resumes would all be scanned."""
    progress(f"{day}: loading")
    data = load_day(session, day)
    progress(f"{day}: loaded {len(data.trades)} trades, {len(data.lots)} opening lots, {len(data.accounts)} accounts")
    outcome = settle_day(data, progress)
    if outcome.problems:
        return outcome.problems
    meta = RunMeta(
        operator=operator, reason=reason, forced=force_reason is not None, force_reason=force_reason or "", started_at=now, final=final,
    )
    progress(f"{day}: writing results")
    run_id, superseded = write_day(session, data, outcome, meta, clock())
    progress(f"{day}: written as run {run_id}" + (f", superseding run {superseded}" if superseded else ""))
    levels = [level for level, _ in outcome.results()]
    return SettledDay(day, run_id, superseded, levels.count(2), levels.count(1), len(outcome.prices), len(outcome.calls))


def settled_days_from(session: Session, first: date) -> list[date]:
    """Every day from `first` on that has a current run, in order."""
    return list(session.scalars(
        select(m.SettlementRun.trading_day)
        .where(m.SettlementRun.status == "current", m.SettlementRun.trading_day >= first)
        .order_by(m.SettlementRun.trading_day)
    ))


def final_days(session: Session, days: Sequence[date], now: datetime) -> list[date]:
    """Those of `days` whose dispute deadline has passed at `now`."""
    calendar = repository.load_calendar(session)
    hours = list(repository.trading_hours(session).values())
    return [day for day in days if is_final(calendar, hours, day, now)]
