"""The running gateway (`fixbroker gateway run`) on paths the main end-to-end test leaves out:
logons refused, positions (AN -> AP) after a fill, mass status (AF), mass cancel (q) that
really cancels, and cancel/replace requests (G) that try to change what only a new order may.

Raw-socket clients (raw_fix.py) so every answer is read exactly as sent. IF2612: tick 0.2,
previous settlement 3800.0; EMSX42 (FIX 4.2) trades C000101 (default) and C000102, TOMS44
(FIX 4.4) C000201 (default) and C000202.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from gateway_harness import PASSWORDS, GatewayProcess, free_port, prepare_venue, write_config
from raw_fix import RawClient, stamp

pytestmark = pytest.mark.slow
IF_BY_TICKER = "55=IF|48=IFZ6 Index|22=A"


def set_session(url: str, name: str, **values: object) -> None:
    engine = make_engine(url)
    with transaction(engine) as session:
        row = session.scalars(select(m.FixSession).filter_by(name=name)).one()
        for key, value in values.items():
            setattr(row, key, value)
    engine.dispose()


def emsx(port: int) -> RawClient:
    return RawClient(port, "FIX.4.2", "BLPEMSX1", "FIXBROKER")


def toms(port: int) -> RawClient:
    return RawClient(port, "FIX.4.4", "BLPTOMS1", "FIXBROKER")


def order(cl_ord_id: str, side: str, qty: str, price: str, extra: str = "") -> str:
    body = f"D|11={cl_ord_id}|21=1|{IF_BY_TICKER}|54={side}|60={stamp()}|38={qty}|40=2|44={price}|59=0|77=O"
    return body + (f"|{extra}" if extra else "")


def receive_all(client: RawClient, count: int) -> list[dict[int, str]]:
    got = []
    for _ in range(count):
        answer = client.receive(5)
        assert answer is not None, f"expected {count} messages, got {got}"
        got.append(answer)
    return got


@pytest.fixture
def venue(tmp_path):
    port = free_port()
    url = prepare_venue(tmp_path, port)
    write_config(tmp_path)
    return tmp_path, url, port


def test_logons_refused_with_a_reason_wrong_password_address_disabled(venue):
    directory, url, port = venue
    set_session(url, "EMSX42", allowed_addresses="10.0.0.0/8")  # loopback is not in it
    gateway = GatewayProcess(directory, url, port)
    gateway.start()
    try:
        wrong = toms(port)
        answer = wrong.logon("blp-toms-1", "not-the-password")
        assert answer is not None and answer[35] == "5" and answer[58] == "Rejected Logon Attempt: Invalid username or password"
        assert wrong.receive(2) is None  # and the connection is closed
        wrong.close()

        elsewhere = emsx(port)
        answer = elsewhere.logon("blp-emsx-1", PASSWORDS["EMSX42"])  # right password, wrong address
        assert answer is not None and answer[35] == "5" and answer[58] == "Rejected Logon Attempt: Logon refused"
        elsewhere.close()

        right = toms(port)
        right.seq = 2  # the refused logon used 1: the gateway keeps sequence numbers
        assert right.logon("blp-toms-1", PASSWORDS["TOMS44"])[35] == "A"
        right.close()
    finally:
        assert gateway.terminate() == 0
    log = gateway.output()
    assert "wrong username or password" in log and "source address not allowed" in log
    assert "not-the-password" not in log and PASSWORDS["EMSX42"] not in log

    set_session(url, "TOMS44", enabled=False)
    gateway.start()
    try:
        disabled = toms(port)
        disabled.seq = 3
        answer = disabled.logon("blp-toms-1", PASSWORDS["TOMS44"])
        assert answer is not None and answer[35] == "5" and answer[58] == "Rejected Logon Attempt: Session disabled"
        disabled.close()
    finally:
        assert gateway.terminate() == 0


@pytest.fixture
def running(venue):
    directory, url, port = venue
    gateway = GatewayProcess(directory, url, port)
    gateway.start()
    a, b = emsx(port), toms(port)
    assert a.logon("blp-emsx-1", PASSWORDS["EMSX42"])[35] == "A"
    assert b.logon("blp-toms-1", PASSWORDS["TOMS44"])[35] == "A"
    yield a, b
    a.close()
    b.close()
    gateway.terminate()


def test_positions_after_a_fill(running):
    a, b = running
    b.send(order("S1", "2", "2", "3800.0"))  # TOMS44 sells 2 to open, account C000201
    assert b.receive()[150] == "0"
    a.send(order("B1", "1", "3", "3800.0"))  # EMSX42 buys 3 to open, account C000101: 2 trade
    ack, fill = receive_all(a, 2)
    assert (ack[150], fill[150], fill[20], fill[39], fill[32], fill[151]) == ("0", "1", "0", "1", "2", "1")
    assert (b.receive()[150]) == "F"

    b.send(f"AN|710=P1|724=0|581=1|1=C000201|715=20261123|263=0|60={stamp()}")
    report = b.receive()
    # C000201 is short 2 IF2612 lots, all opened today: long 0, short 2.
    assert (report[35], report[710], report[728], report[727], report[1], report[55]) == ("AP", "P1", "0", "1", "C000201", "IF2612")
    assert (report[704], report[705], report[730]) == ("0", "2", "3800")
    assert b.receive(0.5) is None  # one contract: one report

    b.send(f"AN|710=P2|724=0|581=1|1=C000202|715=20261123|263=0|60={stamp()}")
    none = b.receive()
    assert (none[35], none[710], none[728], none[58]) == ("AP", "P2", "2", "No positions")
    b.send(f"AN|710=P3|724=0|581=1|1=C000101|715=20261123|263=0|60={stamp()}")
    foreign = b.receive()
    assert (foreign[35], foreign[728], foreign[58]) == ("AP", "3", "Account C000101 not entitled")


def test_mass_status_reports_each_working_order_and_mass_cancel_cancels_them(running):
    a, b = running
    for cl_ord_id, price in (("W1", "3810.0"), ("W2", "3820.0"), ("W3", "3830.0")):
        b.send(order(cl_ord_id, "2", "1", price))
        assert b.receive()[150] == "0"
    b.send(order("W4", "2", "1", "3840.0"))
    w4 = b.receive()
    b.send(f"F|11=W4C|41=W4|{IF_BY_TICKER}|54=2|60={stamp()}|38=1")
    assert b.receive()[150] == "4"  # W4 canceled: no longer working

    b.send("AF|584=M1|585=7")
    reports = receive_all(b, 3)
    assert [(r[35], r[11], r[150], r[39], r[584], r[911]) for r in reports] == [
        ("8", "W1", "I", "0", "M1", "3"), ("8", "W2", "I", "0", "M1", "3"), ("8", "W3", "I", "0", "M1", "3"),
    ]
    assert [r.get(912) for r in reports] == [None, None, "Y"]
    assert b.receive(0.5) is None and w4[37] not in {r[37] for r in reports}

    b.send(f"q|11=MC1|530=7|60={stamp()}")
    answers = receive_all(b, 4)
    cancels = [r for r in answers if r[35] == "8"]
    assert sorted(r[11] for r in cancels) == ["W1", "W2", "W3"]
    assert {(r[150], r[39], r[151], r[58]) for r in cancels} == {("4", "4", "0", "Canceled by mass cancel")}
    (report,) = [r for r in answers if r[35] == "r"]
    assert (report[11], report[530], report[531], report[533]) == ("MC1", "7", "7", "3")
    assert answers[-1][35] == "r"  # the report follows the cancels

    b.send("AF|584=M2|585=7")
    nothing = b.receive()
    assert (nothing[35], nothing[372], nothing[58]) == ("j", "AF", "No working orders match the request")


def test_replace_may_not_change_account_side_or_instrument(running):
    a, b = running
    a.send(order("R1", "1", "2", "3790.0"))  # EMSX42, default account C000101
    ack = a.receive()
    assert ack[150] == "0"
    head = f"G|41=R1|37={ack[37]}|21=1|60={stamp()}|38=3|40=2|44=3791.0|77=O"
    for cl_ord_id, changed, text in (
        ("R2", f"|1=C000102|{IF_BY_TICKER}|54=1", "Replace must keep account"),
        ("R3", f"|{IF_BY_TICKER}|54=2", "Replace must keep side"),
        ("R4", "|55=IF|48=IF2701|22=8|54=1", "Replace must keep instrument"),
        ("R5", "|1=C000102|55=IF|48=IF2701|22=8|54=2", "Replace must keep account/side/instrument"),
    ):
        a.send(head.replace("G|", f"G|11={cl_ord_id}|") + changed)
        refused = a.receive()
        assert (refused[35], refused[11], refused[41], refused[37], refused[434], refused[102], refused[39], refused[58]) == (
            "9", cl_ord_id, "R1", ack[37], "2", "2", "0", text,  # FIX 4.2 has no CxlRejReason 99: 2 (broker option)
        )
    # The same G keeping account, side and instrument replaces the order.
    a.send(head.replace("G|", "G|11=R6|") + f"|{IF_BY_TICKER}|54=1")
    replaced = a.receive()
    assert (replaced[35], replaced[150], replaced[11], replaced[41], replaced[38], replaced[44]) == ("8", "5", "R6", "R1", "3", "3791")


# QuickFIX reads up to 8 KiB at a time: what lies beyond stays in the socket, which is what
# makes an order's commit wait for the orders after it (`InboundWatch`).
BEYOND_ONE_READ = 90 * ["0"]  # Heartbeats, about 100 bytes each


def test_orders_sent_together_are_answered_in_order_and_what_follows_sees_them(running):
    """Orders that arrive together share a journal commit; a request that is answered without
    the journal still comes after their answers and sees them."""
    a, b = running
    b.send_together([order(f"P{n}", "2", "1", f"381{n}.0") for n in range(1, 7)] + [
        f"H|11=P4|{IF_BY_TICKER}|54=2",  # the status of the last one accepted
        f"G|11=P7|41=P1|{IF_BY_TICKER}|54=1|21=1|60={stamp()}|38=2|40=2|44=3811.0|77=O",  # P1 with the side changed
    ] + BEYOND_ONE_READ)
    answers = receive_all(b, 8)
    # C000201's funds hold four resting lots: the fifth and sixth are refused by risk.
    assert [(r[35], r[11], r[150]) for r in answers[:6]] == [("8", f"P{n}", "0") for n in range(1, 5)] + [("8", "P5", "8"), ("8", "P6", "8")]
    assert answers[4][58].startswith("Funds: need")
    status, refused = answers[6:]
    assert (status[35], status[11], status[150], status[39], status[151]) == ("8", "P4", "I", "0", "1")  # known and working
    assert (refused[35], refused[11], refused[41], refused[58]) == ("9", "P7", "P1", "Replace must keep side")
    assert b.receive(0.5) is None


def test_an_order_followed_by_an_unfinished_message_is_still_answered(running):
    """The order's commit waits for input that brings no command: a message whose end never
    comes. The order service's lingering thread writes it and the answer goes out."""
    a, b = running
    b.send_together([order("L1", "2", "1", "3850.0")], tail=b"8=FIX.4.4\x019=20000\x0135=D\x01" + 9000 * b"x")
    ack = b.receive(5)
    assert (ack[35], ack[11], ack[150]) == ("8", "L1", "0")


def test_a_status_request_never_overtakes_its_order_while_another_connection_writes(running):
    """Another connection's thread may be committing the journal when an order arrives: the
    order is written along with that batch, and its acknowledgement leaves from that thread.
    A status request right behind the order waits for it, so the client sees the
    acknowledgement first and then the order as known and working, never "unknown order"."""
    a, b = running
    streaming = threading.Event()
    answered: list[int] = []

    def stream() -> None:  # EMSX42 keeps the journal busy: 1,500 orders, 50 at a time (most refused by
        # the rate limit: the core's refusals are journalled too)
        for chunk in range(30):
            a.send_together([order(f"A{chunk}-{n}", "1", "1", "3000.0") for n in range(50)])
            streaming.set()
            answered.append(len(receive_all(a, 50)))

    streamer = threading.Thread(target=stream)
    streamer.start()
    asked = 0
    try:
        assert streaming.wait(10)
        while streamer.is_alive() and asked < 40:  # TOMS44: an order and its status request (40: C000201 may send 50 a second)
            n = asked = asked + 1
            b.send_together([order(f"Q{n}", "1", "1", "3700.0"), f"H|11=Q{n}|{IF_BY_TICKER}|54=1"])
            ack, status = receive_all(b, 2)
            assert (ack[35], ack[11], ack[150]) == ("8", f"Q{n}", "0"), (n, ack.get(58), status)
            assert (status[35], status[11], status[150], status[39]) == ("8", f"Q{n}", "I", "0"), (n, status)
            b.send(f"F|11=X{n}|41=Q{n}|{IF_BY_TICKER}|54=1|60={stamp()}|38=1")  # frees the funds for the next one
            assert b.receive(5)[150] == "4"
    finally:
        streamer.join(60)
    assert answered == [50] * 30
    assert asked >= 10  # asked while the stream was on
