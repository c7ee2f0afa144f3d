"""`fixbroker demo day` end to end, as `make demo` runs it: the real gateway on a rehearsal clock,
a simulated FIX client per session of the sample venue, the end of day through the scheduler,
the summary; then again on the same database, which must not trade the closed day twice.

A short session (the last 25 simulated minutes of the day at 60x) on a temporary SQLite
database, with the venue's FIX sessions moved to a free port.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from paths import ROOT
from settle_venue import fund
from sqlalchemy import func, select, update

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from gateway.core.commands import EndOfDay, NewOrder, Replace
from gateway.core.journal import journal_commands

DAY = "2026-11-23"
TRADING_DAY = date(2026, 11, 23)
SESSIONS = {"EMSX42", "TOMS44", "PROP42", "LAKE44"}
DEPOSITS = {"C000101": "20000000.00", "C000102": "50000000.00", "P0001": "80000000.00", "C000201": "20000000.00",
            "C000202": "50000000.00", "C010101": "20000000.00", "TM-0001-0101": "5000000.00",
            "RSV-CFFEX-0001-B": "10000000.00", "RSV-SHFE-0001-B": "10000000.00", "RSV-CFFEX-0002-B": "10000000.00",
            "RSV-SHFE-0002-B": "10000000.00", "RSV-CFFEX-0001-P": "20000000.00", "RSV-SHFE-0001-P": "20000000.00"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_day(directory: Path, url: str, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIXBROKER_DB": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli", "demo", "day", "--date", DAY, "--from", "14:50", "--speed", "60", "--rate", "8",
         "--config", str(config)],
        cwd=directory, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def processes_on(url: str) -> list[int]:
    """Processes (other than this one) whose environment names this test's database."""
    found = []
    marker = f"FIXBROKER_DB={url}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_demo_day_trades_over_fix_closes_settles_and_runs_again(venue, db_url, tmp_path):
    venue("prices", "import", str(ROOT / "config" / "demo-prices.csv"))
    fund(venue, DEPOSITS)
    port = free_port()
    engine = make_engine(db_url)
    with transaction(engine) as session:
        session.execute(update(m.FixSession).values(port=port))
    config = tmp_path / "gateway.cfg"
    config.write_text(f"[DEFAULT]\nFileStorePath={tmp_path / 'fix' / 'store'}\nFileLogPath={tmp_path / 'fix' / 'log'}\n"
                      f"DataDictionaryPath={ROOT / 'fixspec'}\nSocketAcceptAddress=127.0.0.1\n")

    first = demo_day(tmp_path, db_url, config)
    assert first.returncode == 0, first.stdout + first.stderr
    out = first.stdout
    assert "4 FIX clients trading" in out
    for name in SESSIONS:  # each client's tally: what it sent and what came back
        assert re.search(rf"^  {name} \(FIX\.4\.[24]\): sent \d+ orders, .* acks, .* fills .*; stopped: ", out, re.MULTILINE), out
    assert f"{DAY} closed by the gateway; gateway and clients stopped" in out
    assert f"Orders and trades of {DAY} per FIX session" in out and "P&L by member" in out and "margin calls" in out.lower()
    assert f"statements: var/statements/{DAY}/<member>/<account>.* for 7 accounts" in out
    assert f"fixbroker statements show --date {DAY} --account" in out and f"fixbroker eod status --date {DAY}" in out

    commands = journal_commands(engine, TRADING_DAY)
    assert sum(isinstance(c, EndOfDay) for _, c in commands) == 1  # the gateway closed the day itself
    session_of = {c.cl_ord_id: c.session for _, c in commands if isinstance(c, (NewOrder, Replace))}
    assert set(session_of.values()) == SESSIONS  # every session traded over FIX
    with transaction(engine) as session:
        legs = session.execute(
            select(m.TradeLeg.trade_id, m.TradeLeg.cl_ord_id).join(m.Trade).where(m.Trade.trading_day == TRADING_DAY)
        ).all()
        settled = session.scalar(select(func.count()).select_from(m.SettlementRun).where(m.SettlementRun.status == "current"))
    assert legs and all(session_of.get(cl_ord_id) in SESSIONS for _, cl_ord_id in legs)  # every trade side came over FIX
    sides: dict[str, set[str]] = {}
    for trade_id, cl_ord_id in legs:
        sides.setdefault(trade_id, set()).add(session_of[cl_ord_id])
    assert any(len(by) == 2 for by in sides.values())  # orders of different clients crossed
    assert settled == 1
    statements = tmp_path / "var" / "statements" / DAY
    for account in ("0001/C000101", "0001/P0001", "0002/C000202", "0101/C010101"):
        for suffix in (".txt", ".json", ".csv", ".pdf"):
            assert (statements / f"{account}{suffix}").stat().st_size > 0
    assert processes_on(db_url) == []  # the gateway and every client were stopped
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # and nobody listens on the sessions' port any more

    again = demo_day(tmp_path, db_url, config)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{DAY} is already traded and closed" in again.stdout and "FIX clients trading" not in again.stdout
    assert f"Orders and trades of {DAY} per FIX session" in again.stdout and "P&L by member" in again.stdout
    assert journal_commands(engine, TRADING_DAY) == commands  # nothing traded twice
    assert processes_on(db_url) == []
    engine.dispose()
