"""The gateway's clock: the real wall clock, or a rehearsal's that runs from a chosen instant
at N times real speed.

Why one object: the phase driver, the FIX application (the times of orders, cancels and
trades, TransactTime, the logon throttle) and the choice of the default trading day must read
the same time, or a compressed rehearsal would close the books on one clock while orders are
stamped on another. A rehearsal measures elapsed real time on the monotonic clock, so a step
of the system clock does not move it. QuickFIX's own timing (SendingTime, heartbeats, logon
timeouts) stays on real time, as the counterparties expect.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from gateway.core.timestamps import from_nanoseconds, to_nanoseconds

ONE = Decimal(1)


@dataclass(frozen=True)
class Rehearsal:
    """Where a rehearsal's clock starts and how many simulated seconds pass per real second."""

    start: datetime
    speed: Decimal = ONE

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError(f"the rehearsal start {self.start.isoformat()} has no UTC offset (e.g. +08:00)")
        if not (self.speed.is_finite() and self.speed > 0):
            raise ValueError(f"the rehearsal speed must be a positive number, not {self.speed}")


class GatewayClock:
    """`wall_ns()` and `now()` of the gateway; `real_ms` turns a span of its time into real time."""

    def __init__(
        self, rehearsal: Rehearsal | None = None, *,
        real_ns: Callable[[], int] = time.time_ns, monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.rehearsal = rehearsal
        self._real_ns = real_ns
        self._monotonic_ns = monotonic_ns
        self._origin_ns = to_nanoseconds(rehearsal.start) if rehearsal is not None else 0
        self._started_ns = monotonic_ns()  # a rehearsal's clock reads its start at this moment

    def wall_ns(self) -> int:
        """Nanoseconds since the epoch (UTC): the gateway's command time."""
        if self.rehearsal is None:
            return self._real_ns()
        return self._origin_ns + int(self.rehearsal.speed * (self._monotonic_ns() - self._started_ns))

    def now(self) -> datetime:
        """The same instant as an aware UTC datetime."""
        return from_nanoseconds(self.wall_ns())

    def real_ms(self, simulated_ms: int) -> int:
        """How many real milliseconds pass while this clock advances `simulated_ms` (rounded up,
        so that a waiter never wakes before the moment it waits for)."""
        if self.rehearsal is None:
            return simulated_ms
        return int((Decimal(simulated_ms) / self.rehearsal.speed).to_integral_value(ROUND_CEILING))

    def describe(self) -> str:
        if self.rehearsal is None:
            return "real time"
        return f"rehearsal from {self.rehearsal.start.isoformat()} at {self.rehearsal.speed}x"
