"""Processes of this host: whether one is still running (the end-of-day lock taking over from
a dead holder, the gateway's status file), whether this one may fork, workers that must
not outlive their parent, waiting for a stop signal, and where a process is stuck."""

from __future__ import annotations

import ctypes
import faulthandler
import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
STACKS_SIGNAL = signal.SIGUSR1
STOP_POLL_SECONDS = 0.2


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


def wait_until_set(flag: threading.Event) -> None:
    """Block the main thread until `flag` is set by a signal handler (or another thread).

    Not `flag.wait()`: a handler runs in the main thread between two bytecodes, possibly in
    the middle of that very wait while the thread holds the Event's internal lock, and the
    handler's `flag.set()` then waits for that lock forever (seen: a scheduler that never
    stopped on SIGTERM). Here the main thread only reads the flag, which takes no lock, and
    in between waits on an Event of its own that nothing sets: a stop takes effect within
    STOP_POLL_SECONDS, also when the kernel delivered the signal to another thread (its
    handler still runs in the main thread). (Not time.sleep: under libfaketime, which the
    scheduler's process tests preload, its monotonic deadline is refused as invalid.)"""
    pause = threading.Event()
    while not flag.is_set():
        pause.wait(STOP_POLL_SECONDS)


def dump_stacks_on_signal() -> None:
    """Have SIGUSR1 write the Python stack of every thread to the process's standard error (a
    service's log) and go on running: how an operator, or a test that waited in vain for a
    process to stop, sees where it is stuck. faulthandler writes from the C signal handler
    itself, so the dump comes even when the main thread never gets back to running Python
    code. It writes to file descriptor 2, whatever `sys.stderr` has been replaced with."""
    faulthandler.register(STACKS_SIGNAL, file=2, all_threads=True)
