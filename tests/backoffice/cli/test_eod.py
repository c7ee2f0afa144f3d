"""`fixbroker eod run|status`: the end-of-day pipeline through the real CLI, on both databases."""

import json
import os
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from backoffice.cli import clock
from backoffice.db.engine import make_engine, transaction
from backoffice.domain.enums import OffsetFlag, OrdType, Side
from backoffice.eod.lock import RunLock
from gateway.core.commands import NewOrder, SetPhase
from gateway.core.journal import JournalWriter, OrderService, journal_commands
from gateway.core.service import TradingCore
from gateway.core.startofday import load_start_of_day
from gateway.fix.statusfile import GatewayStatus, write_status
from gateway.matching import TradingPhase
from gateway.risk.request import OrderRequest
from eod_venue import DAY, NEXT, STEPS, history, settlement_runs, traded


def open_a_day_without_closing_it(url: str) -> None:
    """One resting DAY order journalled for DAY, and no end of day."""
    engine = make_engine(url)
    with transaction(engine) as session:
        state = load_start_of_day(session, date.fromisoformat(DAY))
    core = TradingCore(state)
    writer = JournalWriter(engine, state.trading_day, core.ticks)
    service = OrderService(core, writer, lambda *a: None, next_seq=writer.last_seq() + 1)
    request = OrderRequest("C000101", "IF2612", Side.BUY, OffsetFlag.OPEN, OrdType.LIMIT, Decimal(1), Decimal("3790.0"))
    service.execute(SetPhase(1_795_400_000_000_000_000, TradingPhase.CONTINUOUS))
    service.execute(NewOrder(1_795_400_000_000_000_001, "EMSX42", "B1", request))
    service.close()
    engine.dispose()


@pytest.fixture(autouse=True)
def after_the_close(monkeypatch):
    """The operator's clock at 16:00 on DAY in Shanghai: the day's sessions are over."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc))


def events(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"ts"')]


def test_the_pipeline_closes_settles_and_writes_everything_once(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    traded(venue, DAY)
    out = venue("eod", "run", "--date", DAY).output
    done = {e["step"]: e for e in events(out) if e["event"] == "step_done"}
    assert list(done) == STEPS
    assert done["close"]["summary"].startswith("closed already")  # market simulate closed it
    assert done["settle"]["figures"] == {"run": 1, "clients": 7, "members": 8, "margin_calls": 0}
    assert done["statements"]["figures"]["statements"] == 7 and done["statements"]["figures"]["files"] == 28
    assert done["roll"]["figures"]["next_trading_day"] == NEXT and done["roll"]["figures"]["unpriced_instruments"] == ["IF2701", "ag2702", "cu2702"]  # never priced: no book
    written = sorted(p.relative_to(tmp_path / "var/statements" / DAY).as_posix() for p in (tmp_path / "var/statements" / DAY).rglob("*.json"))
    assert written == ["0001/C000101.json", "0001/C000102.json", "0001/P0001.json", "0001/TM-0001-0101.json",
                       "0002/C000201.json", "0002/C000202.json", "0101/C010101.json"]
    assert (tmp_path / "var/settlement" / DAY / "transfers.csv").exists()
    again = venue("eod", "run", "--date", DAY).output
    assert [e["status"] for e in events(again)] == ["already"]
    assert settlement_runs(db_url, DAY) == 1
    assert history(db_url) == [(DAY, "succeeded", 0, [(s, "done", 1) for s in STEPS])]
    status = venue("eod", "status", "--date", DAY).output
    assert "end-of-day lock: free" in status and "run 1: end of day 2026-11-23 - SUCCEEDED (manual" in status
    assert "settled as run 1: 7 level-2 and 8 level-1 accounts" in status


def test_an_unclosed_day_is_closed_through_the_core_when_no_gateway_serves_it(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    traded(venue)
    open_a_day_without_closing_it(db_url)
    out = venue("eod", "run", "--date", DAY).output
    close = next(e for e in events(out) if e["event"] == "step_done" and e["step"] == "close")
    assert close["summary"] == "closed the day: 1 DAY order(s) expired"
    engine = make_engine(db_url)
    assert type(journal_commands(engine, date.fromisoformat(DAY))[-1][1]).__name__ == "EndOfDay"
    engine.dispose()
    assert settlement_runs(db_url, DAY) == 1


def test_a_gateway_serving_the_day_stops_the_pipeline_until_resumed(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    traded(venue)
    open_a_day_without_closing_it(db_url)
    status_file = tmp_path / "var/fix/status.json"
    now = datetime.now(timezone.utc).isoformat()
    write_status(status_file, GatewayStatus(  # this test process plays the running gateway
        pid=os.getpid(), running=True, trading_day=DAY, started_at=now, updated_at=now, orders=1, trades=0, journal_seq=2, metrics_port=None,
    ))
    (tmp_path / "alert.toml").write_text('[alert]\ncommand = ["sh", "-c", "cat > alert.txt"]\n')
    failed = venue("eod", "run", "--date", DAY, "--config", "alert.toml", ok=False)
    assert failed.exit_code == 1
    assert f"the gateway (pid {os.getpid()}) is serving {DAY} and has not closed it yet" in failed.output
    assert "end of day 2026-11-23 stopped at step close" in failed.output and "--resume" in failed.output
    assert "failed at step close (run 1)" in (tmp_path / "alert.txt").read_text()
    assert settlement_runs(db_url, DAY) == 0 and not (tmp_path / "var/statements").exists()  # nothing after the failed step
    refused = venue("eod", "run", "--date", DAY, ok=False)
    assert refused.exit_code == 1 and "failed at step close (run 1)" in refused.output and "--resume" in refused.output
    status_file.unlink()  # the gateway stopped
    venue("eod", "run", "--date", DAY, "--resume")
    assert history(db_url) == [(DAY, "succeeded", 1, [("close", "done", 2)] + [(s, "done", 1) for s in STEPS[1:]])]
    assert settlement_runs(db_url, DAY) == 1


def test_a_refused_settlement_leaves_the_state_unchanged_and_resume_continues_at_settle(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    traded(venue, DAY, NEXT)
    failed = venue("eod", "run", "--date", NEXT, ok=False)
    assert "stopped at step settle: earlier trading day(s) with trades are not settled: 2026-11-23" in failed.output
    assert settlement_runs(db_url, NEXT) == 0
    venue("eod", "run", "--date", DAY)
    venue("eod", "run", "--date", NEXT, "--resume")
    rows = history(db_url)
    assert [(day, status, resumed) for day, status, resumed, _ in rows] == [(NEXT, "succeeded", 1), (DAY, "succeeded", 0)]
    assert rows[0][3][:3] == [("close", "done", 1), ("prices", "done", 1), ("settle", "done", 2)]
    assert settlement_runs(db_url, NEXT) == 1


def test_a_dry_run_shows_every_step_and_writes_nothing(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    traded(venue)
    open_a_day_without_closing_it(db_url)
    engine = make_engine(db_url)
    before = journal_commands(engine, date.fromisoformat(DAY))
    out = venue("eod", "run", "--date", DAY, "--dry-run").output
    done = {e["step"]: e["summary"] for e in events(out) if e["event"] == "step_done"}
    assert list(done) == STEPS
    assert done["close"] == "would close the day: 1 DAY order(s) would expire"
    assert done["settle"].startswith("would settle") and done["statements"].startswith("would write 7 statements")
    assert journal_commands(engine, date.fromisoformat(DAY)) == before
    engine.dispose()
    assert settlement_runs(db_url, DAY) == 0 and history(db_url) == []
    assert not (tmp_path / "var").exists()


def test_a_running_end_of_day_refuses_a_second_one_and_names_it(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine(db_url)
    with RunLock(engine, "scheduler"):
        refused = venue("eod", "run", "--date", DAY, ok=False)
        assert refused.exit_code == 1 and "the end of day is already running: the lock is held by scheduler pid" in refused.output
        assert "end-of-day lock: held by scheduler pid" in venue("eod", "status").output
    engine.dispose()
    assert history(db_url) == []


def test_a_day_that_has_not_ended_is_not_closed(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    traded(venue)
    open_a_day_without_closing_it(db_url)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc))  # 14:00 in Shanghai
    failed = venue("eod", "run", "--date", DAY, ok=False)
    assert "stopped at step close: 2026-11-23 has not ended: its last session closes at 2026-11-23 15:15 CST" in failed.output
    engine = make_engine(db_url)
    assert type(journal_commands(engine, date.fromisoformat(DAY))[-1][1]).__name__ == "NewOrder"
    engine.dispose()
    nothing = venue("eod", "run", "--date", "2026-11-24", "--resume", ok=False)
    assert "nothing to resume: end of day of 2026-11-24 has no failed run" in nothing.output
