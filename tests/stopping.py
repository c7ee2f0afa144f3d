"""Stopping a service under test (a gateway, a scheduler) the way an operator does, SIGTERM.

A process that does not stop in time is first made to write its threads' stacks into its
log (SIGUSR1, `backoffice.processes.dump_stacks_on_signal`), then killed, and its log is the
failure message: where it was stuck, rather than a bare timeout."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable

STACKS_WRITTEN_SECONDS = 2
LOG_TAIL = 8000


def terminate(process: subprocess.Popen, seconds: float, what: str, log: Callable[[], str]) -> int:
    """SIGTERM (unless `process` has ended already) and its exit status within `seconds`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        time.sleep(STACKS_WRITTEN_SECONDS)
        process.kill()
        process.wait()
        raise AssertionError(f"{what} did not stop within {seconds} s of SIGTERM; its log:\n{log()[-LOG_TAIL:]}") from None
