"""Margin call -> forced liquidation through the trading core -> forced trade settled.

C010101 (client of trading member 0101: IF fee 0.000023 x 5 = 0.000115, margin 12% + 5 = 17%),
b/f 200,000.00, buys 1 IF2612 at 3,800 to open on 2026-11-23; the official settlement is 3,700:
  MTM   (3,700 - 3,800) x 1 x 300          = -30,000.00
  fee   3,800 x 300 x 0.000115 = 131.10
  c/f   200,000 - 30,000 - 131.10          = 169,868.90
  margin 3,700 x 300 x 0.17                = 188,700.00 -> margin call 188,700 - 169,868.90 = 18,831.10
On 2026-11-24 the call is unmet: one forced sell of the lot at the lower limit, 3,700 x 0.9 = 3,330.0.
"""

import os
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.domain.enums import OffsetFlag, OrdType, Side
from gateway.core.commands import EndOfDay, NewOrder, SetPhase
from gateway.core.journal import JournalWriter, OrderService, rebuild
from gateway.core.phases import to_nanoseconds
from gateway.core.startofday import load_start_of_day
from gateway.fix.statusfile import GatewayStatus, write_status
from gateway.matching import TradingPhase
from gateway.risk.request import OrderRequest
from settle_venue import settle_a_margin_call

D = Decimal
DAY, NEXT = "2026-11-23", "2026-11-24"
AT_OPEN = datetime(2026, 11, 24, 1, 31, tzinfo=timezone.utc)  # 09:31 Shanghai, after the deadline


@pytest.fixture
def clock(monkeypatch):
    state = {"now": AT_OPEN}
    monkeypatch.setattr("backoffice.cli.clock.now", lambda: state["now"])
    return state


def run_core(url: str, day: date, commands) -> None:
    """Feed commands to the core of `day` (rebuilt from its journal), as the gateway would."""
    engine = make_engine(url)
    with transaction(engine) as session:
        state = load_start_of_day(session, day)
    core = rebuild(engine, state)
    writer = JournalWriter(engine, day, core.ticks)
    service = OrderService(core, writer, lambda *a: None, next_seq=writer.last_seq() + 1)
    for command in commands:
        service.execute(command)
    service.close()
    engine.dispose()


def test_an_unmet_margin_call_is_liquidated_through_the_core_and_settled_as_forced(venue, db_url, tmp_path, clock, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "1 margin call" in settle_a_margin_call(venue, tmp_path, DAY)
    engine = make_engine(db_url)
    with transaction(engine) as session:
        call = session.scalars(select(m.MarginCall).join(m.Account).where(m.Account.code == "C010101")).one()
        assert (call.level, call.amount) == (2, D("18831.10"))
    engine.dispose()

    # before the deadline nothing is liquidated without --force
    clock["now"] = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    early = venue("settle", "liquidate", "--date", NEXT, ok=False)
    assert early.exit_code == 1 and "liquidating earlier needs --force" in early.output
    clock["now"] = AT_OPEN
    # the books must be open: the gateway has not started the day yet
    closed = venue("settle", "liquidate", "--date", NEXT, ok=False)
    assert "do not take orders now" in closed.output
    opened = to_nanoseconds(AT_OPEN)
    run_core(db_url, date(2026, 11, 24), [SetPhase(opened, TradingPhase.CONTINUOUS)])

    # a gateway serving the day writes its journal: the risk desk must not write around it
    status = tmp_path / "var/fix/status.json"
    stamp = datetime.now(timezone.utc).isoformat()
    write_status(status, GatewayStatus(pid=os.getpid(), running=True, trading_day=NEXT, started_at=stamp, updated_at=stamp,
                                       orders=0, trades=0, journal_seq=1, metrics_port=None))
    served = venue("settle", "liquidate", "--date", NEXT, ok=False)
    assert served.exit_code == 1 and f"the gateway (pid {os.getpid()}) is serving {NEXT}" in served.output
    status.unlink()

    out = venue("settle", "liquidate", "--date", NEXT).output
    assert "C010101" in out and "IF2612" in out and "resting in the book (1 lots)" in out
    assert "already submitted" in venue("settle", "liquidate", "--date", NEXT).output  # idempotent
    engine = make_engine(db_url)
    with transaction(engine) as session:
        entry = session.scalars(select(m.JournalEntry).where(m.JournalEntry.kind == "new")).one()
        assert '"f":true' in entry.body and '"p":"3330.0' in entry.body and '"o":"close"' in entry.body
    engine.dispose()

    # a buyer closes its short against the resting forced order; then the day ends and settles
    buy = OrderRequest("C000101", "IF2612", Side.BUY, OffsetFlag.CLOSE, OrdType.LIMIT, D(1), D("3330.0"))
    run_core(db_url, date(2026, 11, 24), [NewOrder(opened + 10_000_000, "EMSX42", "B1", buy), EndOfDay(opened + 20_000_000)])
    venue("settle", "run", "--date", NEXT)
    shown = venue("settle", "show", "--date", NEXT, "--account", "C010101").output
    assert "forced liquidation (close)" in shown
    engine = make_engine(db_url)
    with transaction(engine) as session:
        leg = session.scalars(select(m.TradeLeg).join(m.Account).where(m.Account.code == "C010101", m.TradeLeg.trade_id != "L1")).one()
        assert leg.forced and leg.side == "sell"
        result = session.scalars(
            select(m.SettlementAccount).join(m.Account).join(m.SettlementRun)
            .where(m.Account.code == "C010101", m.SettlementRun.trading_day == date(2026, 11, 24), m.SettlementRun.status == "current")
        ).one()
        # close P&L (3,330 - 3,700) x 1 x 300 = -111,000; fee 3,330 x 300 x 0.000115 = 114.885 -> 114.89
        # c/f 169,868.90 - 111,000 - 114.89 = 58,754.01; no position left, no margin
        assert (result.close_pnl, result.fees, result.balance_cf, result.margin) == (D("-111000.00"), D("114.89"), D("58754.01"), D("0.00"))
    engine.dispose()
