"""Processes of this host: whether one is still running (the end-of-day lock taking over from
a dead holder, the gateway's status file), whether this one may fork, and workers that must
not outlive their parent."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def process_alive(pid: int) -> bool:
    """True while `pid` exists on this host (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def may_fork() -> bool:
    """Whether this process may fork workers: only while it runs a single thread. A child
    forked while another thread holds a lock (logging, the database driver, a heartbeat)
    inherits the lock held and can wait for it forever."""
    return threading.active_count() == 1


def die_with_parent() -> None:
    """Have the kernel kill this process (SIGKILL) when its parent ends; on Linux, else nothing.

    For the statements writers of the end of day: a scheduler killed mid-step must not leave
    them writing the day's files while the restarted scheduler writes them again. The parent
    is the process that forked this one (for a forkserver child, the forkserver, which ends
    with the process that started it)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
    if os.getppid() != parent:  # the parent ended before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)
