"""A process that called die_with_parent ends with its parent, even one killed by SIGKILL."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from backoffice.processes import process_alive

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
