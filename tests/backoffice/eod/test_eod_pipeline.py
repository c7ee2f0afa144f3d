"""The pipeline runner: steps once each, in order; retries; failure, resume, crash, dry run."""

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.eod.pipeline import PipelineRefused, RunOptions, Step, StepFailed, StepResult, run_pipeline
from backoffice.eod.report import LogReporter
from backoffice.eod.retry import RetryPolicy

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc)


def options(**changes):
    values = {"trigger": "manual", "operator": "ops", "clock": lambda: NOW, "retry": RetryPolicy(3, 0.5, 1.0), "sleep": lambda s: None}
    return RunOptions(**(values | changes))


class Recorder:
    """Steps that record their calls; `plan[name]` is a list of exceptions to raise first."""

    def __init__(self, plan=None):
        self.calls = []
        self.plan = {k: list(v) for k, v in (plan or {}).items()}

    def step(self, name):
        def run(ctx):
            self.calls.append(name)
            pending = self.plan.get(name)
            if pending:
                raise pending.pop(0)
            return StepResult(f"{name} ok", {"n": len(self.calls)})
        return Step(name, name, run)

    def steps(self, *names):
        return [self.step(n) for n in names]


def locked():
    return OperationalError("UPDATE x", {}, Exception("database is locked"))


def step_rows(engine):
    with transaction(engine) as session:
        return [(s.name, s.status, s.attempts) for s in session.scalars(select(m.EodStep).order_by(m.EodStep.position))]


def run_status(engine):
    with transaction(engine) as session:
        return [(r.status, r.resumed) for r in session.scalars(select(m.EodRun).order_by(m.EodRun.id))]


def test_every_step_runs_once_in_order_and_a_complete_day_is_not_run_again(engine):
    steps = Recorder()
    outcome = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(), LogReporter())
    assert outcome.status == "succeeded" and steps.calls == ["a", "b", "c"]
    assert step_rows(engine) == [("a", "done", 1), ("b", "done", 1), ("c", "done", 1)]
    again = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(), LogReporter())
    assert again.status == "already" and again.run_id == outcome.run_id and steps.calls == ["a", "b", "c"]
    assert run_status(engine) == [("succeeded", 0)]


def test_a_transient_failure_is_retried_with_backoff_and_counted(engine):
    slept = []
    steps = Recorder({"b": [locked(), locked()]})
    outcome = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b"), options(sleep=slept.append), LogReporter())
    assert outcome.status == "succeeded" and steps.calls == ["a", "b", "b", "b"]
    assert slept == [0.5, 1.0]  # doubled, capped at max_backoff
    assert step_rows(engine) == [("a", "done", 1), ("b", "done", 3)]


def test_retries_give_up_after_the_configured_attempts(engine):
    steps = Recorder({"a": [locked(), locked(), locked()]})
    outcome = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b"), options(), LogReporter())
    assert outcome.status == "failed" and outcome.failed.error.startswith("gave up after 3 attempts")
    assert steps.calls == ["a", "a", "a"]


def test_a_permanent_failure_stops_alerts_and_needs_resume(engine):
    alerts = []
    integrity = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    steps = Recorder({"b": [StepFailed("no price for IF2612"), integrity]})
    outcome = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(), LogReporter(), alerts.append)
    assert outcome.status == "failed" and steps.calls == ["a", "b"]  # not retried, c not run
    assert step_rows(engine) == [("a", "done", 1), ("b", "failed", 1)]
    assert len(alerts) == 1 and "failed at step b" in alerts[0] and "no price for IF2612" in alerts[0] and "--resume" in alerts[0]
    with pytest.raises(PipelineRefused, match=r"failed at step b \(run 1\): no price for IF2612.*--resume"):
        run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(), LogReporter())
    failed_again = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(resume=True), LogReporter(), alerts.append)
    assert failed_again.failed.error.startswith("IntegrityError")  # an unexpected error is permanent too
    resumed = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(resume=True), LogReporter())
    assert resumed.status == "succeeded" and resumed.run_id == outcome.run_id
    assert steps.calls == ["a", "b", "b", "b", "c"]  # a ran once in all
    assert [o.state for o in resumed.steps] == ["skipped", "done", "done"]
    assert step_rows(engine) == [("a", "done", 1), ("b", "done", 3), ("c", "done", 1)]
    assert run_status(engine) == [("succeeded", 2)]


def test_a_run_left_running_by_a_dead_process_is_continued_from_its_step(engine):
    steps = Recorder({"b": [KeyboardInterrupt()]})  # the process stops in the middle of b
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(), LogReporter())
    assert run_status(engine) == [("running", 0)] and step_rows(engine) == [("a", "done", 1), ("b", "running", 1)]
    outcome = run_pipeline(engine, "end_of_day", DAY, steps.steps("a", "b", "c"), options(trigger="scheduler"), LogReporter())
    assert outcome.status == "succeeded" and "interrupted" in outcome.continued
    assert steps.calls == ["a", "b", "b", "c"]
    assert run_status(engine) == [("succeeded", 1)]


def test_a_step_recorded_with_its_own_effects_is_not_recorded_twice(engine):
    def atomic(ctx):
        with ctx.unit() as session:
            result = StepResult("wrote it", {"rows": 1})
            ctx.record(session, result)
            return result

    outcome = run_pipeline(engine, "end_of_day", DAY, [Step("w", "w", atomic)], options(), LogReporter())
    assert outcome.status == "succeeded"
    with transaction(engine) as session:
        step = session.scalars(select(m.EodStep)).one()
    assert (step.status, step.summary, step.figures) == ("done", "wrote it", {"rows": 1})


def test_a_dry_run_writes_no_history_and_rolls_back_what_steps_wrote(engine):
    def writes(ctx):
        with ctx.unit() as session:
            session.add(m.Setting(key="dry", value="1"))
        return StepResult("wrote a setting")

    outcome = run_pipeline(engine, "end_of_day", DAY, [Step("w", "w", writes)], options(dry_run=True), LogReporter())
    assert outcome.status == "dry run" and outcome.steps[0].result.summary == "wrote a setting"
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.EodRun)) == 0
        assert session.get(m.Setting, "dry") is None


def test_steps_report_progress_and_results_as_json_lines(engine, caplog):
    def counting(ctx):
        for i in range(1, 4):
            ctx.progress(i, 3, "accounts")
        return StepResult("3 accounts", {"accounts": 3})

    caplog.set_level("INFO", logger="fixbroker.eod")
    run_pipeline(engine, "end_of_day", DAY, [Step("count", "count", counting)], options(), LogReporter(every=2))
    events = [json.loads(r.getMessage()) for r in caplog.records]
    assert [e["event"] for e in events] == ["run_started", "step_started", "step_progress", "step_progress", "step_done", "run_finished"]
    assert events[4]["figures"] == {"accounts": 3} and events[4]["day"] == "2026-11-23" and events[-1]["status"] == "succeeded"
