"""The interpreter settings the gateway serves FIX under, and giving them back.

- The switch interval is 1 ms instead of CPython's 5 ms: every call into the QuickFIX binding
  (building a report, `sendToTarget`, the log and `toApp` callbacks inside it) gives the GIL
  up, and getting it back waits up to the interval while another thread holds it (another
  session's connection thread, the phase driver, the status file).
- What exists once the day is loaded (the state, the rebuilt core, every imported module) is
  frozen out of the garbage collector's generations: otherwise every collection walks it
  again, tens of µs an order on average.
- No full collection runs while the gateway serves. What the day adds is long-lived too
  (every order's book entry, holds and report view stay until the process ends), and a full
  collection walks all of it while every session waits: 8 to 27 ms for the 285,000 objects
  after 10,000 resting orders, and CPython runs one each time the old generation has grown
  by a quarter, so on a busy day they come further apart but each stalls longer, up to
  seconds. The young generations are still collected, so a garbage cycle is freed as long
  as it dies young; the rare one that dies only once it has reached the oldest generation
  waits for `Serving.end`, when the gateway stops.
"""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass

SWITCH_INTERVAL_SECONDS = 1 / 1000
NO_FULL_COLLECTION = 1 << 30  # the oldest generation's threshold: never reached


@dataclass(frozen=True)
class Serving:
    """The settings found before `begin`, which `end` puts back."""

    switch_interval_us: int  # whole microseconds: the house keeps floats out of this layer
    thresholds: tuple[int, int, int]

    @classmethod
    def begin(cls) -> "Serving":
        """Serve from here on: call once everything the day needs is loaded."""
        found = cls(round(sys.getswitchinterval() * 1_000_000), gc.get_threshold())
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        gc.collect()
        gc.freeze()
        young, middle, _ = found.thresholds
        gc.set_threshold(young, middle, NO_FULL_COLLECTION)
        return found

    def end(self) -> None:
        """Collect everything the day left, and put the settings found back."""
        gc.set_threshold(*self.thresholds)
        gc.unfreeze()
        gc.collect()
        sys.setswitchinterval(self.switch_interval_us / 1_000_000)
