"""The scheduler's other jobs, run as the scheduler runs them (SchedulerJobs): margin calls
checked once at their deadline, statements rewritten when missing or out of date."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from backoffice.cli.scheduler import SchedulerJobs
from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.eod.config import parse_config
from settle_venue import settle_a_margin_call

DAY = "2026-11-23"
BEFORE_DEADLINE = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # 20:00 Shanghai
AFTER_DEADLINE = datetime(2026, 11, 24, 1, 31, tzinfo=timezone.utc)  # 09:31 Shanghai, the next open has passed


@pytest.fixture
def now(monkeypatch):
    state = {"now": BEFORE_DEADLINE}
    monkeypatch.setattr("backoffice.cli.clock.now", lambda: state["now"])
    return state


@pytest.fixture
def jobs(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine(db_url)
    config = parse_config({"alert": {"command": ["sh", "-c", "cat >> alerts.txt"]}, "retry": {"attempts": 1}}, "test")
    yield SchedulerJobs(engine, config, "scheduler-test")
    engine.dispose()


def runs(engine, job_prefix):
    with transaction(engine) as session:
        return [(r.job, r.trading_day.isoformat(), r.status, [dict(s.figures) for s in r.steps])
                for r in session.scalars(select(m.EodRun).where(m.EodRun.job.startswith(job_prefix)).order_by(m.EodRun.id))]


def test_an_unmet_margin_call_is_found_once_at_its_deadline_and_alerted(venue, jobs, now, tmp_path):
    settle_a_margin_call(venue, tmp_path, DAY)
    jobs.margin_call_deadlines()
    assert runs(jobs.engine, "margin") == []  # not due yet
    now["now"] = AFTER_DEADLINE
    jobs.margin_call_deadlines()
    [(job, day, status, [figures])] = runs(jobs.engine, "margin")
    assert (job, day, status) == ("margin_call_deadline", DAY, "succeeded")
    assert figures["unmet"] == ["C010101"] and figures["met"] == [] and figures["liquidate_on"] == "2026-11-24"
    alert = (tmp_path / "alerts.txt").read_text()
    assert "margin calls of 2026-11-23 not met by the deadline" in alert and "fixbroker settle liquidate --date 2026-11-24" in alert
    jobs.margin_call_deadlines()
    assert len(runs(jobs.engine, "margin")) == 1 and alert == (tmp_path / "alerts.txt").read_text()  # once per day


def test_a_call_met_before_the_deadline_is_recorded_met_without_an_alert(venue, jobs, now, tmp_path):
    settle_a_margin_call(venue, tmp_path, DAY)
    venue("cash", "deposit", "C010101", "20000.00", "--reference", "CURE-1", "--date", "2026-11-24")
    now["now"] = AFTER_DEADLINE
    jobs.margin_call_deadlines()
    [(_, _, status, [figures])] = runs(jobs.engine, "margin")
    assert status == "succeeded" and figures["met"] == ["C010101"] and figures["unmet"] == []
    assert not (tmp_path / "alerts.txt").exists()


def test_statements_are_written_when_missing_and_again_after_a_rerun(venue, jobs, now, tmp_path):
    settle_a_margin_call(venue, tmp_path, DAY)
    jobs.statements()
    day_dir = tmp_path / "var/statements" / DAY
    assert (day_dir / "RUN").read_text().strip() == "1"
    assert sorted(p.name for p in (day_dir / "0101").iterdir()) == ["C010101.csv", "C010101.json", "C010101.pdf", "C010101.txt"]
    jobs.statements()
    assert [job for job, *_ in runs(jobs.engine, "statements")] == ["statements:1"]  # up to date: nothing done
    venue("prices", "set", "--date", DAY, "IF2612", "3750", "--reason", "exchange correction")
    venue("settle", "rerun", "--from", DAY, "--reason", "price correction")
    jobs.statements()
    assert [job for job, *_ in runs(jobs.engine, "statements")] == ["statements:1", "statements:2"]
    assert (day_dir / "RUN").read_text().strip() == "2"
    assert (day_dir / "0101/superseded/1/C010101.json").exists()
    # MTM of the lot: (3,750 - 3,800) x 300 after the correction, (3,700 - 3,800) x 300 before
    assert "-15,000.00" in (day_dir / "0101/C010101.txt").read_text()
    assert "-30,000.00" in (day_dir / "0101/superseded/1/C010101.txt").read_text()
