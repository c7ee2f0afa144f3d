"""The end-of-day lock: one holder at a time, named to whoever is refused; a dead holder's lock
is taken over (SQLite: its row; PostgreSQL: the server drops the advisory lock with it)."""

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.eod.lock import LockHeld, RunLock, current_holder


def test_a_second_holder_is_refused_and_told_who_holds_it(engine):
    with RunLock(engine, "scheduler"):
        holder = current_holder(engine)
        assert holder is not None and holder.holder.startswith("scheduler pid ")
        with pytest.raises(LockHeld, match=r"already running: the lock is held by scheduler pid \d+ on .* since 20"):
            RunLock(engine, "`fixbroker eod run` by ops").acquire()
    assert current_holder(engine) is None
    with RunLock(engine, "`fixbroker eod run` by ops"):  # free again
        assert "eod run" in current_holder(engine).holder


def test_the_lock_of_a_dead_process_is_taken_over(db_url):
    """A child process takes the lock and dies without releasing it (SIGKILL-like: os._exit)."""
    script = (
        "import os, sys\n"
        "from backoffice.db.engine import make_engine\n"
        "from backoffice.eod.lock import RunLock\n"
        "RunLock(make_engine(sys.argv[1]), 'doomed').acquire()\n"
        "print('held', flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, db_url], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "held", done.stderr
    engine = make_engine(db_url)
    try:
        with RunLock(engine, "scheduler") as lock:
            assert current_holder(engine).holder == lock.holder
    finally:
        engine.dispose()


def test_sqlite_a_silent_holder_on_another_host_is_stale_after_its_heartbeat(tmp_path, sqlite_template):
    import shutil
    path = tmp_path / "lock.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    now = datetime.now(timezone.utc)
    with transaction(engine) as session:
        session.add(m.EodLock(name="end_of_day", token="t", holder="scheduler pid 1 on elsewhere", host="elsewhere", pid=1,
                              acquired_at=now - timedelta(minutes=5), heartbeat_at=now - timedelta(seconds=10)))
    with pytest.raises(LockHeld, match="scheduler pid 1 on elsewhere"):
        RunLock(engine, "scheduler").acquire()  # beating 10 s ago: alive
    with transaction(engine) as session:
        session.scalars(select(m.EodLock)).one().heartbeat_at = now - timedelta(minutes=2)
    with RunLock(engine, "scheduler") as lock:
        assert current_holder(engine).holder == lock.holder
    engine.dispose()
