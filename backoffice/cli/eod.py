"""`fixbroker eod`: the end-of-day batch, once (`run`) or on schedule (`serve`).

The batch is the operator's own commands in order, so it behaves exactly as they do
(refusals, progress, files): settle the day (both levels, invariants, margin calls,
transfer file), then write every client's statements. `serve` runs it with APScheduler on
every trading day at the given exchange-local time (backoffice.scheduler).
"""

from __future__ import annotations

import logging
import signal
from datetime import date, datetime, time
from typing import Any

import click

from backoffice.db.engine import transaction
from backoffice.refdata import repository
from backoffice.scheduler import Step, build_scheduler, run_end_of_day

from . import clock, settle, statements
from .context import AppContext, CommandError

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("eod")
def group() -> None:
    """End of day: settlement then statements, once or every trading day."""


def _steps(ctx: click.Context) -> list[Step]:
    def settle_day(day: date) -> None:
        ctx.invoke(settle.run, day=_midnight(day))

    def write_statements(day: date) -> None:
        ctx.invoke(statements.generate, day=_midnight(day))

    return [Step("settle", settle_day), Step("statements", write_statements)]


@group.command("run")
@click.option("--date", "day", type=_DATE, required=True, help="The trading day to close.")
@click.pass_context
def run_once(ctx: click.Context, day: datetime) -> None:
    """Run the end-of-day batch for DATE now; stop at the first failing step."""
    app: AppContext = ctx.obj
    outcomes = run_end_of_day(day.date(), _steps(ctx))
    for outcome in outcomes:
        app.console.print(f"{outcome.name}: {'done' if outcome.ok else 'FAILED: ' + outcome.error}", markup=False)
    if not all(o.ok for o in outcomes):
        raise CommandError(f"end of day {day.date()} stopped at {outcomes[-1].name}")


@group.command()
@click.option("--at", "at", default="15:30", show_default=True, help="Exchange-local time of the batch (HH:MM).")
@click.pass_context
def serve(ctx: click.Context, at: str) -> None:
    """Run the end-of-day batch on every trading day at --at, until SIGINT/SIGTERM."""
    app: AppContext = ctx.obj
    try:
        when = time.fromisoformat(at)
    except ValueError:
        raise CommandError(f"--at must be HH:MM, got {at!r}") from None
    with transaction(app.migrated_engine()) as session:
        calendar = repository.load_calendar(session)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    scheduler = build_scheduler(calendar, when, _steps(ctx), clock.now)

    def stop(signum: int, _frame: Any) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app.console.print(f"end of day at {when:%H:%M} {calendar.timezone} on trading days; SIGINT/SIGTERM to stop")
    scheduler.start()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
