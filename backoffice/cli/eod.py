"""`fixbroker eod`: run the end-of-day pipeline for a day, and read the job history.

`run` is what the scheduler runs on every trading day (`fixbroker scheduler run`), for an
operator to run by hand, continue after a failure (`--resume`) or rehearse (`--dry-run`):
close the day -> settlement prices -> both levels with invariants -> margin calls ->
statements -> bank file -> roll (backoffice.cli.eod_steps, backoffice.eod.pipeline). One run
at a time across processes and hosts (backoffice.eod.lock). On a terminal each step shows a
progress bar and the run ends with a summary table; otherwise it writes JSON log lines.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from backoffice.db.engine import transaction
from backoffice.eod import history
from backoffice.eod.alert import raise_alert
from backoffice.eod.config import DEFAULT_PATH, ConfigError, SchedulerConfig, load_config
from backoffice.eod.lock import LockHeld, RunLock, current_holder
from backoffice.eod.pipeline import Outcome, PipelineRefused, Reporter, RunOptions, run_pipeline
from backoffice.eod.report import LogReporter, TerminalReporter
from backoffice.refdata import repository

from . import clock
from .context import AppContext, CommandError, default_operator, pass_app
from .eod_steps import JOB, EodSettings, end_of_day_steps

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("eod")
def group() -> None:
    """The end-of-day pipeline: run it (once, resumed, or dry), and its job history."""


@group.command("run")
@click.option("--date", "day", type=_DATE, required=True, help="The trading day to close.")
@click.option("--resume", is_flag=True, help="Continue the day's failed run from the step that failed.")
@click.option("--dry-run", is_flag=True, help="Compute and show every step's results; write nothing.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PATH, show_default=True,
              help="Scheduler configuration: retries, alert command, output paths (defaults when absent).")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@pass_app
def run(app: AppContext, day: datetime, resume: bool, dry_run: bool, config_path: Path, operator: str) -> None:
    """Close DATE: close -> prices -> settle -> margin calls -> statements -> bank file -> roll.

    A day already complete is not run again. A failure stops at its step with the state
    unchanged, raises the alert and exits 1; --resume continues from that step.
    """
    config = _config(config_path)
    engine = app.migrated_engine()
    reporter: Reporter = TerminalReporter(app.console) if app.console.is_terminal else _log_reporter()
    options = RunOptions(trigger="manual", operator=operator, clock=clock.now, resume=resume, dry_run=dry_run, retry=config.retry)
    steps = end_of_day_steps(EodSettings(operator, config))
    try:
        with RunLock(engine, f"`fixbroker eod run` by {operator}") as lock:
            outcome = run_pipeline(
                engine, JOB, day.date(), steps, options, reporter, lambda text: raise_alert(config.alert_command, text), lock,
            )
    except (LockHeld, PipelineRefused) as exc:
        raise CommandError(str(exc)) from None
    _exit(outcome)


def _exit(outcome: Outcome) -> None:
    failed = outcome.failed
    if failed is not None:
        hint = "" if outcome.status == "dry run" else f"; fix it, then `fixbroker eod run --date {outcome.trading_day} --resume`"
        raise CommandError(f"end of day {outcome.trading_day} stopped at step {failed.step.name}: {failed.error}{hint}")


def _config(path: Path) -> SchedulerConfig:
    try:
        return load_config(path, required=path != DEFAULT_PATH)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


def _log_reporter() -> LogReporter:
    return LogReporter(lambda level, line: click.echo(line))


@group.command()
@click.option("--date", "day", type=_DATE, help="Only runs for this trading day (default: the latest 20 runs).")
@pass_app
def status(app: AppContext, day: datetime | None) -> None:
    """The job history: each run's steps, times, status and figures; who holds the lock now."""
    engine = app.migrated_engine()
    with transaction(engine) as session:
        found = history.runs(session, day.date() if day else None)
        tz = repository.load_calendar(session).tz
    holder = current_holder(engine)
    app.console.print(f"end-of-day lock: {'held by ' + holder.describe() if holder else 'free'}", markup=False)
    if not found:
        app.console.print(f"no end-of-day run{' for ' + day.date().isoformat() if day else ''} yet", markup=False)
        return
    for run_row in found:
        title = (
            f"run {run_row.id}: {run_row.job.replace('_', ' ')} {run_row.trading_day} - {run_row.status.upper()} "
            f"({run_row.trigger}, {run_row.operator}, pid {run_row.pid} on {run_row.host}"
            f"{f', resumed {run_row.resumed}x' if run_row.resumed else ''})"
        )
        table = Table(title=title, title_justify="left")
        for column in ("step", "status", "attempts", f"started ({tz})", f"finished ({tz})", "result"):
            table.add_column(column)
        for step in run_row.steps:
            table.add_row(
                step.name, step.status, str(step.attempts), _at(step.started_at, tz), _at(step.finished_at, tz),
                step.error if step.status == "failed" else step.summary,
            )
        app.console.print(table)
        if run_row.error:
            app.console.print(f"error: {run_row.error}", markup=False, highlight=False)


def _at(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else ""
