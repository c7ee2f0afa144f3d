"""`fixbroker scheduler run`: the long-running batch service (backoffice.scheduler).

Wires the scheduler's jobs to the same pipeline `fixbroker eod run` uses, with the scheduler
as the trigger, JSON log lines as the report, the configured retries and alert command. With
`--once --date D` it runs the end-of-day job for D through the scheduler now and exits: 0 when
the day is complete, 1 when the pipeline stopped (what `make demo` runs).
"""

from __future__ import annotations

import logging
import signal
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from sqlalchemy import Engine, select

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.eod.alert import raise_alert
from backoffice.eod.config import DEFAULT_PATH, ConfigError, SchedulerConfig, load_config
from backoffice.eod.lock import LockHeld, RunLock
from backoffice.eod.pipeline import Outcome, PipelineRefused, RunOptions, Step, run_pipeline
from backoffice.eod.report import LogReporter
from backoffice.refdata import repository
from backoffice.scheduler import SchedulerService, check_end_of_day_time, stored_jobs

from . import clock
from .context import AppContext, CommandError, default_operator, pass_app
from .eod_steps import JOB, MARGIN_JOB, EodSettings, due_margin_call_days, end_of_day_steps, margin_deadline_check, stale_statement_days, statements

log = logging.getLogger("fixbroker.scheduler")
_DATE = click.DateTime(["%Y-%m-%d"])


class SchedulerJobs:
    """The scheduler's jobs (backoffice.scheduler.Jobs) on this database and configuration."""

    def __init__(self, engine: Engine, config: SchedulerConfig, operator: str) -> None:
        self.engine = engine
        self.config = config
        self.settings = EodSettings(operator, config)
        self.options = RunOptions(trigger="scheduler", operator=operator, clock=clock.now, retry=config.retry)

    def _alert(self, text: str) -> None:
        raise_alert(self.config.alert_command, text)

    def _run(self, job: str, day: date, steps: list[Step]) -> Outcome | None:
        """One pipeline under the end-of-day lock; None when someone else holds it."""
        try:
            with RunLock(self.engine, "scheduler") as lock:
                return run_pipeline(self.engine, job, day, steps, self.options, LogReporter(), self._alert, lock)
        except LockHeld as exc:
            log.warning("%s %s not run by this scheduler: %s", job, day, exc)
            return None

    def end_of_day(self, day: date) -> bool:
        try:
            outcome = self._run(JOB, day, end_of_day_steps(self.settings))
        except PipelineRefused as exc:
            log.error("end of day %s: %s", day, exc)
            return False
        return outcome is not None and outcome.ok  # None: another process holds the lock

    def catch_up(self, due: date | None) -> None:
        with transaction(self.engine) as session:
            days = list(session.scalars(
                select(m.EodRun.trading_day).where(m.EodRun.job == JOB, m.EodRun.status == "running").order_by(m.EodRun.trading_day)
            ))
            failed = due is not None and session.scalar(
                select(m.EodRun.id).where(m.EodRun.job == JOB, m.EodRun.trading_day == due, m.EodRun.status == "failed")
            )
        for day in days:
            log.info("end of day %s was interrupted: continuing it", day)
            self.end_of_day(day)
        if due is not None and due not in days and not failed:
            self.end_of_day(due)  # a no-op when complete

    def margin_call_deadlines(self) -> None:
        with transaction(self.engine) as session:
            days = due_margin_call_days(session, clock.now())
        for day in days:
            outcome = self._run(MARGIN_JOB, day, [Step("check", "margin calls due", margin_deadline_check)])
            if outcome is not None and outcome.ok and outcome.steps and outcome.steps[-1].result is not None:
                result = outcome.steps[-1].result
                if result.figures.get("unmet"):
                    self._alert(f"fixbroker: margin calls of {day} not met by the deadline: {result.summary}")

    def statements(self) -> None:
        with transaction(self.engine) as session:
            today = clock.now().astimezone(repository.load_calendar(session).tz).date()
            stale = stale_statement_days(session, self.config.paths.statements, self.config.statements_days_back, today)
        for day, run_id in stale:
            self._run(f"statements:{run_id}", day, [Step("statements", "statements", lambda ctx: statements(ctx, self.settings))])


@click.group("scheduler")
def group() -> None:
    """The batch service: end of day, margin-call deadlines and statements on schedule."""


@group.command("run")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PATH, show_default=True,
              help="Jobs, times, retries, alert command and paths (defaults when the file is absent).")
@click.option("--once", is_flag=True, help="Run the end-of-day job for --date now through the scheduler, then exit.")
@click.option("--date", "day", type=_DATE, help="With --once: the trading day to close.")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name",
              help="Recorded with the runs and settlements.")
@pass_app
def run(app: AppContext, config_path: Path, once: bool, day: datetime | None, operator: str) -> None:
    """Run the configured jobs on the trading calendar until SIGINT/SIGTERM.

    The job store is in the database: a run missed while the scheduler was down runs once at
    start (within end_of_day.grace_minutes), and a run interrupted by a crash is continued.
    """
    if once != (day is not None):
        raise CommandError("--once and --date go together")
    try:
        config = load_config(config_path, required=config_path != DEFAULT_PATH)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    engine = app.migrated_engine()
    with transaction(engine) as session:
        calendar = repository.load_calendar(session)
        hours = list(repository.trading_hours(session).values())
    problem = check_end_of_day_time(config.eod_at, hours)
    if problem:
        raise CommandError(f"{config.source}: {problem}")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    service = SchedulerService(engine, calendar, config, SchedulerJobs(engine, config, operator), clock.now)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping after the running job", signum)
        service.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if day is not None:
        if not service.run_once(day.date()):
            raise CommandError(f"the end of day of {day.date()} did not complete; see `fixbroker eod status --date {day.date()}`")
        return
    log.info("scheduler up (%s): end of day on trading days at %s %s", config.source, config.eod_at, calendar.timezone)
    service.serve()
    log.info("scheduler stopped")


@group.command("jobs")
@pass_app
def jobs(app: AppContext) -> None:
    """The scheduled jobs stored in the database and when each runs next."""
    engine = app.migrated_engine()
    with transaction(engine) as session:
        calendar = repository.load_calendar(session)
    found = stored_jobs(engine, calendar)
    if not found:
        app.console.print("no stored job: `fixbroker scheduler run` stores them when it starts", markup=False)
        return
    table = Table("job", "when", f"next run ({calendar.timezone})", title="Scheduler jobs", title_justify="left")
    for job in sorted(found, key=lambda j: j.id):
        next_run = job.next_run_time.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M:%S") if job.next_run_time else "paused"
        table.add_row(job.id, str(job.trigger), next_run)
    app.console.print(table)
