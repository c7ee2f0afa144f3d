"""Drives the books through the day's trading phases at the calendar's boundaries.

The books never read a clock: this thread does, and turns the schedule from
`gateway.core.phases.phase_commands` into `SetPhase` commands through the order service (so
they are journalled like orders). On start it first catches up: every book is put in the phase
the schedule says it should be in now, unless the journal already left it there (a restart).
For tests and rehearsals a fixed phase can be forced instead of the schedule, or the clock
and the pause between its readings injected, so that a simulated day drives the real books.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from gateway.core.commands import SetPhase
from gateway.core.journal import OrderService
from gateway.matching import TradingPhase

log = logging.getLogger("fixbroker.gateway")


def due_phases(schedule: list[SetPhase], now_ns: int) -> dict[str, TradingPhase]:
    """The phase each instrument should be in at `now_ns`, from the schedule's past changes."""
    due: dict[str, TradingPhase] = {}
    for command in schedule:
        if command.time <= now_ns and command.instrument is not None:
            due[command.instrument] = command.phase
    return due


class PhaseDriver:
    def __init__(
        self, service: OrderService, schedule: list[SetPhase], current: Callable[[str], TradingPhase], wall_ns: Callable[[], int],
        pause: Callable[[int], object] | None = None,
    ) -> None:
        self.service = service
        self.schedule = sorted(schedule, key=lambda c: c.time)
        self.current = current  # instrument -> the phase its book is in now
        self.wall_ns = wall_ns
        self._stop = threading.Event()
        self.pause = pause or (lambda ms: self._stop.wait(ms / 1000))  # milliseconds; wakes at once on stop()
        self._thread: threading.Thread | None = None

    def force(self, phase: TradingPhase, instruments: list[str]) -> None:
        """Put every book in `phase` now (no schedule is followed afterwards)."""
        for instrument in instruments:
            if self.current(instrument) is not phase:
                self.service.execute(SetPhase(self.wall_ns(), phase, instrument))

    def catch_up(self) -> None:
        for instrument, phase in sorted(due_phases(self.schedule, self.wall_ns()).items()):
            if self.current(instrument) is not phase:
                log.info("phase %s -> %s (catching up with the calendar)", instrument, phase.value)
                self.service.execute(SetPhase(self.wall_ns(), phase, instrument))

    def start(self) -> None:
        self.catch_up()
        self._thread = threading.Thread(target=self._run, name="phase-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        for command in self.schedule:
            while not self._stop.is_set():
                wait_ns = command.time - self.wall_ns()
                if wait_ns <= 0:
                    break
                self.pause(min(wait_ns, 60_000_000_000) // 1_000_000)  # milliseconds
            if self._stop.is_set():
                return
            if command.instrument is not None and self.current(command.instrument) is command.phase:
                continue
            try:
                self.service.execute(SetPhase(self.wall_ns(), command.phase, command.instrument))
                log.info("phase %s -> %s", command.instrument or "all", command.phase.value)
            except RuntimeError:
                log.exception("phase change refused by the order service")
                return
