"""The batch side's own records: every end-of-day (and scheduler) job run, its steps, its lock.

`eod_run` is the job history an operator reads (`fixbroker eod status`): one row per run of a
job for a trading day, with who ran it (scheduler or a person, host and pid), when, and how it
ended. A run that fails stays `failed` and is continued by `--resume` (the same row: its
steps already done are not run again); a run whose process died stays `running` until the next
holder of the lock finds it and continues it. `eod_step` holds each step's attempts, times,
figures (accounts settled, margin calls, statements written...) and error.

`eod_lock` names who holds the end-of-day lock (`backoffice.eod.lock`): on SQLite the row *is*
the lock; on PostgreSQL an advisory lock excludes and the row only says who has it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..types import UTCDateTime

RUN_STATUSES = ("running", "succeeded", "failed")
STEP_STATUSES = ("running", "done", "failed")


class EodRun(Base):
    __tablename__ = "eod_run"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES}", name="status_known"),
        # A job completes a day once: at most one succeeded run per job and day.
        Index(
            "uq_eod_run_succeeded", "job", "trading_day", unique=True,
            postgresql_where=text("status = 'succeeded'"), sqlite_where=text("status = 'succeeded'"),
        ),
        Index("ix_eod_run_job_day", "job", "trading_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32))  # end_of_day, margin_call_deadline, statements
    trading_day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    trigger: Mapped[str] = mapped_column(String(16))  # scheduler | manual
    operator: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed: Mapped[int] = mapped_column(SmallInteger, default=0)  # times continued after a failure or a crash
    error: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[EodStep]] = relationship(order_by="EodStep.position", back_populates="run")


class EodStep(Base):
    __tablename__ = "eod_step"
    __table_args__ = (CheckConstraint(f"status IN {STEP_STATUSES}", name="status_known"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("eod_run.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(SmallInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(String(512), default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    run: Mapped[EodRun] = relationship(back_populates="steps")


class EodLock(Base):
    __tablename__ = "eod_lock"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))  # the holder's own random token
    holder: Mapped[str] = mapped_column(String(256))  # "scheduler pid 1234 on host-a", for people
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
