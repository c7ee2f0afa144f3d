"""Exactly one end-of-day run at a time, across processes and hosts.

PostgreSQL: a session-level advisory lock on a connection kept open for the run; the server
releases it when that connection ends, so a killed holder never leaves it behind. SQLite has
no such thing: the `eod_lock` row *is* the lock, inserted under BEGIN IMMEDIATE (one writer at
a time). A row left by a dead holder is taken over: at once when its process is gone on this
host, otherwise once its heartbeat (renewed every few seconds by the holder) is older than
`stale_after`. On both, the row names the holder, so a refused caller can say who has it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import TracebackType

from sqlalchemy import Connection, Engine, delete, func, select, update

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.processes import process_alive

log = logging.getLogger("fixbroker.eod")

ADVISORY_KEY = 0x66697862_656F6431  # "fixbeod1" as a (positive, signed) bigint
HEARTBEAT_EVERY = timedelta(seconds=5)
STALE_AFTER = timedelta(seconds=60)


class LockHeld(Exception):
    """Someone else is running the end of day; the message says who and since when."""


@dataclass(frozen=True, slots=True)
class Holder:
    holder: str
    host: str
    pid: int
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self) -> str:
        return f"{self.holder} since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC"


def current_holder(engine: Engine, name: str = "end_of_day") -> Holder | None:
    with engine.connect() as connection:
        row = connection.execute(select(m.EodLock).where(m.EodLock.name == name)).mappings().one_or_none()
    if row is None:
        return None
    return Holder(row["holder"], row["host"], row["pid"], row["acquired_at"], row["heartbeat_at"])


class RunLock:
    """`with RunLock(engine, "scheduler"):` holds the end-of-day lock or raises LockHeld."""

    def __init__(self, engine: Engine, who: str, name: str = "end_of_day", stale_after: timedelta = STALE_AFTER) -> None:
        self.engine = engine
        self.name = name
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.holder = f"{who} pid {self.pid} on {self.host}"
        self.stale_after = stale_after
        self.token = secrets.token_hex(16)
        self._connection: Connection | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self.lost = False  # SQLite: another process took the row over (we were thought dead)

    @property
    def _advisory(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self) -> None:
        if self._advisory:
            connection = self.engine.connect()
            got = connection.execute(select(func.pg_try_advisory_lock(ADVISORY_KEY))).scalar_one()
            connection.commit()
            if not got:
                connection.close()
                raise LockHeld(self._refusal(self._holder_of_advisory_lock()))
            self._connection = connection
            with transaction(self.engine) as session:
                session.execute(delete(m.EodLock).where(m.EodLock.name == self.name))
                session.add(self._row())
        else:
            with transaction(self.engine) as session:
                row = session.get(m.EodLock, self.name)
                if row is not None:
                    if not self._stale(row):
                        raise LockHeld(self._refusal(Holder(row.holder, row.host, row.pid, row.acquired_at, row.heartbeat_at)))
                    log.warning("end-of-day lock: taking over from %s (no longer running)", row.holder)
                    session.delete(row)
                    session.flush()
                session.add(self._row())
            self._heartbeat = threading.Thread(target=self._beat, name="eod-lock-heartbeat", daemon=True)
            self._heartbeat.start()

    def release(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        with transaction(self.engine) as session:
            session.execute(delete(m.EodLock).where(m.EodLock.name == self.name, m.EodLock.token == self.token))
        if self._connection is not None:
            self._connection.execute(select(func.pg_advisory_unlock(ADVISORY_KEY)))
            self._connection.commit()
            self._connection.close()
            self._connection = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    def _holder_of_advisory_lock(self) -> Holder | None:
        """Its row, which the holder writes just after taking the lock: wait a moment for it."""
        for _ in range(20):
            holder = current_holder(self.engine, self.name)
            if holder is not None:
                return holder
            time.sleep(0.05)
        return None

    def _row(self) -> m.EodLock:
        now = datetime.now(timezone.utc)
        return m.EodLock(name=self.name, token=self.token, holder=self.holder, host=self.host, pid=self.pid, acquired_at=now, heartbeat_at=now)

    def _stale(self, row: m.EodLock) -> bool:
        if row.host == self.host and not process_alive(row.pid):
            return True
        return datetime.now(timezone.utc) - row.heartbeat_at > self.stale_after

    def _refusal(self, holder: Holder | None) -> str:
        who = holder.describe() if holder is not None else "another process"
        return f"the end of day is already running: the lock is held by {who}"

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY.total_seconds()):
            try:
                with transaction(self.engine) as session:
                    renewed = session.execute(
                        update(m.EodLock)
                        .where(m.EodLock.name == self.name, m.EodLock.token == self.token)
                        .values(heartbeat_at=datetime.now(timezone.utc))
                    ).rowcount
            except Exception:  # a busy database: the next beat tries again
                log.warning("end-of-day lock: heartbeat failed", exc_info=True)
                continue
            if not renewed:
                self.lost = True
                log.error("end-of-day lock: lost (another process took it over)")
                return
