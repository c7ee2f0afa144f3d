"""TLS by stunnel in front of the acceptor: config/stunnel-fix.conf.example, with its ports and
certificate replaced, carries a TLS client's FIX Logon to a real QuickFIX acceptor and back.

Needs the `stunnel` program (Debian package stunnel4) and `openssl` for the throwaway
certificate; the test fails, naming the package, when stunnel is missing."""

from __future__ import annotations

import gc
import re
import shutil
import socket
import ssl
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import quickfix as fix

from fix_support import profile, raw_message
from gateway.fix.settings import build_session_settings

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "stunnel-fix.conf.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"stunnel exited with {process.returncode}: {process.stdout.read() if process.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"stunnel did not listen on {port} within {seconds}s")


class Accepting(fix.Application):
    def onCreate(self, session_id): pass
    def onLogon(self, session_id): pass
    def onLogout(self, session_id): pass
    def toAdmin(self, message, session_id): pass
    def fromAdmin(self, message, session_id): pass
    def toApp(self, message, session_id): pass
    def fromApp(self, message, session_id): pass


@pytest.fixture
def acceptor_port(tmp_path):
    port = free_port()
    settings = build_session_settings([profile("FIX.4.4", port=port)], {"FileStorePath": str(tmp_path / "store"), "SocketAcceptAddress": "127.0.0.1"})
    acceptor = fix.ThreadedSocketAcceptor(Accepting(), fix.FileStoreFactory(settings), settings, fix.ScreenLogFactory(False, False, False))
    acceptor.start()
    yield port
    acceptor.stop()
    del acceptor
    gc.collect()


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl not found: install the Debian package openssl")
    cert, key = tmp_path / "gateway.crt", tmp_path / "gateway.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def logon() -> bytes:
    now = datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.000")  # the acceptor checks latency
    return raw_message("FIX.4.4", "A", [(98, "0"), (108, "30")], seq=1, sending_time=now).encode()


def test_a_tls_client_logs_on_through_stunnel(tmp_path, acceptor_port, certificate):
    stunnel = shutil.which("stunnel") or shutil.which("stunnel4")
    if stunnel is None:
        pytest.fail("stunnel not found: install the Debian package stunnel4 (apt-get install stunnel4)")
    cert, key = certificate
    tls_port = free_port()
    config = EXAMPLE.read_text()
    for name, value in (("accept", f"127.0.0.1:{tls_port}"), ("connect", f"127.0.0.1:{acceptor_port}"), ("cert", str(cert)), ("key", str(key))):
        config, count = re.subn(rf"^{name} = .*$", f"{name} = {value}", config, flags=re.MULTILINE)
        assert count == 1, f"{name} not set exactly once in {EXAMPLE.name}"
    (tmp_path / "stunnel.conf").write_text(config)
    process = subprocess.Popen([stunnel, str(tmp_path / "stunnel.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(tls_port, process)
        context = ssl.create_default_context(cafile=str(cert))
        with socket.create_connection(("127.0.0.1", tls_port), timeout=5) as raw, context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
            tls.sendall(logon())
            reply = b""
            while b"\x0110=" not in reply:
                chunk = tls.recv(4096)
                assert chunk, f"connection closed, got {reply!r}"
                reply += chunk
        assert b"\x0135=A\x01" in reply and b"\x0149=FIXBROKER\x01" in reply
        # Plain text on the TLS port gets no FIX answer.
        with socket.create_connection(("127.0.0.1", tls_port), timeout=5) as plain:
            plain.sendall(logon())
            plain.settimeout(2)
            try:
                answer = plain.recv(4096)
            except (TimeoutError, ConnectionResetError):
                answer = b""
            assert b"35=A" not in answer
    finally:
        process.terminate()
        process.wait(timeout=10)
