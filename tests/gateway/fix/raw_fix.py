"""A FIX client on a raw socket: sends exactly the bytes it is told to (bad checksums,
wrong body lengths, garbage), keeps its own sequence numbers, reads whole messages back."""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime, timezone

SOH = "\x01"
_END = re.compile(rb"\x0110=\d{3}\x01")


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def frame(begin_string: str, content: str, *, bad_checksum: bool = False, bad_length: bool = False) -> bytes:
    length = len(content) - (7 if bad_length else 0)  # too short: the parser still finds the real end
    head = f"8={begin_string}{SOH}9={length}{SOH}"
    checksum = (sum((head + content).encode("latin-1")) + (1 if bad_checksum else 0)) % 256
    return f"{head}{content}10={checksum:03d}{SOH}".encode("latin-1")


def fields_of(raw: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for part in raw.decode("latin-1").split(SOH):
        tag, _, value = part.partition("=")
        if tag.isdigit():
            out.setdefault(int(tag), value)
    return out


class RawClient:
    def __init__(self, port: int, begin_string: str, sender: str, target: str) -> None:
        self.begin_string, self.sender, self.target = begin_string, sender, target
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.seq = 1
        self.buffer = b""
        self.last_raw = b""  # the last message `receive` returned, as sent

    def content(self, body: str, seq: int, extra_header: str = "") -> str:
        msg_type, _, rest = body.replace("|", SOH).partition(SOH)
        msg_type = msg_type.removeprefix("35=")
        header = f"35={msg_type}{SOH}34={seq}{SOH}49={self.sender}{SOH}52={stamp()}{SOH}56={self.target}{SOH}{extra_header}"
        return header + (rest + SOH if rest else "")

    def send(self, body: str, framing: str = "ok") -> None:
        if framing == "garbage":
            self.sock.sendall(body.encode() + b"\x01")
            return
        if framing == "possdup":
            content = self.content(body, 2, f"43=Y{SOH}122={stamp()}{SOH}")
            self.sock.sendall(frame(self.begin_string, content))
            return
        content = self.content(body, self.seq)
        self.sock.sendall(frame(self.begin_string, content, bad_checksum=framing == "checksum", bad_length=framing == "length"))
        if framing == "ok":
            self.seq += 1

    def send_together(self, bodies: list[str], tail: bytes = b"") -> None:
        """Well-formed messages in one write (and `tail`, raw bytes after them): the gateway
        finds them all in its socket at once, as from a client with many orders in flight."""
        frames = []
        for body in bodies:
            frames.append(frame(self.begin_string, self.content(body, self.seq)))
            self.seq += 1
        self.sock.sendall(b"".join(frames) + tail)

    def receive(self, seconds: float = 2) -> dict[int, str] | None:
        """The next message other than a Heartbeat, or None."""
        deadline = time.time() + seconds
        while True:
            match = _END.search(self.buffer)
            if match:
                raw, self.buffer = self.buffer[: match.end()], self.buffer[match.end() :]
                fields = fields_of(raw)
                if fields.get(35) != "0":
                    self.last_raw = raw
                    return fields
                continue
            remaining = deadline - time.time()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                return None
            self.buffer += chunk

    def logon(self, username: str, password: str) -> dict[int, str] | None:
        self.send(f"A|98=0|108=30|553={username}|554={password}")
        return self.receive(5)

    def close(self) -> None:
        self.sock.close()
