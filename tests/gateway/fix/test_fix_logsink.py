"""The masking log and the acceptor settings, with a real QuickFIX ThreadedSocketAcceptor in
this process and real initiators in child processes: FIX 4.2 and 4.4 sessions on one port,
logons checked by `check_logon` (password, username, source address from the log's peer
hook), an order answered through the codec, and no password on disk."""

from __future__ import annotations

import gc
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import quickfix as fix

from fix_support import CALENDAR, TRADING_DAY, profile
from gateway.fix.auth import FailureThrottle, check_logon, hash_password
from gateway.fix.codec import DecodeContext, NewOrder, decode
from gateway.fix.profiles import parse_networks
from gateway.fix.logsink import MASK, MaskingLogFactory, mask_secrets
from gateway.fix.reports import ExecType, Execution, OrderEcho, execution_report, refusal_answer
from gateway.fix.settings import build_session_settings
from gateway.matching.states import OrderStatus

HERE = Path(__file__).resolve().parent
PASSWORD = "emsx-secret-passphrase"
FAST = dict(n=2**10, r=8, p=1)


def test_mask_secrets():
    raw = "8=FIX.4.4\x0135=A\x01553=user\x01554=p@ss=word\x01925=next-one\x0110=000\x01"
    assert mask_secrets(raw) == "8=FIX.4.4\x0135=A\x01553=user\x01554=****\x01925=****\x0110=000\x01"
    assert mask_secrets("554=leading\x0158=x") == "554=****\x0158=x"
    assert mask_secrets("1554=not-a-password\x01") == "1554=not-a-password\x01"


def test_each_line_is_stamped_by_the_log_clock_and_masked(tmp_path):
    stamps = iter([1_795_395_723_456_789_000, 1_795_395_724_001_000_000])  # 2026-11-23 01:02:03.456 UTC, then 04.001
    log = MaskingLogFactory(tmp_path, clock=lambda: next(stamps)).create()
    log.onIncoming("8=FIX.4.4\x0135=A\x01554=secret\x01")
    log.onEvent("Created session")
    log.close()
    assert (tmp_path / "GLOBAL.messages.log").read_text() == "20261123-01:02:03.456 : 8=FIX.4.4\x0135=A\x01554=****\x01\n"
    assert (tmp_path / "GLOBAL.event.log").read_text() == "20261123-01:02:04.001 : Created session\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gateway(fix.Application):
    """Just enough of an acceptor application to exercise logon, codec and reports."""

    def __init__(self, profiles, symbology):
        super().__init__()
        self.profiles = {p.target_comp_id: p for p in profiles}
        self.symbology = symbology
        self.peers: dict[str, str] = {}  # session id -> address, from the log's peer hook
        self.throttle = FailureThrottle()
        self.logons: list[str] = []
        self.errors: list[str] = []

    def onCreate(self, session_id): pass
    def onLogon(self, session_id): self.logons.append(session_id.toString())
    def onLogout(self, session_id): pass
    def toAdmin(self, message, session_id): pass
    def toApp(self, message, session_id): pass

    def fromAdmin(self, message, session_id):
        if message.getHeader().getField(35) != "A":
            return
        decision = check_logon(
            self.profiles.get(session_id.getTargetCompID().getValue()),
            username=message.getField(553) if message.isSetField(553) else None,
            password=message.getField(554) if message.isSetField(554) else None,
            address=self.peers.get(session_id.toString(), "unknown"),
            now=datetime.now(timezone.utc),
            throttle=self.throttle,
        )
        if not decision.accepted:
            raise fix.RejectLogon(decision.client_text)

    def fromApp(self, message, session_id):
        try:
            target = self.profiles[session_id.getTargetCompID().getValue()]
            begin = target.begin_string
            now = datetime.now(timezone.utc)
            decoded = decode(message, DecodeContext(target, self.symbology, CALENDAR, TRADING_DAY))
            if isinstance(decoded, NewOrder):
                qty = int(decoded.order.request.qty)
                answer = execution_report(begin, OrderEcho.of(decoded, "O-1"), Execution("E-1", ExecType.NEW, OrderStatus.NEW, 0, qty, 0 * decoded.order.request.qty, now))
            else:
                answer = refusal_answer(begin, decoded, "E-R", now)
            fix.Session.sendToTarget(answer, session_id)
        except Exception as exc:  # never into QuickFIX; the test fails on it instead
            self.errors.append(repr(exc))


@pytest.fixture
def gateway(tmp_path, symbology, request):
    port = free_port()
    networks = getattr(request, "param", "127.0.0.1/32")
    hashed = hash_password(PASSWORD, **FAST)
    profiles = [
        profile("FIX.4.2", port=port, password_hash=hashed, allowed_networks=parse_networks(networks)),
        profile("FIX.4.4", port=port, password_hash=hashed, target_comp_id="BLPTOMS1", username="blp-toms-1"),
    ]
    settings = build_session_settings(profiles, {"FileStorePath": str(tmp_path / "store"), "FileLogPath": str(tmp_path / "log")})
    application = Gateway(profiles, symbology)
    logs = MaskingLogFactory(tmp_path / "log", on_peer=application.peers.__setitem__)
    acceptor = fix.ThreadedSocketAcceptor(application, fix.FileStoreFactory(settings), settings, logs)
    acceptor.start()
    yield port, application, tmp_path
    acceptor.stop()
    # QuickFIX keeps one session registry per process: the next test's acceptor registers the
    # same SessionIDs, so this one must be gone (not merely stopped) before it starts.
    del acceptor
    gc.collect()
    logs.close()


def client(tmp_path, port, begin_string, sender, username, password, message=None) -> str:
    args = [sys.executable, str(HERE / "fix_initiator.py"), str(port), begin_string, sender, "FIXBROKER", username, password, str(tmp_path / f"client-{sender}")]
    if message:
        args.append(message)
    return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout


def all_logs(tmp_path) -> str:
    return "\n".join(p.read_text() for p in sorted((tmp_path / "log").iterdir()))


def test_logons_on_both_versions_and_no_password_in_any_log(gateway):
    port, application, tmp_path = gateway
    assert "LOGON" in client(tmp_path, port, "FIX.4.2", "BLPEMSX1", "blp-emsx-1", PASSWORD)
    assert "LOGON" in client(tmp_path, port, "FIX.4.4", "BLPTOMS1", "blp-toms-1", PASSWORD)
    assert application.logons == ["FIX.4.2:FIXBROKER->BLPEMSX1", "FIX.4.4:FIXBROKER->BLPTOMS1"]
    assert application.peers == {"FIX.4.2:FIXBROKER->BLPEMSX1": "127.0.0.1", "FIX.4.4:FIXBROKER->BLPTOMS1": "127.0.0.1"}
    logs = all_logs(tmp_path)
    assert "\x01553=blp-emsx-1\x01554=" + MASK in logs  # the real logon message, masked
    assert PASSWORD not in logs


def test_a_wrong_password_is_refused_and_not_logged_either(gateway):
    port, application, tmp_path = gateway
    output = client(tmp_path, port, "FIX.4.2", "BLPEMSX1", "blp-emsx-1", "guess-guess-guess")
    # QuickFIX prefixes the RejectLogon text; the client learns nothing more specific.
    assert "LOGON" not in output and "LOGOUT_TEXT Rejected Logon Attempt: Invalid username or password" in output
    assert application.logons == []
    assert "guess-guess-guess" not in all_logs(tmp_path)


def test_orders_travel_through_session_validation_codec_and_reports(gateway):
    port, application, tmp_path = gateway
    order = "8=FIX.4.2|35=D|11=ORD-7|21=1|22=A|38=2|40=2|44=3890.2|48=IFZ6 Index|54=1|55=IF|60=20261201-01:30:00|77=O|9001=kept|50=TRADER1|"
    output = client(tmp_path, port, "FIX.4.2", "BLPEMSX1", "blp-emsx-1", PASSWORD, order)
    reports = [line for line in output.splitlines() if line.startswith("APP ")]
    assert len(reports) == 1, output
    report = reports[0]
    for part in ("|35=8|", "|57=TRADER1|", "|11=ORD-7|", "|20=0|", "|150=0|", "|39=0|", "|44=3890.2|", "|48=IFZ6 Index|", "|151=2|"):
        assert part in report, (part, report)
    refused = "8=FIX.4.2|35=D|11=ORD-8|21=1|38=2|40=2|44=3890.2|54=1|55=IF|200=202603|60=20261201-01:30:00|77=O|"
    output = client(tmp_path, port, "FIX.4.2", "BLPEMSX1", "blp-emsx-1", PASSWORD, refused)
    assert "|150=8|" in output and "|58=Unknown contract IF 202603|" in output, output
    assert application.errors == []


@pytest.mark.parametrize("gateway", ["10.9.0.0/16"], indirect=True)
def test_a_logon_from_outside_the_allowed_blocks_is_refused(gateway):
    port, application, tmp_path = gateway
    output = client(tmp_path, port, "FIX.4.2", "BLPEMSX1", "blp-emsx-1", PASSWORD)
    assert "LOGON" not in output and "LOGOUT_TEXT Rejected Logon Attempt: Logon refused" in output
