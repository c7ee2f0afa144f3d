"""A process that called die_with_parent ends with its parent, even one killed by SIGKILL; one
that called dump_stacks_on_signal writes every thread's stack on SIGUSR1 and runs on; a signal
handler can stop wait_until_set at any point of the wait."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from backoffice.processes import process_alive, wait_until_set

PARENT = textwrap.dedent("""
    import os, sys, time
    from backoffice.processes import die_with_parent
    child = os.fork()
    if child == 0:
        die_with_parent()
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    time.sleep(60)
""")


def test_a_child_that_asked_to_die_with_its_parent_ends_when_the_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(0.5)  # the child has made its request
    assert process_alive(child)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while process_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_alive(child)


STUCK = textwrap.dedent("""
    import threading, time
    from backoffice.processes import dump_stacks_on_signal
    dump_stacks_on_signal()
    def stuck_in_a_worker():
        threading.Event().wait()
    threading.Thread(target=stuck_in_a_worker, daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(0.05)
""")


def test_sigusr1_writes_every_threads_stack_to_stderr_and_the_process_runs_on():
    process = subprocess.Popen([sys.executable, "-c", STUCK], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        assert process.poll() is None
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "in stuck_in_a_worker" in stderr
    assert "Current thread" in stderr and "in <module>" in stderr


def lock_held_at_some_line(wait, flag: threading.Event) -> list[str]:
    """Run `wait(flag)` with a tracer standing in for a signal handler at every line it runs
    (a handler runs in the waiting thread between two bytecodes): the lines at which the
    Event's lock was held, where a handler's `flag.set()` would wait for it forever. The
    tracer sets the flag, at a line where the lock is free, once the wait has run a while."""
    held: list[str] = []
    lines = 0

    def tracer(frame, event, _arg):
        nonlocal lines
        if event == "line":
            lines += 1
            if flag._cond.acquire(blocking=False):  # Event's internal lock, the one set() takes
                flag._cond.release()
                if lines >= 10:
                    flag.set()
            else:
                held.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
        return tracer

    sys.settrace(tracer)
    try:
        wait(flag)
    finally:
        sys.settrace(None)
    assert lines >= 10
    return held


def test_a_signal_handler_can_stop_wait_until_set_at_any_point():
    assert lock_held_at_some_line(wait_until_set, threading.Event()) == []


def test_the_check_finds_the_lock_held_inside_event_wait():
    """What wait_until_set avoids (a scheduler that never stopped on SIGTERM)."""
    def event_wait(flag: threading.Event) -> None:
        while not flag.wait(0.01):
            pass

    assert lock_held_at_some_line(event_wait, threading.Event()) != []
