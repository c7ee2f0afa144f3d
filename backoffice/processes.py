"""Whether a process of this host is still running, for the host-local liveness checks: the
end-of-day lock taking over from a dead holder, the gateway's status file."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True while `pid` exists on this host (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
