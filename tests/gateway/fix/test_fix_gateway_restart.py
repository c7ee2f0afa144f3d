"""The gateway SIGKILLed in the middle of a burst and restarted: nothing a client was told is
lost. Every order a client saw acknowledged is in the rebuilt core with the OrderID it was
told, every fill it saw is a trade leg in the database, no ExecID is ever sent twice for two
different events, and the sessions resume with their sequence numbers (QuickFIX FileStore).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from gateway.core.journal import rebuild
from gateway.core.startofday import load_start_of_day
from gateway_harness import DAY, Client, GatewayProcess, free_port, new_order, prepare_venue, write_config

pytestmark = pytest.mark.slow
N = 12


def test_sigkill_and_restart_lose_no_acknowledged_order_or_fill(tmp_path):
    port = free_port()
    url = prepare_venue(tmp_path, port)
    write_config(tmp_path)
    gateway = GatewayProcess(tmp_path, url, port)
    gateway.start()
    a = Client(tmp_path, port, "EMSX42")
    b = Client(tmp_path, port, "TOMS44")
    try:
        a.expect("LOGON")
        b.expect("LOGON")
        # N resting buys from A (C000102) at 3790.0, 3790.2, ..., then B (C000202) sells into
        # them at 3790.0 while the gateway is killed. Margin of one lot is about 3790 x 300 x
        # 17% = 193k: C000102 (5m) and C000202 (3m) can each take N = 12.
        for n in range(N):
            a.send(new_order(f"A{n}", "1", "1", f"{3790 + n // 5}.{(n % 5) * 2}", account="C000102"))
        for n in range(N):
            a.expect("APP", where={35: "8", 11: f"A{n}", 150: "0"})
        for n in range(N):
            b.send(new_order(f"B{n}", "2", "1", "3790.0", account="C000202", instrument="48=IF2612|22=8"))
        time.sleep(0.05)
        gateway.kill()
        a.drain(1)
        b.drain(1)
        gateway.start()
        a.expect("LOGON", seconds=30)
        b.expect("LOGON", seconds=30)
        # After the restart, B tries the rest again (PossResend: known ones answer with their status).
        for n in range(N):
            b.send(new_order(f"B{n}", "2", "1", "3790.0", account="C000202", instrument="48=IF2612|22=8", extra="97=Y"))
        for n in range(N):
            b.expect("APP", where={35: "8", 11: f"B{n}"})
        a.drain(1)
        b.drain(1)
        assert gateway.terminate() == 0
    finally:
        a.quit()
        b.quit()

    received = a.received + b.received
    acked = {(r[11], r[37]) for r in received if r.get(150) == "0"}
    fills = {r[17]: r for r in received if r.get(150) in ("1", "2", "F")}
    engine = make_engine(url)
    with transaction(engine) as session:
        state = load_start_of_day(session, DAY)
        legs = session.execute(select(m.TradeLeg.order_id, m.TradeLeg.side)).all()
    core = rebuild(engine, state)
    engine.dispose()
    # Every acknowledged order is in the journal with the OrderID the client was told.
    for cl_ord_id, order_id in acked:
        assert order_id in core.orders and cl_ord_id in core.orders[order_id].history
    # Every fill a client saw is a trade leg (ExecID <seq>-<index>-B|S names its side).
    leg_set = {(order_id, side) for order_id, side in legs}
    for exec_id, report in fills.items():
        assert (report[37], "buy" if exec_id.endswith("-B") else "sell") in leg_set
    # ExecIDs: one event, one ExecID (a resent copy carries PossDup and the same content).
    by_exec_id: dict[str, tuple] = {}
    for r in received:
        if 17 in r and not r[17].startswith("G"):
            key = (r[37], r[150], r.get(14), r.get(151))
            assert by_exec_id.setdefault(r[17], key) == key
    # The buys were all filled in the end: N sells of 1 lot against N buys of 1 lot.
    assert len(legs) == 2 * N
    assert sum(1 for o in core.orders.values() if o.cum_qty == 1) == 2 * N
