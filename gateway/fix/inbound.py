"""Whether a FIX client has sent bytes that QuickFIX has not read yet: the journal's cue to wait.

A client with many orders in flight has the next ones in the socket while the gateway is still
on the first. Committing those orders' journal entries one by one costs a commit each (about a
sixth of what an order costs the gateway); committing them together costs one. QuickFIX does
not say whether more is coming (a connection's thread reads up to 8 KiB and hands the complete
messages over one by one), so this asks the kernel: the acceptor's connections sit in an epoll
set, and a poll that does not wait says whether any of them has unread input
(`OrderService`'s `more_input`).

QuickFIX does not give its sockets to Python either. They are found under /proc/self/fd: the
TCP sockets whose local port is one of the acceptor's and that have a peer (the listening
socket has none). `track` looks again at each logon. An epoll registration belongs to the
socket, not to the descriptor's number: when QuickFIX closes a connection its registration
goes with it, and a number that is reused for another file is not in the set.

It is a hint. Input that turns out not to be an order (a heartbeat, half a message) only
delays the waiting commit until the next callback or the order service's linger; where
there is no /proc or no epoll, `waiting` is always False and every order commits on its own.
"""

from __future__ import annotations

import os
import select
import socket
from collections.abc import Collection
from pathlib import Path

PROC_FDS = Path("/proc/self/fd")


class InboundWatch:
    """The acceptor's connections, and whether any of them has input waiting."""

    def __init__(self) -> None:
        usable = hasattr(select, "epoll") and PROC_FDS.is_dir()
        self._epoll = select.epoll() if usable else None

    def track(self, ports: Collection[int]) -> int:
        """Watch every connection accepted on `ports` not yet watched; how many were added."""
        if self._epoll is None:
            return 0
        added = 0
        for fd in _connections(ports):
            try:
                self._epoll.register(fd, select.EPOLLIN)
            except FileExistsError:
                continue
            except OSError:  # closed since it was looked at
                continue
            added += 1
        return added

    def waiting(self) -> bool:
        """Whether some connection has bytes that QuickFIX has not read yet (never blocks)."""
        return self._epoll is not None and bool(self._epoll.poll(0, 1))

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()


def _connections(ports: Collection[int]) -> list[int]:
    """This process's descriptors of connected TCP sockets whose local port is in `ports`."""
    found = []
    for name in os.listdir(PROC_FDS):
        try:
            if not os.readlink(PROC_FDS / name).startswith("socket:"):
                continue
            probe = socket.socket(fileno=os.dup(int(name)))  # a duplicate to look at, closed at once
        except OSError:
            continue
        with probe:
            try:
                if probe.family not in (socket.AF_INET, socket.AF_INET6) or probe.type != socket.SOCK_STREAM:
                    continue
                if probe.getsockname()[1] not in ports:
                    continue
                probe.getpeername()  # OSError for the listening socket
            except OSError:
                continue
        found.append(int(name))
    return found
