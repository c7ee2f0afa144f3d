"""Telling someone that a batch failed: a log line always, and the configured command.

The command (config `[alert] command = [...]`) gets the message on its standard input, so any
pager, mailer or chat hook fits without a plug-in. It may not hang the batch (30 s timeout),
and a failing alert command is itself logged, never raised: the batch has failed already.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence

log = logging.getLogger("fixbroker.eod")
TIMEOUT_SECONDS = 30


def raise_alert(command: Sequence[str], message: str) -> None:
    log.error("ALERT %s", message.replace("\n", " | "))
    if not command:
        return
    try:
        done = subprocess.run(list(command), input=message, text=True, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("alert command %s failed: %s", command[0], exc)
        return
    if done.returncode != 0:
        log.error("alert command %s exited %d: %s", command[0], done.returncode, done.stderr.strip()[:500])
