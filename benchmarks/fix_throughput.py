"""FIX throughput and ack latency: the real gateway against a trivial QuickFIX acceptor.

Why both in one run: the gateway's cost only means something next to what QuickFIX itself
costs on the same machine, dictionary and settings. So one load client (a raw socket with
pre-encoded NewOrderSingle messages: MsgSeqNum, BodyLength and CheckSum computed up front,
Logon with Username/Password) drives, alternately,

- the gateway: `fixbroker gateway run` on a SQLite venue database with the durable journal,
  `--phase continuous`, the per-account order rate limit raised out of the way; every order
  is decoded, resolved through the Bloomberg symbology (48=IFZ6 Index, 22=A), checked by risk
  (funds and position holds), rests in the IF2612 book (buys below 3800, sells above: nothing
  crosses) and is journalled before its ExecutionReport (150=0) is sent;
- a trivial acceptor in a child process: a ThreadedSocketAcceptor with the gateway's own
  session settings (same dictionary, FileStore, validation), whose Application only answers
  each D with an 8; like the gateway's, its connection thread keeps one Python thread state
  for all its callbacks (`gateway/fix/threadstate.py`), so that neither pays the binding's
  per-callback set-up the other does not.

For each, orders/s and ack latency (send of the D -> receipt of its 8) at 1 order in flight
and at 100 in flight, over a few repetitions; the table shows the median of the repetitions.
In each repetition the gateway's run and the trivial acceptor's follow each other, so their
ratio is taken per repetition, while the machine runs at the same speed for both, and the
ratio gateway / trivial (target >= 0.5) is the median of those; its range and the ratio of
the two medians are printed next to it.

    .venv/bin/python benchmarks/fix_throughput.py [--orders 3000] [--single 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = date(2026, 11, 23)  # a Monday; the previous settlement price of IF2612 is 3800.0
PREVIOUS = date(2026, 11, 20)
SESSION = "TOMS44"  # FIX 4.4, accounts C000201 and C000202
BEGIN, CLIENT, VENUE_ID = "FIX.4.4", "BLPTOMS1", "FIXBROKER"
USERNAME, PASSWORD = "blp-toms-1", "benchmark-password"
ACCOUNTS = ("C000201", "C000202")
PRICES = {"IF2612": "3800.0", "cu2701": "68000", "rb2705": "3500", "T2703": "108.500", "au2702": "560.00"}
# Resting IF2612 lots hold 12% margin (3800 x 300 x 0.12 = 136,800 a lot): deep pockets.
DEPOSITS = {"C000201": "100000000000.00", "C000202": "100000000000.00",
            "RSV-CFFEX-0001-B": "3000000.00", "RSV-SHFE-0001-B": "3000000.00",
            "RSV-CFFEX-0002-B": "3000000.00", "RSV-SHFE-0002-B": "3000000.00"}
LEVELS = 1800  # price levels each side: 3799.8 down to 3440.0, 3800.2 up to 4159.8
TICK = Decimal("0.2")
SOH = "\x01"
TARGET_RATIO = 0.5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_venue(directory: Path, port: int) -> str:
    """The sample venue with settlement prices, deposits and the TOMS44 session on `port`."""
    from sqlalchemy import select

    from backoffice.db import migrate
    from backoffice.db import models as m
    from backoffice.db.engine import make_engine, transaction
    from backoffice.refdata.loader import load_venue
    from backoffice.refdata.venue import parse_venue
    from gateway.fix.auth import hash_password

    url = f"sqlite:///{directory / 'venue.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    text = (ROOT / "config" / "venue.toml").read_text()
    spec, issues = parse_venue(text)
    if issues:
        raise SystemExit(f"config/venue.toml: {issues}")
    now = datetime.now(timezone.utc)
    with transaction(engine) as session:
        load_venue(session, spec, source="venue.toml", content=text.encode(), operator="benchmark")
        instruments = {i.code: i.id for i in session.scalars(select(m.Instrument))}
        for code, price in PRICES.items():
            session.add(m.SettlementPrice(instrument_id=instruments[code], trading_day=PREVIOUS, price=Decimal(price),
                                          source="official", detail="benchmark", recorded_at=now, operator="benchmark"))
        accounts = {a.code: a.id for a in session.scalars(select(m.Account))}
        for n, (code, amount) in enumerate(DEPOSITS.items()):
            session.add(m.CashMovement(account_id=accounts[code], business_date=PREVIOUS, direction="deposit",
                                       amount=Decimal(amount), reference=f"B{n}", operator="benchmark", note="", recorded_at=now))
        for row in session.scalars(select(m.FixSession)):
            row.port = port
            row.password_hash = hash_password(PASSWORD)
            row.password_set_at = now
            row.enabled = row.name == SESSION
    engine.dispose()
    return url


def write_config(directory: Path, name: str) -> Path:
    config = directory / f"{name}.cfg"
    config.write_text(
        "[DEFAULT]\n"
        f"FileStorePath={directory / name / 'store'}\n"
        f"FileLogPath={directory / name / 'log'}\n"
        f"DataDictionaryPath={ROOT / 'fixspec'}\n"
        "SocketAcceptAddress=127.0.0.1\n"
    )
    return config


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"child exited with {process.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {seconds}s")


# ---------------------------------------------------------------------- the trivial acceptor


def trivial_acceptor(port: int, directory: Path) -> None:
    """Child process: the gateway's session settings, an Application that only acks each D."""
    import quickfix as fix

    from gateway.fix import threadstate
    from gateway.fix.profiles import SessionProfile
    from gateway.fix.settings import build_session_settings, read_host_settings

    profile = SessionProfile(SESSION, BEGIN, VENUE_ID, CLIENT, port, USERNAME, (), "", frozenset(ACCOUNTS), None, True, None)
    settings = build_session_settings([profile], read_host_settings(write_config(directory, "trivial")))
    (directory / "trivial" / "store").mkdir(parents=True, exist_ok=True)

    class Ack(fix.Application):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def onCreate(self, session_id): pass  # noqa: E704,N802
        def onLogon(self, session_id): pass  # noqa: E704,N802
        def onLogout(self, session_id): pass  # noqa: E704,N802
        def toAdmin(self, message, session_id): pass  # noqa: E704,N802
        def fromAdmin(self, message, session_id): pass  # noqa: E704,N802
        def toApp(self, message, session_id): pass  # noqa: E704,N802

        def fromApp(self, message, session_id):  # noqa: N802
            threadstate.keep()  # as the gateway does: one Python thread state for the connection's callbacks
            header = message.getHeader()
            if header.getField(35) != "D":
                return
            self.count += 1
            ack = fix.Message()
            ack.getHeader().setField(fix.MsgType("8"))
            ack.setField(fix.StringField(37, f"T{self.count}"))
            ack.setField(fix.StringField(17, f"T{self.count}"))
            ack.setField(fix.StringField(150, "0"))
            ack.setField(fix.StringField(39, "0"))
            for tag in (11, 1, 55, 48, 22, 54, 38, 40, 44):
                if message.isSetField(tag):
                    ack.setField(fix.StringField(tag, message.getField(tag)))
            ack.setField(fix.StringField(151, message.getField(38)))
            ack.setField(fix.StringField(14, "0"))
            ack.setField(fix.StringField(6, "0"))
            fix.Session.sendToTarget(ack, session_id)

    acceptor = fix.ThreadedSocketAcceptor(Ack(), fix.FileStoreFactory(settings), settings)
    acceptor.start()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        time.sleep(0.1)
    acceptor.stop()


# ---------------------------------------------------------------------- the load client


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def frame(content: str) -> bytes:
    head = f"8={BEGIN}{SOH}9={len(content)}{SOH}"
    checksum = sum((head + content).encode("ascii")) % 256
    return f"{head}{content}10={checksum:03d}{SOH}".encode("ascii")


def order_price(n: int) -> tuple[str, str]:
    """Side and price of the n-th order: buys below 3800.0, sells above, never crossing."""
    level = Decimal((n // 2) % LEVELS)
    if n % 2 == 0:
        return "1", str(Decimal("3799.8") - level * TICK)
    return "2", str(Decimal("3800.2") + level * TICK)


@dataclass
class Run:
    orders: int
    seconds: float
    latencies_ns: list[int]
    refused: int

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    def percentile_us(self, q: float) -> float:
        ordered = sorted(self.latencies_ns)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


class LoadClient:
    """One FIX 4.4 session on a raw socket; keeps its own outgoing MsgSeqNum."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.seq = 1
        self.buffer = b""
        self.next_id = 0

    def header(self, msg_type: str, seq: int, sent: str) -> str:
        return f"35={msg_type}{SOH}34={seq}{SOH}49={CLIENT}{SOH}52={sent}{SOH}56={VENUE_ID}{SOH}"

    def logon(self) -> None:
        body = f"98=0{SOH}108=30{SOH}553={USERNAME}{SOH}554={PASSWORD}{SOH}"
        self.sock.sendall(frame(self.header("A", self.seq, stamp()) + body))
        self.seq += 1
        reply = self.message()
        if b"\x0135=A\x01" not in reply:
            raise SystemExit(f"logon refused: {reply!r}")

    def logout(self) -> None:
        self.sock.sendall(frame(self.header("5", self.seq, stamp())))
        self.seq += 1
        self.sock.close()

    def encode_orders(self, count: int) -> list[tuple[bytes, bytes]]:
        """`count` NewOrderSingles with consecutive MsgSeqNums, and the ClOrdID each acks with."""
        sent = stamp()
        encoded = []
        for _ in range(count):
            n = self.next_id
            self.next_id += 1
            side, price = order_price(n)
            cl_ord_id = f"L{n}"
            body = (
                f"11={cl_ord_id}{SOH}1={ACCOUNTS[(n // 2) % 2]}{SOH}21=1{SOH}55=IF{SOH}48=IFZ6 Index{SOH}22=A{SOH}"
                f"54={side}{SOH}60={sent}{SOH}38=1{SOH}40=2{SOH}44={price}{SOH}59=0{SOH}77=O{SOH}"
            )
            encoded.append((frame(self.header("D", self.seq, sent) + body), cl_ord_id.encode()))
            self.seq += 1
        return encoded

    def message(self) -> bytes:
        """The next whole message (heartbeats included)."""
        while True:
            end = self.buffer.find(b"\x0110=")
            if end >= 0 and len(self.buffer) >= end + 8:
                raw, self.buffer = self.buffer[: end + 8], self.buffer[end + 8 :]
                return raw
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise SystemExit("the acceptor closed the connection")
            self.buffer += chunk

    def drive(self, orders: list[tuple[bytes, bytes]], in_flight: int) -> Run:
        """Keep `in_flight` orders outstanding until every one is answered."""
        sent_at: dict[bytes, int] = {}
        latencies: list[int] = []
        refused = 0
        next_order = 0
        clock = time.perf_counter_ns
        started = clock()
        while len(latencies) < len(orders):
            while next_order < len(orders) and next_order - len(latencies) < in_flight:
                raw, cl_ord_id = orders[next_order]
                sent_at[cl_ord_id] = clock()
                self.sock.sendall(raw)
                next_order += 1
            raw = self.message()
            if b"\x0135=8\x01" not in raw:
                continue
            start = raw.find(b"\x0111=") + 4
            cl_ord_id = raw[start : raw.find(b"\x01", start)]
            sent = sent_at.pop(cl_ord_id, None)
            if sent is None:
                continue
            latencies.append(clock() - sent)
            if b"\x01150=0\x01" not in raw:
                refused += 1
        return Run(len(orders), (clock() - started) / 1e9, latencies, refused)


# ---------------------------------------------------------------------- the benchmark


def start_gateway(directory: Path, url: str, port: int) -> subprocess.Popen:
    log = (directory / "gateway.log").open("w")
    command = [
        sys.executable, "-c", "from backoffice.cli.main import main; main()", "gateway", "run",
        "--config", str(write_config(directory, "gateway")), "--db", url, "--date", DAY.isoformat(), "--phase", "continuous",
        "--status-file", str(directory / "status.json"), "--max-orders-per-second", "1000000",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wait_for_port(port, process)
    return process


def start_trivial(directory: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, str(Path(__file__).resolve()), "--trivial-acceptor", str(port), "--dir", str(directory)]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wait_for_port(port, process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=3000, help="orders per repetition with 100 in flight")
    parser.add_argument("--single", type=int, default=300, help="orders per repetition with 1 in flight")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (the table shows medians)")
    parser.add_argument("--trivial-acceptor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trivial_acceptor is not None:
        trivial_acceptor(args.trivial_acceptor, args.dir)
        return
    per_side = (args.orders + args.single) * args.repeat // 4 + 1
    if per_side > 5000:  # IF position limit, pending opens included, per account and direction
        raise SystemExit(f"{per_side} resting lots per account and side would exceed IF's position limit 5000")
    with tempfile.TemporaryDirectory(prefix="fix-bench-") as tmp:
        directory = Path(tmp)
        gateway_port, trivial_port = free_port(), free_port()
        url = prepare_venue(directory, gateway_port)
        processes = [start_gateway(directory, url, gateway_port), start_trivial(directory, trivial_port)]
        try:
            clients = {"gateway": LoadClient(gateway_port), "trivial": LoadClient(trivial_port)}
            for client in clients.values():
                client.logon()
                client.drive(client.encode_orders(50), 10)  # warm-up, not measured
            runs: dict[tuple[str, int], list[Run]] = {}
            for _ in range(args.repeat):
                for in_flight, count in ((1, args.single), (100, args.orders)):
                    for name, client in clients.items():
                        runs.setdefault((name, in_flight), []).append(client.drive(client.encode_orders(count), in_flight))
            for client in clients.values():
                client.logout()
        finally:
            for process in processes:
                stop(process)
    report(runs, args)


def report(runs: dict[tuple[str, int], list[Run]], args: argparse.Namespace) -> None:
    print(f"FIX 4.4 NewOrderSingle -> ExecutionReport(150=0), localhost; median of {args.repeat} repetitions "
          f"({args.single} orders at 1 in flight, {args.orders} at 100 in flight)")
    print(f"{'acceptor':10s} {'in flight':>9s} {'orders/s':>10s} {'p50 us':>9s} {'p99 us':>9s} {'refused':>8s}")
    rates: dict[tuple[str, int], float] = {}
    for in_flight in (1, 100):
        for name in ("gateway", "trivial"):
            series = runs[(name, in_flight)]
            rates[(name, in_flight)] = statistics.median(r.rate for r in series)
            p50 = statistics.median(r.percentile_us(0.5) for r in series)
            p99 = statistics.median(r.percentile_us(0.99) for r in series)
            print(f"{name:10s} {in_flight:9d} {rates[(name, in_flight)]:10,.0f} {p50:9.0f} {p99:9.0f} {sum(r.refused for r in series):8d}")
    for in_flight in (1, 100):
        of_medians = rates[("gateway", in_flight)] / rates[("trivial", in_flight)]
        paired = sorted(g.rate / t.rate for g, t in zip(runs[("gateway", in_flight)], runs[("trivial", in_flight)], strict=True))
        ratio = statistics.median(paired)
        verdict = "meets" if ratio >= TARGET_RATIO else "below"
        print(f"gateway / trivial throughput at {in_flight:3d} in flight: {ratio:.2f} ({verdict} the {TARGET_RATIO} target; "
              f"side-by-side ratios {paired[0]:.2f}-{paired[-1]:.2f}, ratio of the medians {of_medians:.2f})")


if __name__ == "__main__":
    main()
