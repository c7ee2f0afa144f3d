"""The gateway as the operator runs it (`fixbroker gateway run` in a child process) and FIX
clients around it: QuickFIX initiators in child processes (fix_client.py) and a raw-socket
client for what QuickFIX would refuse to send (garbled bytes, bad checksums, replays).

The venue database is tests/gateway/core/core_venue.py's (sample venue, settlement prices of
2026-11-20, deposits) with both sample sessions moved to a free port and given passwords.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from gateway.fix.auth import hash_password

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "gateway" / "core"))
from core_venue import DAY, build_venue_db  # noqa: E402
from stopping import terminate  # noqa: E402

PASSWORDS = {"EMSX42": "emsx-secret-password", "TOMS44": "toms-secret-password"}
SOH = "\x01"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_venue(directory: Path, port: int) -> str:
    url = f"sqlite:///{directory / 'venue.db'}"
    build_venue_db(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        for row in session.scalars(select(m.FixSession)):
            row.port = port  # every session: the acceptor listens on each one's port
            if row.name in PASSWORDS:  # the sample's other sessions stay without a password
                row.password_hash = hash_password(PASSWORDS[row.name])
                row.password_set_at = datetime.now(timezone.utc)
    engine.dispose()
    return url


def write_config(directory: Path) -> Path:
    config = directory / "gateway.cfg"
    config.write_text(
        "[DEFAULT]\n"
        f"FileStorePath={directory / 'store'}\n"
        f"FileLogPath={directory / 'log'}\n"
        f"DataDictionaryPath={ROOT / 'fixspec'}\n"
        "SocketAcceptAddress=127.0.0.1\n"
    )
    return config


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gateway exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"gateway did not listen on {port} within {seconds}s")


@dataclass
class GatewayProcess:
    """`fixbroker gateway run` on a prepared directory; start, kill -9, terminate."""

    directory: Path
    url: str
    port: int
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None
    runs: int = 0

    def command(self) -> list[str]:
        return [
            sys.executable, "-c", "from backoffice.cli.main import main; main()", "gateway", "run",
            "--config", str(self.directory / "gateway.cfg"), "--db", self.url, "--date", DAY.isoformat(),
            "--phase", "continuous", "--status-file", str(self.directory / "status.json"), *self.extra,
        ]

    def start(self) -> None:
        self.runs += 1
        log = (self.directory / f"gateway-{self.runs}.log").open("w")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(self.command(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        wait_for_port(self.port, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> int:
        """SIGTERM and the exit status; a gateway that does not stop within 30 s fails with its
        threads' stacks in its log (`stopping.terminate`)."""
        assert self.process is not None
        return terminate(self.process, 30, "the gateway", self.output)

    def output(self) -> str:
        return "".join(p.read_text() for p in sorted(self.directory.glob("gateway-*.log")))


def parse(text: str) -> dict[int, str]:
    fields: dict[int, str] = {}
    for part in text.split("|"):
        tag, _, value = part.partition("=")
        if tag.isdigit():
            fields.setdefault(int(tag), value)
    return fields


class Client:
    """A QuickFIX initiator in a child process (fix_client.py), driven line by line."""

    def __init__(self, directory: Path, port: int, name: str) -> None:
        begin = "FIX.4.2" if name == "EMSX42" else "FIX.4.4"
        target = "BLPEMSX1" if name == "EMSX42" else "BLPTOMS1"
        self.name = name
        self.store = directory / f"client-{name}"
        self.begin_string = begin
        self.args = [
            sys.executable, str(HERE / "fix_client.py"), str(port), begin, target, "FIXBROKER",
            "blp-emsx-1" if name == "EMSX42" else "blp-toms-1", PASSWORDS[name], str(directory / f"client-{name}"),
            str(ROOT / "fixspec" / ("FIX42.xml" if begin == "FIX.4.2" else "FIX44.xml")),
        ]
        self.lines: queue.Queue[str] = queue.Queue()
        self.received: list[dict[int, str]] = []  # every application message, in order
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, prefix: str, seconds: float = 15, where: dict[int, str] | None = None) -> dict[int, str]:
        """The next line starting with `prefix` (and with the `where` fields), as fields."""
        deadline = time.time() + seconds
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise AssertionError(f"{self.name}: no {prefix} {where or ''} within {seconds}s")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            fields = parse(line.partition(" ")[2]) if " " in line else {}
            if line.startswith("APP "):
                self.received.append(fields)
            if line.startswith(prefix) and all(fields.get(tag) == value for tag, value in (where or {}).items()):
                return fields

    def send(self, body: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"SEND {body}\n")
        self.process.stdin.flush()

    def drain(self, seconds: float = 0.5) -> list[dict[int, str]]:
        """Messages that arrive within `seconds` (for checking that nothing else came)."""
        got = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=max(deadline - time.time(), 0.01))
            except queue.Empty:
                break
            if line.startswith("APP "):
                fields = parse(line[4:])
                self.received.append(fields)
                got.append(fields)
        return got

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait_counted(self, seq: int, seconds: float = 10) -> None:
        """Wait until the client's FileStore has counted the incoming message `seq`.

        QuickFIX calls fromApp (where fix_client.py prints the message) before it increments
        and stores the next expected incoming MsgSeqNum; a client killed in between asks for
        that message again after its next logon, so a test that kills a client right after
        reading a message must wait for this first."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            for path in self.store.glob("*.seqnums"):
                _, _, incoming = path.read_text().partition(":")
                if incoming.strip().isdigit() and int(incoming) > seq:
                    return
            time.sleep(0.01)
        raise AssertionError(f"{self.name}: message {seq} not counted in its store within {seconds}s")

    def quit(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write("QUIT\n")
                self.process.stdin.flush()
                self.process.wait(timeout=15)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()


def now_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.000")


def new_order(cl_ord_id: str, side: str, qty: str, price: str, *, account: str | None = None, instrument: str = "55=IF|48=IFZ6 Index|22=A",
              effect: str = "O", extra: str = "") -> str:
    body = f"35=D|11={cl_ord_id}|21=1|{instrument}|54={side}|60={now_stamp()}|38={qty}|40=2|44={price}|59=0|77={effect}"
    if account:
        body += f"|1={account}"
    return body + (f"|{extra}" if extra else "")
