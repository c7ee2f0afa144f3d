"""How a run shows itself: a progress bar per step on a terminal, structured log lines otherwise.

On a terminal an operator watches one bar per step (statements count accounts, settlement
counts its stages) and gets a summary table at the end. Under the scheduler, cron or a pipe
nobody watches a bar: every event is one JSON object per line (`{"ts": ..., "event": "step_done", "day":
"2026-11-23", "step": "settle", ...}`) on standard output or the `fixbroker.eod` logger, which
log shippers and grep both read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from .pipeline import Outcome, Step, StepOutcome

log = logging.getLogger("fixbroker.eod")


class LogReporter:
    """One JSON line per event (progress only every `every` units, so a log stays readable),
    handed to `sink(level, line)`: by default the `fixbroker.eod` logger."""

    def __init__(self, sink: Callable[[int, str], None] = log.log, every: int = 1000) -> None:
        self.sink = sink
        self.every = every
        self._outcome: Outcome | None = None

    def _emit(self, event: str, level: int = logging.INFO, **fields: Any) -> None:
        outcome = self._outcome
        base: dict[str, Any] = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "level": logging.getLevelName(level), "event": event}
        if outcome is not None:
            base |= {"job": outcome.job, "day": outcome.trading_day.isoformat(), "run": outcome.run_id}
        self.sink(level, json.dumps(base | fields, ensure_ascii=False, default=str))

    def started(self, outcome: Outcome, steps: Sequence[Step]) -> None:
        self._outcome = outcome
        self._emit("run_started", steps=[s.name for s in steps], status=outcome.status, continued=outcome.continued or None)

    def step_started(self, step: Step, attempt: int) -> None:
        self._emit("step_started", step=step.name, attempt=attempt)

    def progress(self, step: Step, done: int, total: int | None, what: str) -> None:
        if done == total or (self.every and done % self.every == 0 and done):
            self._emit("step_progress", step=step.name, done=done, total=total, what=what)

    def retrying(self, step: Step, attempt: int, delay: float, error: BaseException) -> None:
        self._emit("step_retry", logging.WARNING, step=step.name, attempt=attempt, delay_seconds=round(delay, 3), error=str(error).splitlines()[0])

    def step_finished(self, outcome: StepOutcome) -> None:
        if outcome.state == "failed":
            self._emit("step_failed", logging.ERROR, step=outcome.step.name, error=outcome.error)
            return
        result = outcome.result
        self._emit(
            "step_done" if outcome.state == "done" else "step_skipped", step=outcome.step.name,
            seconds=round(outcome.seconds, 3), summary=result.summary if result else "", figures=result.figures if result else {},
        )

    def finished(self, outcome: Outcome) -> None:
        self._outcome = outcome
        failed = outcome.failed
        self._emit(
            "run_finished", logging.ERROR if failed else logging.INFO, status=outcome.status,
            failed_step=failed.step.name if failed else None, continued=outcome.continued or None,
        )


class TerminalReporter:
    """A rich progress bar per step while it runs, then a summary table."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def started(self, outcome: Outcome, steps: Sequence[Step]) -> None:
        title = f"{outcome.job.replace('_', ' ')} {outcome.trading_day}" + (f" (run {outcome.run_id})" if outcome.run_id else "")
        self.console.print(f"{title}{' - dry run: nothing is written' if outcome.status == 'dry run' else ''}", markup=False)
        if outcome.continued:
            self.console.print(outcome.continued, markup=False)
        self._progress = Progress(
            TextColumn("{task.fields[title]:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=self.console, transient=False,
        )
        self._progress.start()
        self._tasks = {s.name: self._progress.add_task("", total=None, start=False, title=s.title) for s in steps}

    def step_started(self, step: Step, attempt: int) -> None:
        if self._progress is not None:
            self._progress.start_task(self._tasks[step.name])

    def progress(self, step: Step, done: int, total: int | None, what: str) -> None:
        if self._progress is not None:
            self._progress.update(self._tasks[step.name], completed=done, total=total, description=what)

    def retrying(self, step: Step, attempt: int, delay: float, error: BaseException) -> None:
        if self._progress is not None:
            self._progress.update(self._tasks[step.name], description=f"retry {attempt} in {delay:.0f}s: {str(error).splitlines()[0][:60]}")

    def step_finished(self, outcome: StepOutcome) -> None:
        if self._progress is None:
            return
        task = self._tasks[outcome.step.name]
        if outcome.state == "failed":
            self._progress.update(task, description=f"[red]FAILED[/red]: {outcome.error}")
        else:
            label = outcome.result.summary if outcome.result else ""
            total = self._progress.tasks[task].total or 1
            self._progress.start_task(task)
            self._progress.update(task, completed=total, total=total, description=("done before: " if outcome.state == "skipped" else "") + label)

    def finished(self, outcome: Outcome) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if outcome.status == "already":
            self.console.print(f"{outcome.job.replace('_', ' ')} of {outcome.trading_day} is already complete: {outcome.continued}", markup=False)
            return
        self.console.print(summary_table(outcome))


def summary_table(outcome: Outcome) -> Table:
    table = Table(title=f"{outcome.job.replace('_', ' ')} {outcome.trading_day}: {outcome.status}", title_justify="left")
    for column in ("step", "status", "seconds", "result"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for step in outcome.steps:
        text = step.error if step.state == "failed" else (step.result.summary if step.result else "")
        table.add_row(step.step.title, step.state, f"{step.seconds:.1f}" if step.state == "done" else "", text)
    return table
