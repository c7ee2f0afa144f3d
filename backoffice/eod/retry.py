"""Which database failures are worth retrying, and the backoff between attempts.

Transient: the database was busy or locked (SQLite's other writer), a serialization failure
or deadlock (PostgreSQL aborts one of two conflicting transactions), or the connection went
away. Everything else (a refusal, an invariant violation, a missing price, a constraint) is
permanent: retrying would give the same answer, so the pipeline stops at once. Steps are
idempotent or all-or-nothing, so running one again after a transient failure is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import exc

T = TypeVar("T")

_SQLITE_TRANSIENT = ("database is locked", "database is busy", "database table is locked")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first one included
    first_backoff: float = 1.0  # seconds; doubled after each failure
    max_backoff: float = 30.0

    def delay(self, failures: int) -> float:
        return min(self.first_backoff * 2 ** (failures - 1), self.max_backoff)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, (exc.DisconnectionError, exc.TimeoutError)):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, exc.OperationalError):
            message = str(error.orig).lower()
            if type(error.orig).__module__.startswith("sqlite3"):
                return any(text in message for text in _SQLITE_TRANSIENT)
            return True  # psycopg: connection lost, serialization failure, deadlock, admin shutdown
    return False


def retrying(
    call: Callable[[], T], policy: RetryPolicy, on_retry: Callable[[int, float, BaseException], None],
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`call()`, again after each transient failure, up to `policy.attempts` times in all."""
    failures = 0
    while True:
        try:
            return call()
        except Exception as error:
            failures += 1
            if not is_transient(error) or failures >= policy.attempts:
                raise
            delay = policy.delay(failures)
            on_retry(failures + 1, delay, error)
            sleep(delay)
