"""End to end: the real gateway closes its trading day itself, on a compressed rehearsal clock.

`fixbroker gateway run --rehearse-from 2026-11-23T15:12:30+08:00 --speed 20` (no --date, no
--phase): the trading day is the calendar's day of the rehearsal instant, the catch-up has
closed IF and the SHFE books (15:00), and T2703 trades until 15:15, i.e. about 7.5 s of real
time after the start. A FIX 4.2 client (EMSX42, account C000101) rests a DAY buy on T2703
(tick 0.005, previous settlement 108.500); at the close it gets the order's expiry report,
the journal holds end_of_day, a new order is refused with the time T's next session opens
(09:25 on 2026-11-24, the auction before 09:30), and settlement no longer refuses the day as
not closed. `gateway status` shows the day closed; a restart after the close leaves it as it is.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from backoffice.cli.main import cli
from backoffice.db import models as m
from backoffice.db.engine import make_engine
from gateway.core.commands import NewOrder, decode
from gateway.core.timestamps import from_nanoseconds
from gateway_harness import DAY, Client, GatewayProcess, free_port, new_order, prepare_venue, wait_for_port, write_config

pytestmark = pytest.mark.slow

CST = timezone(timedelta(hours=8))
START = datetime(2026, 11, 23, 15, 12, 30, tzinfo=CST)
T_CLOSE = datetime(2026, 11, 23, 15, 15, tzinfo=CST)
T2703 = "55=T|48=T2703|22=8"


@dataclass
class RehearsalGateway(GatewayProcess):
    """`fixbroker gateway run` on the rehearsal clock, following the calendar (no --phase, no --date)."""

    def command(self) -> list[str]:
        return [
            sys.executable, "-c", "from backoffice.cli.main import main; main()", "gateway", "run",
            "--config", str(self.directory / "gateway.cfg"), "--db", self.url,
            "--status-file", str(self.directory / "status.json"), *self.extra,
        ]


def journal(url: str) -> list[tuple[int, str, str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(m.JournalEntry.seq, m.JournalEntry.kind, m.JournalEntry.body)
                .where(m.JournalEntry.trading_day == DAY).order_by(m.JournalEntry.seq)
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


def status_says_closed(path: Path, seconds: float = 5) -> bool:
    """Whether the status file shows the day closed within `seconds` (it is rewritten every second)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if json.loads(path.read_text())["day_closed"]:
            return True
        time.sleep(0.1)
    return False


def test_the_gateway_closes_the_rehearsed_day_itself(tmp_path):
    port = free_port()
    url = prepare_venue(tmp_path, port)
    write_config(tmp_path)
    gateway = RehearsalGateway(tmp_path, url, port, extra=["--rehearse-from", START.isoformat(), "--speed", "20"])
    gateway.start()
    client = Client(tmp_path, port, "EMSX42")
    try:
        client.expect("LOGON")
        client.send(new_order("E1", "1", "2", "108.400", instrument=T2703))
        ack = client.expect("APP", where={35: "8", 11: "E1"})
        assert (ack[150], ack[39]) == ("0", "0"), f"the order was not accepted before the close: {ack.get(58)}"
        assert not any(kind == "end_of_day" for _, kind, _ in journal(url))

        # 15:15 on the rehearsal clock: T2703 closes, then the day; the resting order expires.
        expired = client.expect("APP", seconds=30, where={35: "8", 11: "E1"})
        assert (expired[150], expired[39], expired[151], expired[58]) == ("C", "C", "0", "Expired at the close")
        kinds = [kind for _, kind, _ in journal(url)]
        assert kinds.count("end_of_day") == 1 and kinds[-1] == "end_of_day"

        client.send(new_order("E2", "1", "1", "108.400", instrument=T2703))
        refused = client.expect("APP", where={35: "8", 11: "E2"})
        assert (refused[150], refused[39], refused[103]) == ("8", "8", "2")  # rejected: exchange closed
        assert refused[58] == "Trading day closed; next session 11-24 09:25"

        # Orders carry rehearsal times: the day's one order was placed between the start and the close.
        (placed,) = [decode(kind, body) for _, kind, body in journal(url) if kind == "new"]
        assert isinstance(placed, NewOrder) and START <= from_nanoseconds(placed.time) < T_CLOSE
        assert status_says_closed(tmp_path / "status.json")
        shown = CliRunner().invoke(cli, ["gateway", "status", "--status-file", str(tmp_path / "status.json")])
        assert shown.exit_code == 0 and "yes (new orders refused)" in shown.output
        entries = journal(url)
    finally:
        client.quit()
    assert gateway.terminate() == 0

    # A restart after the close changes nothing: the journal already holds the end of day.
    gateway.start()
    wait_for_port(port, gateway.process)
    assert gateway.terminate() == 0
    assert journal(url) == entries
    assert "already closed" in gateway.output()

    settled = CliRunner().invoke(cli, ["--db", url, "settle", "run", "--date", DAY.isoformat()])
    assert "not closed" not in settled.output
    assert settled.exit_code == 0, settled.output
