"""The operator's clock: the one place commands read the time, so tests can set it.

Deadlines (disputes, finality, margin calls) are decided against this instant; the pure
settlement code never reads a clock itself.
"""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)
