"""`fixbroker scheduler run` as real processes on a faked clock (libfaketime): it fires at the
configured time on a trading day, two schedulers never run the end of day at once, a scheduler
killed mid-pipeline and started again completes the day exactly once, and a run missed while
the scheduler was down runs once when it starts; SIGUSR1 makes it write its threads' stacks.

libfaketime, preloaded into the scheduler process itself (the `faketime` wrapper would stand
between the test and the process it kills), starts the process's wall clock at the given
instant (UTC here; 07:30 UTC is 15:30 in Shanghai) and lets it run at normal speed; the
monotonic clock stays real, so APScheduler's timed waits behave.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from eod_venue import DAY, STEPS, history, settlement_runs, traded
from stopping import terminate

pytestmark = pytest.mark.slow
FIXBROKER = str(Path(sys.executable).parent / "fixbroker")
CONFIG = '[end_of_day]\nat = "15:30"\n[statements]\nat = ""\n[margin_call_deadline]\ncheck_every_minutes = 0\n'


LIBFAKETIME = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    if not LIBFAKETIME:
        pytest.fail("libfaketime is not installed (Debian package faketime; .ci/system-packages installs it)")
    (tmp_path / "sched.toml").write_text(CONFIG)
    return tmp_path


def start(db_url: str, workdir: Path, utc: str, log: str) -> subprocess.Popen:
    env = os.environ | {
        "TZ": "UTC", "LD_PRELOAD": LIBFAKETIME[0], "FAKETIME": f"@{utc}", "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FIXBROKER_DB": db_url,
    }
    with open(workdir / log, "w") as out:
        return subprocess.Popen([FIXBROKER, "scheduler", "run", "--config", "sched.toml"], cwd=workdir, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def wait_for(condition, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stop(process: subprocess.Popen, log: Path) -> None:
    """SIGTERM, then the scheduler finishes its running job and exits; one that does not within
    60 s fails with its threads' stacks in its log (`stopping.terminate`)."""
    terminate(process, 60, f"the scheduler ({log.name})", log.read_text)


def steps_done(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return set(session.scalars(select(m.EodStep.name).where(m.EodStep.status == "done")))
    finally:
        engine.dispose()


def succeeded(url: str) -> bool:
    return [status for _, status, _, _ in history(url)] == ["succeeded"]


def test_two_schedulers_firing_together_run_the_end_of_day_once(venue, db_url, workdir):
    """Both fire at 15:30. Whichever comes second finds the job already moved on in the shared
    job store, or the lock held; a manual `eod run` during the run is refused by the lock."""
    traded(venue, DAY)
    first = start(db_url, workdir, "2026-11-23 07:29:52", "first.log")
    second = start(db_url, workdir, "2026-11-23 07:29:52", "second.log")
    try:
        wait_for(lambda: history(db_url) != [], what="the end of day to start")
        manual = subprocess.run([FIXBROKER, "eod", "run", "--date", DAY], cwd=workdir, env=os.environ | {"FIXBROKER_DB": db_url},
                                capture_output=True, text=True, timeout=120)
        wait_for(lambda: succeeded(db_url), what="the end of day")
        time.sleep(2)  # let the other one finish its firing
    finally:
        stop(first, workdir / "first.log")
        stop(second, workdir / "second.log")
    assert manual.returncode == 1
    assert "Error: the end of day is already running: the lock is held by scheduler pid" in manual.stderr + manual.stdout
    logs = [(workdir / name).read_text() for name in ("first.log", "second.log")]
    assert history(db_url) == [(DAY, "succeeded", 0, [(s, "done", 1) for s in STEPS])]
    assert settlement_runs(db_url, DAY) == 1
    assert sum(log.count('"event": "run_finished"') for log in logs) == 1
    idle = next(log for log in logs if '"event": "run_finished"' not in log)
    assert '"event": "run_started"' not in idle


def test_a_scheduler_killed_mid_pipeline_and_started_again_completes_the_day_once(venue, db_url, workdir):
    traded(venue, DAY)
    doomed = start(db_url, workdir, "2026-11-23 07:29:55", "doomed.log")
    try:
        wait_for(lambda: "prices" in steps_done(db_url), what="the prices step")
    finally:
        doomed.kill()
        doomed.wait()
    [(day, status, _, steps)] = history(db_url)
    assert status == "running" and steps[:2] == [("close", "done", 1), ("prices", "done", 1)]
    again = start(db_url, workdir, "2026-11-23 07:31:00", "again.log")  # after the fire time, within the grace
    try:
        wait_for(lambda: succeeded(db_url), what="the continued end of day")
    finally:
        stop(again, workdir / "again.log")
    [(day, status, resumed, steps)] = history(db_url)
    assert (day, status, resumed) == (DAY, "succeeded", 1)
    assert [name for name, _, _ in steps] == STEPS and all(state == "done" for _, state, _ in steps)
    assert [attempts for _, _, attempts in steps[:2]] == [1, 1]  # done before the kill: not run again
    assert settlement_runs(db_url, DAY) == 1
    assert "interrupted" in (workdir / "again.log").read_text()
    assert len(list((workdir / "var/statements" / DAY).rglob("*.json"))) == 7


def test_a_run_missed_while_the_scheduler_was_down_runs_once_at_start(venue, db_url, workdir):
    traded(venue, DAY)
    early = start(db_url, workdir, "2026-11-23 07:00:00", "early.log")  # 15:00 local: stores the job, then goes down
    try:
        wait_for(lambda: "next run 2026-11-23 15:30:00+08:00" in (workdir / "early.log").read_text(), what="the stored job")
    finally:
        stop(early, workdir / "early.log")
    assert history(db_url) == []
    stored = venue("scheduler", "jobs").output
    assert "end-of-day" in stored and "trading days at 15:30:00 Asia/Shanghai" in stored and "2026-11-23 15:30:00" in stored
    late = start(db_url, workdir, "2026-11-23 09:00:00", "late.log")  # 17:00 local: 90 minutes late, within 6 hours
    try:
        wait_for(lambda: succeeded(db_url), what="the missed end of day")
        time.sleep(2)
    finally:
        stop(late, workdir / "late.log")
    assert history(db_url) == [(DAY, "succeeded", 0, [(s, "done", 1) for s in STEPS])]
    assert settlement_runs(db_url, DAY) == 1
    assert (workdir / "late.log").read_text().count('"event": "run_finished"') == 1


def test_sigusr1_makes_the_scheduler_write_its_threads_stacks_to_its_log_and_run_on(venue, db_url, workdir):
    scheduler = start(db_url, workdir, "2026-11-23 07:00:00", "stacks.log")
    log = workdir / "stacks.log"
    try:
        wait_for(lambda: "next run" in log.read_text(), what="the scheduler to start")
        scheduler.send_signal(signal.SIGUSR1)
        wait_for(lambda: "in serve" in log.read_text(), what="the stacks")
        assert scheduler.poll() is None
        assert 'Thread 0x' in log.read_text() and "in _main_loop" in log.read_text()  # APScheduler's thread too
    finally:
        stop(scheduler, log)
    assert scheduler.returncode == 0
