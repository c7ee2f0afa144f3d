"""A QuickFIX message log that never writes a password.

QuickFIX's FileLog writes every message verbatim, Password(554) and NewPassword(925)
included. This log factory is a drop-in for it (pass it to the acceptor as its LogFactory):
one messages file and one event file per session, named like FileLog's, with the value of
every secret tag replaced by `****` before anything reaches the disk. Events are masked too,
since QuickFIX quotes raw messages in some of them (invalid message, rejected logon).

The log is also where QuickFIX tells the peer's address: the Application callbacks never get
it. The factory's `on_peer(session_id, address)` hook is called as QuickFIX logs the peer.
With a ThreadedSocketAcceptor that happens before the Logon is processed, so `fromAdmin`
can check the address against the session's CIDR blocks and raise RejectLogon. (The plain
SocketAcceptor of quickfix 1.16 logs it only after the Logon, and crashes now and then in
`stop()` after a rejected logon: use the threaded acceptor.)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import quickfix as fix

from .fields import utc_timestamp
from .tags import SECRET_TAGS

MASK = "****"
_SECRET = re.compile(r"(^|\x01)(" + "|".join(str(tag) for tag in SECRET_TAGS) + r")=[^\x01]*")
# A substring test says whether a message may hold a secret far faster than the pattern's
# search, which tries every position of every message.
_MARKERS = tuple(f"{tag}=" for tag in SECRET_TAGS)

Clock = Callable[[], int]  # nanoseconds since the epoch
PeerHook = Callable[[str, str], None]  # (session id as "FIX.4.2:OURS->THEIRS", peer address)

PEER_EVENT = "Allows connections to the acceptor from "


def mask_secrets(text: str) -> str:
    """`text` with the value of every Password(554) / NewPassword(925) field masked."""
    for marker in _MARKERS:  # every message passes here; the few with a secret are logons
        if marker in text:
            return _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}={MASK}", text)
    return text


def session_file_prefix(session_id: fix.SessionID) -> str:
    """FileLog's naming: BeginString-SenderCompID-TargetCompID (qualifier appended if any)."""
    parts = [session_id.getBeginString().getValue(), session_id.getSenderCompID().getValue(), session_id.getTargetCompID().getValue()]
    qualifier = session_id.getSessionQualifier()
    if qualifier:
        parts.append(qualifier)
    return "-".join(parts)


class MaskingLog(fix.Log):
    """One session's log (or the global one): append-only text files, secrets masked."""

    def __init__(self, directory: Path, prefix: str, clock: Clock = time.time_ns, session: str = "", on_peer: PeerHook | None = None) -> None:
        super().__init__()
        self.session = session
        self._on_peer = on_peer
        directory.mkdir(parents=True, exist_ok=True)
        self.messages_path = directory / f"{prefix}.messages.log"
        self.events_path = directory / f"{prefix}.event.log"
        self._clock = clock
        self._lock = threading.Lock()
        self._messages: TextIO = self.messages_path.open("a", encoding="utf-8", errors="replace")
        self._events: TextIO = self.events_path.open("a", encoding="utf-8", errors="replace")

    def _write(self, stream: TextIO, text: str) -> None:
        line = mask_secrets(text)
        with self._lock:
            stream.write(f"{utc_timestamp(self._clock())} : {line}\n")
            stream.flush()

    def onIncoming(self, message: str) -> None:  # noqa: N802 - QuickFIX's name
        self._write(self._messages, message)

    def onOutgoing(self, message: str) -> None:  # noqa: N802
        self._write(self._messages, message)

    def onEvent(self, text: str) -> None:  # noqa: N802
        self._write(self._events, text)
        if self._on_peer is not None and text.startswith(PEER_EVENT):
            try:
                self._on_peer(self.session, text[len(PEER_EVENT) :].strip())
            except Exception as exc:  # noqa: BLE001 - an exception here would end the process
                self._write(self._events, f"peer check failed: {type(exc).__name__}")

    def clear(self) -> None:
        with self._lock:
            self._messages.truncate(0)
            self._events.truncate(0)

    def backup(self) -> None:
        """Called on a sequence reset: start new files and keep the old ones with a suffix."""
        with self._lock:
            for stream, path in ((self._messages, self.messages_path), (self._events, self.events_path)):
                stream.close()
                suffix = 1
                while path.with_name(f"{path.name}.{suffix}").exists():
                    suffix += 1
                path.rename(path.with_name(f"{path.name}.{suffix}"))
            self._messages = self.messages_path.open("a", encoding="utf-8", errors="replace")
            self._events = self.events_path.open("a", encoding="utf-8", errors="replace")

    def close(self) -> None:
        with self._lock:
            self._messages.close()
            self._events.close()


class MaskingLogFactory(fix.LogFactory):
    """LogFactory for the acceptor: a `MaskingLog` per session under `directory`."""

    def __init__(self, directory: Path, clock: Clock = time.time_ns, on_peer: PeerHook | None = None) -> None:
        super().__init__()
        self.directory = directory
        self._clock = clock
        self._on_peer = on_peer
        self.logs: list[MaskingLog] = []  # open logs, closed by `destroy` or `close`

    def create(self, session_id: fix.SessionID | None = None) -> MaskingLog:
        prefix = "GLOBAL" if session_id is None else session_file_prefix(session_id)
        name = "" if session_id is None else session_id.toString()
        log = MaskingLog(self.directory, prefix, self._clock, name, self._on_peer)
        # QuickFIX keeps the raw pointer and hands it back to `destroy`: the C++ side must own
        # the object, or Python's collector frees it a second time (a crash at exit).
        log.__disown__()
        self.logs.append(log)
        return log

    def destroy(self, log: MaskingLog) -> None:
        """QuickFIX is done with `log` (the session is gone)."""
        for index, kept in enumerate(self.logs):
            if kept is log:
                kept.close()
                del self.logs[index]
                return

    def close(self) -> None:
        for log in self.logs:
            log.close()
        self.logs.clear()
