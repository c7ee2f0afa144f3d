"""The job history: reading and writing `eod_run` / `eod_step` rows.

Each change is its own short transaction, so the history shows a step as running while it
runs, even to another process, and a crash leaves the step `running` for the next lock holder
to find. A step that must be recorded together with its effects (settlement: exactly once)
records itself in its own transaction with `finish_step(session, ...)`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from backoffice.db import models as m
from backoffice.db.engine import transaction


def latest_run(session: Session, job: str, day: date) -> m.EodRun | None:
    return session.scalars(
        select(m.EodRun).options(selectinload(m.EodRun.steps))
        .where(m.EodRun.job == job, m.EodRun.trading_day == day).order_by(m.EodRun.id.desc()).limit(1)
    ).one_or_none()


def runs(session: Session, day: date | None = None, limit: int = 20) -> list[m.EodRun]:
    query = select(m.EodRun).options(selectinload(m.EodRun.steps)).order_by(m.EodRun.id.desc()).limit(limit)
    if day is not None:
        query = query.where(m.EodRun.trading_day == day)
    return list(reversed(session.scalars(query).all()))


def start_run(engine: Engine, job: str, day: date, trigger: str, operator: str, host: str, pid: int, now: datetime) -> int:
    with transaction(engine) as session:
        row = m.EodRun(
            job=job, trading_day=day, status="running", trigger=trigger, operator=operator, host=host, pid=pid,
            started_at=now, finished_at=None, resumed=0, error="",
        )
        session.add(row)
        session.flush()
        return row.id


def continue_run(engine: Engine, run_id: int, trigger: str, operator: str, host: str, pid: int) -> None:
    """A failed or interrupted run taken up again (by --resume, or after its process died)."""
    with transaction(engine) as session:
        row = session.get_one(m.EodRun, run_id)
        row.status, row.trigger, row.operator, row.host, row.pid = "running", trigger, operator, host, pid
        row.resumed += 1
        row.error, row.finished_at = "", None


def start_step(engine: Engine, run_id: int, name: str, position: int, now: datetime) -> None:
    with transaction(engine) as session:
        step = session.get(m.EodStep, (run_id, name))
        if step is None:
            session.add(m.EodStep(
                run_id=run_id, name=name, position=position, status="running", attempts=1, started_at=now,
                finished_at=None, summary="", figures={}, error="",
            ))
        else:
            step.status, step.started_at, step.finished_at, step.error = "running", now, None, ""
            step.attempts += 1


def count_attempt(engine: Engine, run_id: int, name: str) -> None:
    with transaction(engine) as session:
        session.get_one(m.EodStep, (run_id, name)).attempts += 1


def finish_step(session: Session, run_id: int, name: str, summary: str, figures: dict[str, Any], now: datetime) -> None:
    step = session.get_one(m.EodStep, (run_id, name))
    step.status, step.finished_at, step.summary, step.figures = "done", now, summary[:512], figures


def fail(engine: Engine, run_id: int, step: str | None, error: str, now: datetime) -> None:
    with transaction(engine) as session:
        if step is not None:
            row = session.get(m.EodStep, (run_id, step))
            if row is not None:
                row.status, row.finished_at, row.error = "failed", now, error
        run = session.get_one(m.EodRun, run_id)
        run.status, run.finished_at, run.error = "failed", now, error


def succeed(engine: Engine, run_id: int, now: datetime) -> None:
    with transaction(engine) as session:
        run = session.get_one(m.EodRun, run_id)
        run.status, run.finished_at = "succeeded", now
