"""The gateway's clock: real, or a rehearsal's that starts at a chosen instant and runs N times
faster; a phase driver on a fast clock waits real time = simulated time / N; and
`fixbroker gateway run` refuses rehearsal options that make no sense, before it touches the
database."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from click.testing import CliRunner

from backoffice.cli.main import cli
from gateway.core.commands import Command, SetPhase
from gateway.core.timestamps import to_nanoseconds
from gateway.fix.clock import GatewayClock, Rehearsal
from gateway.fix.phasedriver import PhaseDriver
from gateway.matching import TradingPhase

CST = timezone(timedelta(hours=8))
START = datetime(2026, 11, 23, 14, 10, tzinfo=CST)
SECOND = 1_000_000_000


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.ns = 5 * SECOND

    def __call__(self) -> int:
        return self.ns


def test_the_real_clock_reads_the_wall_clock():
    real = to_nanoseconds(datetime(2026, 11, 22, 1, 52, 56, 250000, tzinfo=UTC))
    clock = GatewayClock(real_ns=lambda: real, monotonic_ns=Ticks())
    assert clock.wall_ns() == real
    assert clock.now() == datetime(2026, 11, 22, 9, 52, 56, 250000, tzinfo=CST)
    assert clock.real_ms(60_000) == 60_000
    assert clock.describe() == "real time"


def test_a_rehearsal_runs_from_its_start_at_its_speed():
    ticks = Ticks()
    clock = GatewayClock(Rehearsal(START, Decimal(30)), real_ns=lambda: 0, monotonic_ns=ticks)
    assert clock.now() == START
    ticks.ns += 2 * SECOND  # two real seconds: one simulated minute
    assert clock.wall_ns() == to_nanoseconds(START) + 60 * SECOND
    assert clock.now() == datetime(2026, 11, 23, 14, 11, tzinfo=CST)
    ticks.ns += 100 * SECOND  # 15:01 exchange time, 102 s after the start
    assert clock.now() == datetime(2026, 11, 23, 15, 1, tzinfo=CST)
    assert clock.describe() == "rehearsal from 2026-11-23T14:10:00+08:00 at 30x"


def test_a_rehearsal_pause_lasts_the_simulated_time_over_the_speed():
    assert GatewayClock(Rehearsal(START, Decimal(30))).real_ms(60_000) == 2_000
    assert GatewayClock(Rehearsal(START, Decimal(7))).real_ms(1_000) == 143  # rounded up: never early
    assert GatewayClock(Rehearsal(START, Decimal("0.5"))).real_ms(1_000) == 2_000  # slower than real time
    half = GatewayClock(Rehearsal(START, Decimal("0.5")), monotonic_ns=(ticks := Ticks()))
    ticks.ns += 3 * SECOND + 1
    assert half.wall_ns() == to_nanoseconds(START) + 1_500_000_000


@pytest.mark.parametrize("speed", ["0", "-2", "NaN", "Infinity"])
def test_a_rehearsal_needs_a_positive_speed(speed):
    with pytest.raises(ValueError, match="positive number"):
        Rehearsal(START, Decimal(speed))


def test_a_rehearsal_needs_an_aware_start():
    with pytest.raises(ValueError, match="no UTC offset"):
        Rehearsal(datetime(2026, 11, 23, 14, 10))


def test_the_phase_driver_waits_real_time_over_the_speed():
    """A change one simulated minute ahead on a 600x clock comes after 0.1 s of real time (an
    unscaled pause would sleep the full minute)."""
    clock = GatewayClock(Rehearsal(START, Decimal(600)))
    change = SetPhase(to_nanoseconds(START) + 60 * SECOND, TradingPhase.CONTINUOUS, "IF2612")
    done = threading.Event()
    sent: list[Command] = []

    class Service:
        def execute(self, command: Command) -> None:
            sent.append(command)
            done.set()

    driver = PhaseDriver(
        Service(), [change], lambda code: TradingPhase.CLOSED, clock.wall_ns, real_ms=clock.real_ms,  # type: ignore[arg-type]
    )
    began = time.monotonic()
    driver.start()
    try:
        assert done.wait(5), "the change did not come within 5 s"
        elapsed = time.monotonic() - began
    finally:
        driver.stop()
    assert elapsed < 3
    assert sent[0].time >= change.time  # never before its moment on the rehearsal clock


@pytest.mark.parametrize(("args", "message"), [
    (["--rehearse-from", "2026-11-23T14:10:00+08:00", "--speed", "0"], "positive number"),
    (["--rehearse-from", "2026-11-23T14:10:00+08:00", "--speed", "-1"], "positive number"),
    (["--rehearse-from", "2026-11-23T14:10:00+08:00", "--speed", "fast"], "not a number"),
    (["--speed", "30"], "--speed needs --rehearse-from"),
    (["--rehearse-from", "2026-11-23T14:10:00"], "no UTC offset"),
    (["--rehearse-from", "23/11/2026 14:10"], "not an ISO 8601"),
    (["--rehearse-from", "2026-11-23T14:10:00+08:00", "--phase", "continuous"], "cannot be combined with --phase"),
])
def test_gateway_run_refuses_nonsense_rehearsal_options(tmp_path, args, message):
    url = f"sqlite:///{tmp_path / 'never-created.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "gateway", "run", *args])
    assert result.exit_code != 0
    assert message in result.output and result.output.startswith("Error: ")
    assert not (tmp_path / "never-created.db").exists()  # refused before anything ran
