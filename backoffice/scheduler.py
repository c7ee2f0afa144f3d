"""The end-of-day service: at a set time on every trading day, run the end-of-day steps.

APScheduler fires a cron job on weekdays at the configured local time in the exchange time
zone; the job itself asks the trading calendar whether today is a trading day (holidays fall
on weekdays too) and, if so, runs the steps in order (settle, then statements...). A step
that fails stops the batch for that day and is logged with its error; the next steps do not
run on half-finished data, and the operator reruns from the command line. Missed runs (the
service was down at the time) are run once when it comes back, within a grace period,
never twice (coalesce).

The steps are plain callables given by the composition root (`fixbroker eod serve`), so the
scheduler knows nothing of settlement or statements.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from backoffice.domain.calendar import TradingCalendar

log = logging.getLogger("fixbroker.eod")

MISFIRE_GRACE = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    run: Callable[[date], None]


@dataclass(frozen=True, slots=True)
class StepOutcome:
    name: str
    ok: bool
    error: str = ""


def run_end_of_day(trading_day: date, steps: Sequence[Step]) -> list[StepOutcome]:
    """Run `steps` for `trading_day` in order; stop at the first failure."""
    outcomes = []
    for step in steps:
        log.info("end of day %s: %s", trading_day, step.name)
        try:
            step.run(trading_day)
        except Exception as exc:  # the batch stops here; the service keeps running
            log.exception("end of day %s: %s failed", trading_day, step.name)
            outcomes.append(StepOutcome(step.name, False, str(exc) or type(exc).__name__))
            break
        outcomes.append(StepOutcome(step.name, True))
    return outcomes


def eod_trigger(calendar: TradingCalendar, at: time) -> CronTrigger:
    return CronTrigger(day_of_week="mon-fri", hour=at.hour, minute=at.minute, timezone=calendar.tz)


def fire(calendar: TradingCalendar, steps: Sequence[Step], now: Callable[[], datetime]) -> list[StepOutcome]:
    """One firing of the job: the local date, if it is a trading day, is the day to close."""
    today = now().astimezone(calendar.tz).date()
    if not calendar.is_trading_day(today):
        log.info("end of day: %s is not a trading day, nothing to do", today)
        return []
    return run_end_of_day(today, steps)


def build_scheduler(calendar: TradingCalendar, at: time, steps: Sequence[Step], now: Callable[[], datetime]) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=calendar.tz)
    scheduler.add_job(
        fire,
        eod_trigger(calendar, at),
        args=(calendar, steps, now),
        id="end-of-day",
        name="end of day",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
    )
    return scheduler
