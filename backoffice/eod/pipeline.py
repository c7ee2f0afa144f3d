"""Run a job's steps for a trading day: in order, once each, resumable, with retries.

The end of day is a fixed pipeline of steps (close, prices, settle, margin calls, statements,
bank file, roll); the scheduler's other jobs are shorter pipelines run the same way. Each step
is all-or-nothing or idempotent, and its completion is recorded in the job history
(`backoffice.eod.history`), so:

- a transient database failure (busy, locked, disconnected) retries the step with backoff;
- a permanent failure stops the run at that step, leaves the state as the last completed step
  left it, marks the run failed and raises the alert; `--resume` continues from that step;
- a run whose process died is continued by the next holder of the lock, from the step it was
  in; the steps already done are not run again (settlement records its completion in its own
  transaction, so it can never run twice for one run);
- a day whose run succeeded is not run again ("already complete").

`dry_run` runs every step inside one transaction that is rolled back at the end and writes
no history and no files: the steps compute and report what they would do.

The caller holds the run lock (`backoffice.eod.lock.RunLock`) around `run_pipeline`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backoffice.db.engine import session_factory, transaction

from . import history
from .lock import RunLock
from .retry import RetryPolicy, is_transient, retrying

log = logging.getLogger("fixbroker.eod")


class StepFailed(Exception):
    """A permanent failure a step explains to the operator (a refusal, a missing price...)."""


class PipelineRefused(Exception):
    """The run cannot start (a failed run needs --resume...); nothing was done."""


@dataclass(frozen=True, slots=True)
class StepResult:
    summary: str  # one line for people
    figures: dict[str, Any] = field(default_factory=dict)  # for the job history and the summary table


@dataclass
class StepContext:
    engine: Engine
    trading_day: date
    step: str
    dry_run: bool
    clock: Callable[[], datetime]
    progress: Callable[[int, int | None, str], None]  # done so far, total (None: unknown), what
    shared: dict[str, Any]  # what earlier steps of this run left for later ones
    run_id: int | None = None
    _dry_session: Session | None = None
    recorded: bool = False

    @contextmanager
    def unit(self) -> Iterator[Session]:
        """A transaction for the step's reads and writes: committed when the block ends, or,
        in a dry run, the run's one transaction (flushed, rolled back at the end)."""
        if self._dry_session is not None:
            yield self._dry_session
            self._dry_session.flush()
        else:
            with transaction(self.engine) as session:
                yield session

    def record(self, session: Session, result: StepResult) -> None:
        """Record the step done in `session`, the transaction that holds its effects."""
        if self.run_id is not None:
            history.finish_step(session, self.run_id, self.step, result.summary, result.figures, self.clock())
            self.recorded = True


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    title: str
    run: Callable[[StepContext], StepResult]


@dataclass(frozen=True, slots=True)
class RunOptions:
    trigger: str  # scheduler | manual
    operator: str
    clock: Callable[[], datetime]
    resume: bool = False
    dry_run: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep


@dataclass
class StepOutcome:
    step: Step
    state: str  # done | skipped (done before) | failed | not run
    result: StepResult | None = None
    seconds: float = 0.0
    error: str = ""


@dataclass
class Outcome:
    job: str
    trading_day: date
    status: str  # succeeded | failed | already (done before) | dry run
    run_id: int | None = None
    steps: list[StepOutcome] = field(default_factory=list)
    continued: str = ""  # why an earlier run was continued ("" for a new run)

    @property
    def failed(self) -> StepOutcome | None:
        return next((s for s in self.steps if s.state == "failed"), None)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class Reporter(Protocol):
    def started(self, outcome: Outcome, steps: Sequence[Step]) -> None: ...
    def step_started(self, step: Step, attempt: int) -> None: ...
    def progress(self, step: Step, done: int, total: int | None, what: str) -> None: ...
    def retrying(self, step: Step, attempt: int, delay: float, error: BaseException) -> None: ...
    def step_finished(self, outcome: StepOutcome) -> None: ...
    def finished(self, outcome: Outcome) -> None: ...


def run_pipeline(
    engine: Engine, job: str, day: date, steps: Sequence[Step], options: RunOptions, reporter: Reporter,
    alert: Callable[[str], None] = lambda _: None, lock: RunLock | None = None,
) -> Outcome:
    """Run `steps` for `day` (see the module docstring). Raises PipelineRefused."""
    if options.dry_run:
        return _dry_run(engine, job, day, steps, options, reporter)
    outcome = Outcome(job, day, "running")
    done_before = _open_run(engine, job, day, options, outcome)
    if outcome.status == "already":
        reporter.finished(outcome)
        return outcome
    assert outcome.run_id is not None
    reporter.started(outcome, steps)
    shared: dict[str, Any] = {}
    for position, step in enumerate(steps):
        if step.name in done_before:
            skipped = StepOutcome(step, "skipped", done_before[step.name])
            outcome.steps.append(skipped)
            reporter.step_finished(skipped)
            continue
        if lock is not None and lock.lost:
            return _failed(engine, outcome, step, "the end-of-day lock was taken over by another process", options, reporter, alert)
        history.start_step(engine, outcome.run_id, step.name, position, options.clock())
        context = StepContext(engine, day, step.name, False, options.clock, _progress(reporter, step), shared, outcome.run_id)
        reporter.step_started(step, 1)
        begun = time.monotonic()
        try:
            result = _attempts(step, context, options, reporter, engine, outcome.run_id)
        except StepFailed as exc:
            return _failed(engine, outcome, step, str(exc), options, reporter, alert)
        except Exception as exc:
            log.exception("end of day %s: step %s failed", day, step.name)
            return _failed(engine, outcome, step, _describe(exc), options, reporter, alert)
        if not context.recorded:
            with transaction(engine) as session:
                history.finish_step(session, outcome.run_id, step.name, result.summary, result.figures, options.clock())
        finished = StepOutcome(step, "done", result, time.monotonic() - begun)
        outcome.steps.append(finished)
        reporter.step_finished(finished)
    history.succeed(engine, outcome.run_id, options.clock())
    outcome.status = "succeeded"
    reporter.finished(outcome)
    return outcome


def _open_run(engine: Engine, job: str, day: date, options: RunOptions, outcome: Outcome) -> dict[str, StepResult]:
    """Start a new run or continue the last one; the results of the steps it already did."""
    host, pid = socket.gethostname(), os.getpid()
    with transaction(engine) as session:
        last = history.latest_run(session, job, day)
        done = {s.name: StepResult(s.summary, dict(s.figures)) for s in last.steps if s.status == "done"} if last else {}
        if last is not None and last.status == "succeeded":
            outcome.status, outcome.run_id = "already", last.id
            outcome.continued = f"run {last.id} completed it at {last.finished_at:%Y-%m-%d %H:%M:%S} UTC"
            return done
        if last is not None and last.status == "failed" and not options.resume:
            failed = next((s.name for s in last.steps if s.status == "failed"), "?")
            raise PipelineRefused(
                f"{job.replace('_', ' ')} of {day} failed at step {failed} (run {last.id}): {last.error}. "
                f"Fix the cause, then continue it with `fixbroker eod run --date {day} --resume`"
            )
    if options.resume and (last is None or last.status != "failed"):
        raise PipelineRefused(f"nothing to resume: {job.replace('_', ' ')} of {day} has no failed run")
    if last is None or last.status not in ("failed", "running"):
        outcome.run_id = history.start_run(engine, job, day, options.trigger, options.operator, host, pid, options.clock())
        return {}
    outcome.run_id = last.id
    outcome.continued = (
        f"resuming run {last.id} after its failure" if last.status == "failed"
        else f"continuing run {last.id}, interrupted (its process, pid {last.pid} on {last.host}, stopped)"
    )
    history.continue_run(engine, last.id, options.trigger, options.operator, host, pid)
    return done


def _attempts(step: Step, context: StepContext, options: RunOptions, reporter: Reporter, engine: Engine, run_id: int | None) -> StepResult:
    def again(attempt: int, delay: float, error: BaseException) -> None:
        log.warning("end of day %s: step %s: transient failure (%s); attempt %d in %.1fs", context.trading_day, step.name, error, attempt, delay)
        reporter.retrying(step, attempt, delay, error)
        if run_id is not None:
            history.count_attempt(engine, run_id, step.name)

    try:
        return retrying(lambda: step.run(context), options.retry, again, options.sleep)
    except Exception as exc:
        if is_transient(exc):
            raise StepFailed(f"gave up after {options.retry.attempts} attempts: {_describe(exc)}") from exc
        raise


def _failed(engine: Engine, outcome: Outcome, step: Step, error: str, options: RunOptions, reporter: Reporter,
            alert: Callable[[str], None]) -> Outcome:
    assert outcome.run_id is not None
    history.fail(engine, outcome.run_id, step.name, error, options.clock())
    failed = StepOutcome(step, "failed", error=error)
    outcome.steps.append(failed)
    reporter.step_finished(failed)
    outcome.status = "failed"
    reporter.finished(outcome)
    alert(
        f"fixbroker: {outcome.job.replace('_', ' ')} of {outcome.trading_day} failed at step {step.name} (run {outcome.run_id}): "
        f"{error}\nFix the cause, then: fixbroker eod run --date {outcome.trading_day} --resume"
    )
    return outcome


def _dry_run(engine: Engine, job: str, day: date, steps: Sequence[Step], options: RunOptions, reporter: Reporter) -> Outcome:
    outcome = Outcome(job, day, "dry run")
    reporter.started(outcome, steps)
    shared: dict[str, Any] = {"dry_run": True}
    with session_factory(engine)() as session:
        session.begin()
        try:
            for step in steps:
                context = StepContext(engine, day, step.name, True, options.clock, _progress(reporter, step), shared, None, session)
                reporter.step_started(step, 1)
                begun = time.monotonic()
                try:
                    result = step.run(context)
                except StepFailed as exc:
                    outcome.steps.append(StepOutcome(step, "failed", error=str(exc)))
                    reporter.step_finished(outcome.steps[-1])
                    outcome.status = "failed"
                    break
                outcome.steps.append(StepOutcome(step, "done", result, time.monotonic() - begun))
                reporter.step_finished(outcome.steps[-1])
        finally:
            session.rollback()
    reporter.finished(outcome)
    return outcome


def _progress(reporter: Reporter, step: Step) -> Callable[[int, int | None, str], None]:
    return lambda done, total, what: reporter.progress(step, done, total, what)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:500] if str(error) else type(error).__name__
