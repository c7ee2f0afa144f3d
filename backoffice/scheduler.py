"""The scheduler service (`fixbroker scheduler run`): the batch jobs of every trading day.

APScheduler 3 runs the jobs configured in config/scheduler.toml (backoffice.eod.config):

- end_of_day: on every trading day of the venue calendar (weekends and holidays skipped by the
  trigger itself, so the job store shows the true next run) at the configured exchange-local
  time, after the day session. The day it closes is that date's trading day; the night session
  that evening already trades for the next one. The time is checked against the trading hours:
  after the last day close, before the first night auction.
- margin_call_deadline: every few minutes, the margin calls whose deadline has passed are
  checked once per settled day (met or not; unmet ones alerted for the risk desk).
- statements: at a configured time, statements of recent settled days that are missing or
  older than the day's current run (after a rerun) are written.

The job store is the database itself (SQLAlchemyJobStore, table apscheduler_jobs): a scheduler
that was down at a fire time runs the missed run once when it starts, within the grace period
(coalesced, never twice). A scheduler killed *during* a run leaves the run `running` in the job
history; the next scheduler to start takes the lock and continues it from its step
(`catch_up`, which also runs the latest due day if it is within the grace period and not
complete), so a day completes exactly once: every path goes through the lock and the job
history, where a complete day is a no-op. Two schedulers may share the job
store: the run lock and the job history make the second one's firing a no-op.

The jobs themselves are given by the composition root (backoffice.cli.scheduler) as a `Jobs`
object, reached by APScheduler through the module-level functions below (a job store keeps
only a textual reference and plain arguments, never a database URL or a password).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.eod.config import SchedulerConfig
from backoffice.processes import wait_until_set

log = logging.getLogger("fixbroker.scheduler")

JOB_TABLE = "apscheduler_jobs"
STORED = "default"  # the database job store
VOLATILE = "volatile"  # one-off jobs of this process (recovery, --once)


class Jobs(Protocol):
    def end_of_day(self, day: date) -> bool: ...  # False: the pipeline failed
    def margin_call_deadlines(self) -> None: ...
    def statements(self) -> None: ...
    def catch_up(self, due: date | None) -> None: ...  # interrupted runs, and `due` if not complete


@dataclass(frozen=True)
class TradingDayTrigger(BaseTrigger):
    """Fires at `at` (exchange-local) on every trading day of `calendar`."""

    calendar: TradingCalendar
    at: time

    def fire_time(self, day: date) -> datetime:
        return datetime.combine(day, self.at, self.calendar.tz)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # Like CronTrigger: after a previous fire time, the next one (even if already past,
        # so that APScheduler sees a missed run); otherwise the first one from now.
        start = min(now, previous_fire_time + timedelta(microseconds=1)) if previous_fire_time else now
        day = start.astimezone(self.calendar.tz).date()
        while not self.calendar.is_trading_day(day) or self.fire_time(day) < start:
            day += timedelta(days=1)
        return self.fire_time(day)

    def latest_fire_time(self, now: datetime) -> datetime:
        """The last fire time at or before `now`: whose trading day a (late) firing is for."""
        day = now.astimezone(self.calendar.tz).date()
        while not self.calendar.is_trading_day(day) or self.fire_time(day) > now:
            day -= timedelta(days=1)
        return self.fire_time(day)

    def __str__(self) -> str:
        return f"trading days at {self.at:%H:%M:%S} {self.calendar.timezone}"


def check_end_of_day_time(at: time, hours: Iterable[TradingHours]) -> str | None:
    """Why `at` is no time for the end of day (None when it is fine): it must come after every
    day session's close and before the first night session's call auction."""
    templates = list(hours)
    closes = [end for h in templates for _, end in h.day]
    if closes and at < max(closes):
        return f"end_of_day.at {at:%H:%M} is before the last day-session close {max(closes):%H:%M}"
    auctions = [
        (datetime.combine(date.min, start) - timedelta(minutes=h.auction_minutes)).time()
        for h in templates for start, _ in h.night[:1]
    ]
    if auctions and at >= min(auctions):
        return f"end_of_day.at {at:%H:%M} is not before the night session's call auction at {min(auctions):%H:%M}"
    return None


_jobs: Jobs | None = None
_trigger: TradingDayTrigger | None = None
_clock: Callable[[], datetime] | None = None


def end_of_day_job() -> None:
    """What the stored end-of-day job calls: close the trading day of the latest fire time."""
    assert _jobs is not None and _trigger is not None and _clock is not None, "the scheduler service is not running"
    day = _trigger.latest_fire_time(_clock()).astimezone(_trigger.calendar.tz).date()
    _jobs.end_of_day(day)


def margin_call_deadline_job() -> None:
    assert _jobs is not None, "the scheduler service is not running"
    _jobs.margin_call_deadlines()


def statements_job() -> None:
    assert _jobs is not None, "the scheduler service is not running"
    _jobs.statements()


class SchedulerService:
    def __init__(self, engine: Engine, calendar: TradingCalendar, config: SchedulerConfig, jobs: Jobs,
                 clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.calendar = calendar
        self.config = config
        self.jobs = jobs
        self.clock = clock
        self.eod_trigger = TradingDayTrigger(calendar, config.eod_at)
        self._stopped = threading.Event()

    def _install(self) -> None:
        global _jobs, _trigger, _clock
        _jobs, _trigger, _clock = self.jobs, self.eod_trigger, self.clock

    def serve(self) -> None:
        """Run the configured jobs until `stop()`."""
        self._install()
        scheduler = BackgroundScheduler(
            jobstores={STORED: SQLAlchemyJobStore(engine=self.engine, tablename=JOB_TABLE), VOLATILE: MemoryJobStore()},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.calendar.tz,
        )
        scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        scheduler.start(paused=True)
        wanted = self._wanted_jobs()
        for job in scheduler.get_jobs(jobstore=STORED):
            if job.id not in wanted:
                log.info("removing job %s: no longer configured", job.id)
                job.remove()
        for job_id, (func, trigger, grace) in wanted.items():
            existing = scheduler.get_job(job_id, jobstore=STORED)
            if existing is None:
                scheduler.add_job(func, trigger, id=job_id, name=job_id, jobstore=STORED, misfire_grace_time=grace)
            elif _differs(existing.trigger, trigger) or existing.misfire_grace_time != grace:
                # A changed time or calendar: the pending next run time is kept (a missed run
                # still runs); if it is no longer a fire time, the job finds the day done
                # already and the new trigger gives the run after it.
                scheduler.modify_job(job_id, jobstore=STORED, trigger=trigger, misfire_grace_time=grace)
        scheduler.add_job(self.jobs.catch_up, DateTrigger(self.clock()), args=(self._due_day(),), id="catch-up", jobstore=VOLATILE)
        for job in scheduler.get_jobs(jobstore=STORED):
            log.info("job %s: %s; next run %s", job.id, job.trigger, job.next_run_time)
        scheduler.resume()
        wait_until_set(self._stopped)  # set by the signal handler: never waited on directly
        scheduler.shutdown(wait=True)

    def run_once(self, day: date) -> bool:
        """Run the end-of-day job for `day` now through the scheduler, wait for it, stop."""
        self._install()
        scheduler = BackgroundScheduler(jobstores={VOLATILE: MemoryJobStore()}, timezone=self.calendar.tz)
        done = threading.Event()
        result: dict[str, Any] = {}

        def finished(event: JobExecutionEvent) -> None:
            result["ok"] = event.exception is None and event.retval is not False
            if event.exception is not None:
                log.error("end-of-day job raised %r", event.exception)
            done.set()

        scheduler.add_listener(finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.add_job(self.jobs.end_of_day, DateTrigger(self.clock()), args=(day,), id="end-of-day-once", jobstore=VOLATILE,
                          misfire_grace_time=None)
        scheduler.start()
        try:
            while not done.wait(0.5):
                if self._stopped.is_set():
                    break
        finally:
            scheduler.shutdown(wait=True)
        return bool(result.get("ok"))

    def stop(self) -> None:
        self._stopped.set()

    def _due_day(self) -> date | None:
        """The trading day whose end-of-day fire time is the latest one passed, if within the
        grace period: the safety net under the job store (a scheduler stopped at the very
        moment of a fire time can lose that run in APScheduler)."""
        now = self.clock()
        fired = self.eod_trigger.latest_fire_time(now)
        return fired.date() if now - fired <= timedelta(minutes=self.config.grace_minutes) else None

    def _wanted_jobs(self) -> dict[str, tuple[Callable[[], None], BaseTrigger, int | None]]:
        config = self.config
        wanted: dict[str, tuple[Callable[[], None], BaseTrigger, int | None]] = {
            "end-of-day": (end_of_day_job, self.eod_trigger, config.grace_minutes * 60),
        }
        if config.deadline_check_minutes:
            wanted["margin-call-deadline"] = (margin_call_deadline_job, IntervalTrigger(minutes=config.deadline_check_minutes), 60)
        if config.statements_at is not None:
            wanted["statements"] = (statements_job, TradingDayTrigger(self.calendar, config.statements_at), config.grace_minutes * 60)
        return wanted


def stored_jobs(engine: Engine, calendar: TradingCalendar) -> list[Job]:
    """The jobs in the database's job store, as a scheduler starting now would find them."""
    scheduler = BackgroundScheduler(timezone=calendar.tz)
    store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    store.start(scheduler, STORED)
    return store.get_all_jobs()


def _differs(stored: BaseTrigger, wanted: BaseTrigger) -> bool:
    if isinstance(wanted, TradingDayTrigger):
        return stored != wanted  # the calendar too: a holiday added since
    return str(stored) != str(wanted)


def _log_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("job %s missed its run at %s (beyond the grace period); run it by hand if needed", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        log.error("job %s failed: %r", event.job_id, event.exception)
