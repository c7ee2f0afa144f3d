"""Drives the books through the day's trading phases at the calendar's boundaries, then closes
the trading day.

The books never read a clock: this thread does, and turns the schedule from
`gateway.core.phases.phase_commands` into `SetPhase` commands through the order service (so
they are journalled like orders). On start it first catches up: every book is put in the phase
the schedule says it should be in now, unless the journal already left it there (a restart);
the thread then follows the changes still to come, never the ones already past.

Once the schedule's last change has happened and every book is CLOSED, the driver executes
`EndOfDay` through the order service: DAY orders expire (their owners get the expiry reports)
and the core refuses the day from then on, which is what settlement waits for. A start after
the schedule is over closes at once; a journal that already holds the end of day (a restart
after the close) is left exactly as it is: no phase is changed and nothing is closed twice.
An empty schedule (no book has trading hours) never closes the day.

For tests and rehearsals a fixed phase can be forced instead of the schedule (then the day is
never closed automatically), or the clock and the pause between its readings injected, so that
a simulated or compressed day drives the real books.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from gateway.core.commands import EndOfDay, SetPhase
from gateway.core.journal import OrderService
from gateway.matching import TradingPhase

log = logging.getLogger("fixbroker.gateway")

MAX_PAUSE_NS = 60_000_000_000  # the clock is read again at least once a (simulated) minute


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
        pause: Callable[[int], object] | None = None, *,
        real_ms: Callable[[int], int] = lambda ms: ms, day_closed: Callable[[], bool] = lambda: False, books: Iterable[str] = (),
    ) -> None:
        self.service = service
        self.schedule = sorted(schedule, key=lambda c: c.time)
        self.current = current  # instrument -> the phase its book is in now
        self.wall_ns = wall_ns
        self.day_closed = day_closed  # whether the core has processed EndOfDay (replayed or live)
        # Every book that must be CLOSED before the day closes: the given ones and the scheduled ones.
        self.books = sorted(set(books) | {c.instrument for c in self.schedule if c.instrument is not None})
        self._stop = threading.Event()
        # `pause` takes milliseconds of the driver's clock; `real_ms` says how long they last in
        # real time (a rehearsal's clock runs faster). The default pause wakes at once on stop().
        self.pause = pause or (lambda ms: self._stop.wait(real_ms(ms) / 1000))
        self._next = 0  # index in the schedule of the first change not yet due
        self._thread: threading.Thread | None = None

    def force(self, phase: TradingPhase, instruments: list[str]) -> None:
        """Put every book in `phase` now (no schedule is followed afterwards, the day is not closed)."""
        for instrument in instruments:
            if self.current(instrument) is not phase:
                self.service.execute(SetPhase(self.wall_ns(), phase, instrument))

    def catch_up(self) -> None:
        """Put every book in the phase the schedule says now; close the day if the schedule is over."""
        if self.day_closed():
            self._next = len(self.schedule)
            log.info("the trading day is already closed (end of day in the journal): the books stay closed")
            return
        now = self.wall_ns()
        while self._next < len(self.schedule) and self.schedule[self._next].time <= now:
            self._next += 1
        for instrument, phase in sorted(due_phases(self.schedule, now).items()):
            if self.current(instrument) is not phase:
                log.info("phase %s -> %s (catching up with the calendar)", instrument, phase.value)
                self.service.execute(SetPhase(self.wall_ns(), phase, instrument))
        if self.schedule and self._next == len(self.schedule):
            self._close()

    def start(self) -> None:
        self.catch_up()
        if self._next < len(self.schedule):
            self._thread = threading.Thread(target=self._run, name="phase-driver", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while self._next < len(self.schedule):
            command = self.schedule[self._next]
            while not self._stop.is_set():
                wait_ns = command.time - self.wall_ns()
                if wait_ns <= 0:
                    break
                self.pause(-(-min(wait_ns, MAX_PAUSE_NS) // 1_000_000))  # milliseconds, rounded up
            if self._stop.is_set():
                return
            self._next += 1
            if command.instrument is not None and self.current(command.instrument) is command.phase:
                continue
            try:
                self.service.execute(SetPhase(self.wall_ns(), command.phase, command.instrument))
                log.info("phase %s -> %s", command.instrument or "all", command.phase.value)
            except RuntimeError:
                log.exception("phase change refused by the order service")
                return
        self._close()

    def _close(self) -> None:
        """The end of the day: EndOfDay through the order service, once, with every book CLOSED."""
        if self.day_closed():
            return
        still_open = [code for code in self.books if self.current(code) is not TradingPhase.CLOSED]
        if still_open:
            log.warning("the schedule is over but %s not CLOSED: the trading day is not closed", ", ".join(still_open))
            return
        try:
            self.service.execute(EndOfDay(self.wall_ns()))
        except RuntimeError:
            log.exception("end of day refused by the order service")
            return
        log.info("trading day closed: DAY orders expired, new orders refused until the next trading day")
