"""End to end: `fixbroker gateway run` in a child process, a FIX 4.2 client (EMSX42, accounts
C000101/2) and a FIX 4.4 client (TOMS44, accounts C000201/2) as real QuickFIX initiators.

They trade with each other, replace, cancel, get rejected, ask for status, lose and regain the
connection (sequence numbers kept, the missed fill resent), and the operator reads the status
and stops the gateway with SIGTERM. IF2612: tick 0.2, previous settlement 3800.0 (limits
+-10%: 3420.0-4180.0), so 3800.0 and 3801.0 are on tick, 3800.1 is not.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request

import pytest

from gateway_harness import ROOT, Client, GatewayProcess, free_port, new_order, prepare_venue, write_config

pytestmark = pytest.mark.slow


@pytest.fixture
def gateway(tmp_path):
    port = free_port()
    url = prepare_venue(tmp_path, port)
    write_config(tmp_path)
    process = GatewayProcess(tmp_path, url, port, extra=["--metrics-port", str(free_port())])
    process.start()
    clients: list[Client] = []
    yield process, clients
    for client in clients:
        client.quit()
    if process.process is not None and process.process.poll() is None:
        process.terminate()


def test_two_clients_trade_replace_cancel_reject_reconnect_and_stop(gateway, tmp_path):
    process, clients = gateway
    a = Client(tmp_path, process.port, "EMSX42")
    b = Client(tmp_path, process.port, "TOMS44")
    clients += [a, b]
    a.expect("LOGON")
    b.expect("LOGON")

    # A (4.2) buys 2 @ 3800.0, named by Bloomberg ticker, default account C000101.
    a.send(new_order("A1", "1", "2", "3800.0", extra="9001=desk-7"))
    ack = a.expect("APP", where={35: "8", 11: "A1"})
    assert (ack[150], ack[39], ack[20], ack[151], ack[1], ack[48], ack[75]) == ("0", "0", "0", "2", "C000101", "IFZ6 Index", "20261123")
    order_id = ack[37]

    # B (4.4) sells 1 @ 3800.0 by Symbol + MaturityMonthYear: it trades against A.
    b.send(new_order("B1", "2", "1", "3800.0", instrument="55=IF|200=202612|167=FUT|207=CCFX"))
    assert b.expect("APP", where={35: "8", 11: "B1"})[150] == "0"
    b_fill = b.expect("APP", where={35: "8", 11: "B1"})
    assert (b_fill[150], b_fill[39], b_fill[32], b_fill[31], b_fill[14], b_fill[151]) == ("F", "2", "1", "3800", "1", "0")
    assert 20 not in b_fill  # no ExecTransType in 4.4
    a_fill = a.expect("APP", where={35: "8", 11: "A1"})
    # 4.2: a partial fill is ExecType 1, ExecTransType 0; 1 of 2 lots done at 3800, 1 open.
    assert (a_fill[150], a_fill[39], a_fill[20], a_fill[32], a_fill[14], a_fill[151], a_fill[6]) == ("1", "1", "0", "1", "1", "1", "3800")
    assert a_fill[17] != b_fill[17]

    # A replaces: total 3 lots at 3799.8 (cum 1, so 2 open); OrigClOrdID chains.
    a.send(f"35=G|11=A2|41=A1|37={order_id}|21=1|55=IF|48=IFZ6 Index|22=A|54=1|60=20261123-01:30:00|38=3|40=2|44=3799.8|77=O")
    replaced = a.expect("APP", where={35: "8", 11: "A2"})
    assert (replaced[150], replaced[41], replaced[38], replaced[44], replaced[14], replaced[151]) == ("5", "A1", "3", "3799.8", "1", "2")

    # A cancels it; a second cancel of the same order is too late (OrderCancelReject 9).
    a.send("35=F|11=A3|41=A2|55=IF|48=IFZ6 Index|22=A|54=1|60=20261123-01:30:00|38=3")
    canceled = a.expect("APP", where={35: "8", 11: "A3"})
    assert (canceled[150], canceled[39], canceled[41], canceled[151], canceled[14]) == ("4", "4", "A2", "0", "1")
    a.send("35=F|11=A4|41=A2|55=IF|48=IFZ6 Index|22=A|54=1|60=20261123-01:30:00|38=3")
    too_late = a.expect("APP", where={35: "9", 11: "A4"})
    assert (too_late[434], too_late[102], too_late[39]) == ("1", "0", "4")  # too late to cancel; still canceled

    # B: a price off the 0.2 tick is rejected with a reason; a reused ClOrdID gets OrdRejReason 6.
    b.send(new_order("B2", "2", "1", "3800.1", instrument="48=IF2612|22=8"))
    off_tick = b.expect("APP", where={35: "8", 11: "B2"})
    assert (off_tick[150], off_tick[39], off_tick[103]) == ("8", "8", "99") and "tick" in off_tick[58]
    b.send(new_order("B1", "2", "1", "3801.0", instrument="48=IF2612|22=8"))
    duplicate = b.expect("APP", where={35: "8", 11: "B1"})
    assert (duplicate[150], duplicate[103]) == ("8", "6")
    # ... but with PossResend(97)=Y the order's current status comes back instead.
    b.send(new_order("B1", "2", "1", "3800.0", instrument="48=IF2612|22=8", extra="97=Y"))
    status = b.expect("APP", where={35: "8", 11: "B1"})
    assert (status[150], status[39], status[14]) == ("I", "2", "1")
    # OrderStatusRequest (H).
    b.send("35=H|11=B1|55=IF|48=IF2612|22=8|54=2")
    status = b.expect("APP", where={35: "8", 11: "B1"})
    assert (status[150], status[39], status[37]) == ("I", "2", b_fill[37])
    # A may not trade B's accounts.
    a.send(new_order("A5", "1", "1", "3800.0", account="C000201"))
    assert a.expect("APP", where={35: "8", 11: "A5"})[58] == "Account C000201 not entitled"

    # B rests a sell, then loses its connection; A lifts it while B is away.
    b.send(new_order("B5", "2", "1", "3801.0", instrument="48=IF2612|22=8"))
    b_rest = b.expect("APP", where={35: "8", 11: "B5"})
    b.wait_counted(int(b_rest[34]))  # else the restarted client asks for this ack again
    b.kill()
    a.send(new_order("A6", "1", "1", "3801.0"))
    assert a.expect("APP", where={35: "8", 11: "A6"})[150] == "0"
    assert a.expect("APP", where={35: "8", 11: "A6"})[150] == "2"  # filled (4.2)
    b.start()  # same FileStore: sequence numbers kept, the fill is resent
    b.expect("LOGON")
    missed = b.expect("APP")  # the first application message after the logon is the missed fill
    assert (missed[11], missed[150], missed[39], missed[31]) == ("B5", "F", "2", "3801")
    assert int(missed[34]) == int(b_rest[34]) + 1  # the very next sequence number, resent
    assert missed[43] == "Y" and missed[122] <= missed[52]  # PossDupFlag, OrigSendingTime

    # The operator's view while it runs.
    result = subprocess.run(
        [sys.executable, "-c", "from backoffice.cli.main import main; main()", "gateway", "status", "--status-file", str(tmp_path / "status.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "running" in result.stdout and "EMSX42" in result.stdout and "TOMS44" in result.stdout
    # Orders: A1, B1, B5, A6 (B2 and the duplicate B1 were refused by risk before the book,
    # A5 by the codec: no order). Trades: A1 x B1, A6 x B5.
    assert re.search(r"orders today\W+4\b", result.stdout) and re.search(r"trades today\W+2\b", result.stdout), result.stdout

    # Prometheus /metrics: orders, rejects by reason code, fills, sessions, ack latency.
    metrics_port = process.extra[1]
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
    assert 'fixbroker_orders_total{msg_type="D",session="EMSX42"} 3.0' in text  # A1, A5, A6
    assert 'fixbroker_orders_total{msg_type="D",session="TOMS44"} 5.0' in text  # B1, B2, B1 twice more, B5
    assert 'fixbroker_rejects_total{reason="114"} 1.0' in text  # price off tick
    assert 'fixbroker_rejects_total{reason="301"} 1.0' in text  # duplicate ClOrdID
    assert 'fixbroker_rejects_total{reason="414"} 1.0' in text  # account not entitled
    assert 'fixbroker_fills_total{session="TOMS44"} 2.0' in text and 'fixbroker_fills_total{session="EMSX42"} 2.0' in text
    assert "fixbroker_sessions_logged_on 2.0" in text
    assert re.search(r"fixbroker_ack_latency_seconds_count \d+", text)

    # SIGTERM: every session is logged out, the process exits 0.
    assert process.terminate() == 0
    a.expect("LOGOUT")
    assert "gateway stopped" in process.output()
    result = subprocess.run(
        [sys.executable, "-c", "from backoffice.cli.main import main; main()", "gateway", "status", "--status-file", str(tmp_path / "status.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1 and "not running" in result.stdout + result.stderr
