"""The gateway's status as a small JSON file, for `fixbroker gateway status`.

Why a file: the status command runs as another process, possibly while the gateway is
stopped, and needs no port or credentials to read it. The gateway rewrites it (atomically:
write then rename) every second and once more when it stops; a reader tells a live gateway
from a dead one by the process id and the age of the last update.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from backoffice.processes import process_alive

STALE_AFTER_SECONDS = 5


@dataclass(frozen=True)
class SessionStatus:
    name: str
    begin_string: str
    target_comp_id: str
    port: int
    logged_on: bool


@dataclass(frozen=True)
class GatewayStatus:
    pid: int
    running: bool
    trading_day: str  # ISO date
    started_at: str  # ISO UTC
    updated_at: str  # ISO UTC
    orders: int  # orders of the trading day (accepted or rejected by the book)
    trades: int
    journal_seq: int  # the last journal entry whose answers were released (0: none since start)
    metrics_port: int | None
    day_closed: bool = False  # the core has closed the trading day (end of day journalled or being journalled)
    sessions: list[SessionStatus] = field(default_factory=list)


def write_status(path: Path, status: GatewayStatus) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(asdict(status), indent=2), encoding="utf-8")
    os.replace(temporary, path)


def read_status(path: Path) -> GatewayStatus:
    """The last status written; raises OSError or ValueError when there is none readable."""
    data = json.loads(path.read_text(encoding="utf-8"))
    sessions = [SessionStatus(**s) for s in data.pop("sessions", [])]
    return GatewayStatus(**data, sessions=sessions)


def serving(path: Path, day: date) -> int | None:
    """The pid of a live gateway on this host that serves trading day `day` (by its status
    file), else None. Writers of the core's journal (closing a day, forced liquidation) must
    not write around it."""
    try:
        status = read_status(path)
        updated = datetime.fromisoformat(status.updated_at)
    except (OSError, ValueError, TypeError):
        return None
    fresh = (datetime.now(timezone.utc) - updated).total_seconds() <= STALE_AFTER_SECONDS
    if status.running and fresh and process_alive(status.pid) and status.trading_day == day.isoformat():
        return status.pid
    return None
