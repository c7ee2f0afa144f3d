"""`fixbroker eod run`: settlement then statements, stopping at the first failure."""

from datetime import date
from decimal import Decimal

from backoffice.db.engine import make_engine, transaction
from backoffice.domain.enums import OffsetFlag, OrdType, Side
from gateway.core.commands import NewOrder, SetPhase
from gateway.core.journal import JournalWriter, OrderService
from gateway.core.service import TradingCore
from gateway.core.startofday import load_start_of_day
from gateway.matching import TradingPhase
from gateway.risk.request import OrderRequest
from settle_venue import fund, set_previous_prices

DAY = "2026-11-23"


def open_a_day_without_closing_it(url: str) -> None:
    """One order journalled for DAY, and no end of day: DAY orders may still be working."""
    engine = make_engine(url)
    with transaction(engine) as session:
        state = load_start_of_day(session, date.fromisoformat(DAY))
    core = TradingCore(state)
    writer = JournalWriter(engine, state.trading_day, core.ticks)
    service = OrderService(core, writer, lambda *a: None, next_seq=writer.last_seq() + 1)
    request = OrderRequest("C000101", "IF2612", Side.BUY, OffsetFlag.OPEN, OrdType.LIMIT, Decimal(1), Decimal("3790.0"))
    service.execute(SetPhase(1_795_400_000_000_000_000, TradingPhase.CONTINUOUS))
    service.execute(NewOrder(1_795_400_000_000_000_001, "EMSX42", "B1", request))
    service.close()
    engine.dispose()
ACCOUNTS = ("C000101", "C000102", "C000201", "C000202", "C010101", "P0001", "TM-0001-0101",
            "RSV-CFFEX-0001-B", "RSV-SHFE-0001-B", "RSV-CFFEX-0002-B", "RSV-SHFE-0002-B",
            "RSV-CFFEX-0001-P", "RSV-SHFE-0001-P", "RSV-CFFEX-0002-P", "RSV-SHFE-0002-P")


def test_the_batch_settles_then_writes_every_clients_statements(venue, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    set_previous_prices(venue)
    fund(venue, {code: "200000000.00" for code in ACCOUNTS})
    venue("market", "simulate", "--date", DAY, "--orders", "300")
    out = venue("eod", "run", "--date", DAY).output
    assert "settled 2026-11-23 as run 1" in out and "settle: done" in out and "statements: done" in out
    written = sorted(p.relative_to(tmp_path / "var/statements" / DAY).as_posix() for p in (tmp_path / "var/statements" / DAY).rglob("*.json"))
    assert written == ["0001/C000101.json", "0001/C000102.json", "0001/P0001.json", "0001/TM-0001-0101.json",
                       "0002/C000201.json", "0002/C000202.json", "0101/C010101.json"]


def test_an_unclosed_day_stops_the_batch_before_statements(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    set_previous_prices(venue)
    fund(venue, {"C000101": "1000000.00"})
    open_a_day_without_closing_it(db_url)
    result = venue("eod", "run", "--date", DAY, ok=False)
    assert result.exit_code == 1
    assert "settle: FAILED" in result.output and "end of day 2026-11-23 stopped at settle" in result.output
    assert "statements:" not in result.output
    assert not (tmp_path / "var" / "statements").exists()
