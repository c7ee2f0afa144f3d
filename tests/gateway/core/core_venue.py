"""The sample venue in a database with prices and deposits, as the core tests start from it."""

from datetime import date, datetime, timezone
from decimal import Decimal

from backoffice.db import migrate
from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.refdata.loader import load_venue
from backoffice.refdata.venue import parse_venue
from paths import VENUE

DAY = date(2026, 11, 23)  # a Monday
STEP = 50_000_000  # 50 ms between commands: 20 orders/s, under the per-account throttle
PREVIOUS = date(2026, 11, 20)
PRICES = {"IF2612": "3800.0", "cu2701": "68000", "rb2705": "3500", "T2703": "108.500", "au2702": "560.00"}
DEPOSITS = {"C000101": "1000000.00", "C000102": "5000000.00", "C000201": "800000.00", "C000202": "3000000.00",
            "C010101": "50000.00", "P0001": "20000000.00",
            "RSV-CFFEX-0001-B": "3000000.00", "RSV-SHFE-0001-B": "3000000.00",
            "RSV-CFFEX-0002-B": "3000000.00", "RSV-SHFE-0002-B": "3000000.00", "TM-0001-0101": "1000000.00"}


def build_venue_db(url: str, deposits: dict[str, str] = DEPOSITS) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    text = VENUE.read_text()
    spec, issues = parse_venue(text)
    assert not issues
    now = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
    with transaction(engine) as session:
        load_venue(session, spec, source="venue.toml", content=text.encode(), operator="test")
        instruments = {i.code: i.id for i in session.query(m.Instrument)}
        for code, price in PRICES.items():
            session.add(m.SettlementPrice(instrument_id=instruments[code], trading_day=PREVIOUS, price=Decimal(price),
                                          source="official", detail="test", recorded_at=now, operator="test"))
        accounts = {a.code: a.id for a in session.query(m.Account)}
        for i, (code, amount) in enumerate(deposits.items()):
            session.add(m.CashMovement(account_id=accounts[code], business_date=PREVIOUS, direction="deposit",
                                       amount=Decimal(amount), reference=f"D{i}", operator="test", note="", recorded_at=now))
    engine.dispose()
