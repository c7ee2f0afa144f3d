"""A connection thread keeps one Python thread state across its QuickFIX callbacks.

With a real ThreadedSocketAcceptor in this process and a raw-socket client: without `keep`,
each callback gets a thread state of its own (a `threading.local` set in one `fromApp` is gone
in the next, and so is decimal's context); with it, every later callback on the connection's thread finds what the first
one left, and `onLogout` on that thread gives the thread state back."""

from __future__ import annotations

import decimal
import gc
import threading
import time

import quickfix as fix
from gateway_harness import free_port
from raw_fix import RawClient

from gateway.fix import threadstate


class Probe(fix.Application):
    def __init__(self, keep: bool) -> None:
        super().__init__()
        self.keep = keep
        self.local = threading.local()
        self.found: list[bool] = []  # per fromApp: did the thread state already carry the mark?
        self.precisions: list[int] = []  # per fromApp: decimal's precision, which each one sets to 50
        self.threads: set[int] = set()
        self.at_logout: tuple[bool, bool] | None = None  # kept() before and after give_back()

    def onCreate(self, session_id): pass  # noqa: E704,N802
    def onLogon(self, session_id): pass  # noqa: E704,N802
    def toAdmin(self, message, session_id): pass  # noqa: E704,N802
    def fromAdmin(self, message, session_id): pass  # noqa: E704,N802
    def toApp(self, message, session_id): pass  # noqa: E704,N802

    def fromApp(self, message, session_id):  # noqa: N802
        if self.keep:
            threadstate.keep()
        self.found.append(getattr(self.local, "mark", False))
        self.local.mark = True
        self.precisions.append(decimal.getcontext().prec)
        decimal.getcontext().prec = 50
        self.threads.add(threading.get_native_id())

    def onLogout(self, session_id):  # noqa: N802
        before = threadstate.kept()
        threadstate.give_back()
        self.at_logout = (before, threadstate.kept())


def run_session(tmp_path, keep: bool, target: str) -> Probe:
    port = free_port()
    settings = fix.SessionSettings()
    defaults = fix.Dictionary()
    for key, value in {
        "ConnectionType": "acceptor", "SocketAcceptPort": str(port), "SocketAcceptAddress": "127.0.0.1",
        "StartTime": "00:00:00", "EndTime": "00:00:00", "UseDataDictionary": "N", "FileStorePath": str(tmp_path / target),
    }.items():
        defaults.setString(key, value)
    settings.set(defaults)
    settings.set(fix.SessionID("FIX.4.4", "FIXBROKER", target), fix.Dictionary())
    probe = Probe(keep)
    acceptor = fix.ThreadedSocketAcceptor(probe, fix.FileStoreFactory(settings), settings)
    acceptor.start()
    try:
        client = RawClient(port, "FIX.4.4", target, "FIXBROKER")
        client.send("35=A|98=0|108=30")
        assert client.receive() is not None  # the Logon answer
        for n in range(3):
            client.send(f"35=D|11=ORD-{n}|55=IF|54=1|38=1|40=1|60=20261201-01:30:00")
        client.send("35=5")
        deadline = time.monotonic() + 10
        while probe.at_logout is None and time.monotonic() < deadline:
            time.sleep(0.02)
        client.sock.close()
    finally:
        acceptor.stop()
        del acceptor  # one session registry per process: gone before the next test's acceptor
        gc.collect()
    return probe


def test_without_keep_every_callback_gets_a_new_thread_state(tmp_path):
    probe = run_session(tmp_path, keep=False, target="PLAIN")
    assert len(probe.threads) == 1  # one connection thread ...
    assert probe.found == [False, False, False]  # ... but a fresh thread state each time
    assert probe.precisions == [28, 28, 28]  # with a fresh decimal context
    assert probe.at_logout == (False, False)  # nothing kept, nothing given back


def test_keep_gives_a_connection_thread_one_thread_state_until_logout(tmp_path):
    probe = run_session(tmp_path, keep=True, target="KEPT")
    assert len(probe.threads) == 1
    assert probe.found == [False, True, True]
    assert probe.precisions == [28, 50, 50]
    assert probe.at_logout == (True, False)  # kept until the connection ended, then given back
