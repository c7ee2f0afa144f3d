"""A `fixbroker settle run` process SIGKILLed at any point leaves the database exactly as it
was before the run (full table dumps compared), and a later run succeeds."""

import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine
from settle_venue import TRADE_HEADER, dump, fund, set_previous_prices, write_csv

ROOT = Path(__file__).resolve().parents[3]
DAY = "2026-11-23"
CLIENTS = ("C000101", "C000102", "C000201", "C000202", "C010101", "P0001")
RESERVES = ("RSV-CFFEX-0001-B", "RSV-SHFE-0001-B", "RSV-CFFEX-0002-B", "RSV-SHFE-0002-B", "TM-0001-0101",
            "RSV-CFFEX-0001-P", "RSV-SHFE-0001-P", "RSV-CFFEX-0002-P", "RSV-SHFE-0002-P")


def big_day(directory: Path, trades: int) -> Path:
    """`trades` two-legged opening trades in IF2612 and cu2701 between the sample clients."""
    rng = random.Random(5)
    rows = []
    for n in range(trades):
        buyer, seller = rng.sample(CLIENTS, 2)
        minute = f"{n % 60:02d}:{n % 59:02d}"
        if n % 2:
            price = Decimal(3780) + rng.randint(0, 200) * Decimal("0.2")
            instrument, moment = "IF2612", f"{DAY}T{(10, 13, 14)[n % 3]}:{minute}+08:00"
        else:
            price = Decimal(67500 + rng.randint(0, 100) * 10)
            instrument, moment = "cu2701", f"{DAY}T{(9, 10, 14)[n % 3]:02d}:{minute}+08:00"
        qty = rng.randint(1, 3)
        rows.append(f"K{n},{DAY},{buyer},{instrument},buy,open,{price},{qty},{moment}")
        rows.append(f"K{n},{DAY},{seller},{instrument},sell,open,{price},{qty},{moment}")
    return write_csv(directory / "big.csv", TRADE_HEADER, rows)


def settle_process(url: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FIXBROKER_OPERATOR": "kill-test"}
    return subprocess.Popen(
        [sys.executable, "-c", "from backoffice.cli.main import main; main()", "--db", url, "settle", "run", "--date", DAY],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd,
    )


def current_runs(url: str) -> list[int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = list(connection.scalars(select(m.SettlementRun.id).where(m.SettlementRun.status == "current")))
    engine.dispose()
    return found


@pytest.mark.slow
def test_sigkill_at_any_point_of_a_run_leaves_the_previous_state(venue, db_url, tmp_path):
    set_previous_prices(venue)
    fund(venue, {code: "900000000.00" for code in CLIENTS + RESERVES})
    venue("trades", "import", str(big_day(tmp_path, 3000)))
    before = dump(db_url)

    # the progress lines up to the writes (killed there: the bulk writes take far longer than
    # a signal); two more follow before the commit: "written as run N" and "committing"
    steps = []
    probe = settle_process(db_url, tmp_path)
    assert probe.stdout is not None
    for line in probe.stdout:
        steps.append(line.strip())
        if line.strip() == "2026-11-23: writing results":
            break
    os.kill(probe.pid, signal.SIGKILL)
    probe.wait(timeout=60)
    assert steps[0] == "2026-11-23: loading" and steps[-1] == "2026-11-23: writing results", steps
    assert not current_runs(db_url) and dump(db_url) == before

    killed_while_writing = 0
    for after_lines in range(1, len(steps) + 3):
        process = settle_process(db_url, tmp_path)
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line.strip())
            if len(seen) >= after_lines:
                break
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL
        if current_runs(db_url):
            # The kill lands some time after the line we read: a commit can only have won the
            # race once every result was written.
            assert "written as run" in seen[-1] or seen[-1] == "committing", f"a run committed after only {seen[-1]!r}"
            break  # killed after the commit: a complete run, checked below
        assert dump(db_url) == before, f"killed after {seen[-1]!r}: the database changed"
        if seen[-1] == "2026-11-23: writing results" or "written as run" in seen[-1] or seen[-1] == "committing":
            killed_while_writing += 1
    for delay in (0.5, 1.0, 1.5, 2.0):
        if current_runs(db_url):
            break
        process = settle_process(db_url, tmp_path)
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        if not current_runs(db_url):
            assert dump(db_url) == before, f"killed after {delay}s: the database changed"
    assert killed_while_writing >= 1

    # a subsequent run succeeds; a run that committed just before a kill was complete: the new
    # run, which supersedes it, has the same figures
    committed_before = current_runs(db_url)
    finished = settle_process(db_url, tmp_path)
    output, _ = finished.communicate(timeout=300)
    assert finished.returncode == 0, output
    assert "settled 2026-11-23 as run" in output and "committed" in output
    (final,) = current_runs(db_url)
    if committed_before:
        assert run_figures(db_url, committed_before[0]) == run_figures(db_url, final)


def run_figures(url: str, run_id: int) -> dict[str, list[tuple]]:
    engine = make_engine(url)
    found = {}
    with engine.connect() as connection:
        for model in (m.SettlementAccount, m.SettlementTradeLine, m.SettlementClose, m.SettlementLot, m.SettlementReserve):
            columns = [c for c in model.__table__.columns if c.name != "run_id"]
            found[model.__tablename__] = sorted(map(tuple, connection.execute(select(*columns).where(model.__table__.c.run_id == run_id))), key=repr)
    engine.dispose()
    return found
