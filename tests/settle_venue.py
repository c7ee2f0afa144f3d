"""A venue for settlement tests driven through the real CLI, and a full database dump.

The worked example of settlement.md needs M = 10, a 12% margin and a 0.5 per lot open fee:
rb (M = 10) gets exchange rates of 9% and 0.1 per lot here, and client C000201 of member
0002 an absolute rb schedule of 12% and 0.5 per lot (the policy floor, 9% + 3 points and
3 x 0.1, is met).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, select

from backoffice.db.engine import make_engine
from paths import VENUE

RB_SAMPLE_RATES = """margin_long = "0.10"
margin_short = "0.10"
fee_open_money = "0.0001"
fee_open_volume = "0"
fee_close_money = "0.0001"
fee_close_volume = "0"
fee_close_today_money = "0.0001"
fee_close_today_volume = "0"
"""
RB_TEST_RATES = """margin_long = "0.09"
margin_short = "0.09"
fee_open_money = "0"
fee_open_volume = "0.1"
fee_close_money = "0"
fee_close_volume = "0.1"
fee_close_today_money = "0"
fee_close_today_volume = "0.1"
"""
WORKED_EXAMPLE_SCHEDULE = """
[[rate_schedule]]
member = "0002"
scope = "client"
target = "C000201"
product = "rb"
mode = "absolute"
margin_long = "0.12"
margin_short = "0.12"
fee_open_money = "0"
fee_open_volume = "0.5"
fee_close_money = "0"
fee_close_volume = "0.5"
fee_close_today_money = "0"
fee_close_today_volume = "0.5"
"""
RESERVES = ("RSV-CFFEX-0001-B", "RSV-SHFE-0001-B", "RSV-CFFEX-0002-B", "RSV-SHFE-0002-B")
PREVIOUS_PRICES = {"IF2612": "3800.0", "cu2701": "68000", "rb2705": "4990", "T2703": "108.500", "au2702": "560.00"}


def worked_example_venue(directory: Path) -> Path:
    text = VENUE.read_text(encoding="utf-8")
    assert text.count(RB_SAMPLE_RATES) == 1
    path = directory / "venue.toml"
    path.write_text(text.replace(RB_SAMPLE_RATES, RB_TEST_RATES) + WORKED_EXAMPLE_SCHEDULE, encoding="utf-8")
    return path


def fund(fixbroker, deposits: dict[str, str], day: str = "2026-11-20") -> None:
    for account, amount in deposits.items():
        fixbroker("cash", "deposit", account, amount, "--reference", f"F-{account}-{amount}", "--date", day)


def set_previous_prices(fixbroker, day: str = "2026-11-20", prices: dict[str, str] = PREVIOUS_PRICES) -> None:
    for instrument, price in prices.items():
        fixbroker("prices", "set", "--date", day, instrument, price)


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


TRADE_HEADER = "trade_id,trading_day,account,instrument,side,offset,price,qty,time"


def settle_a_margin_call(fixbroker, directory: Path, day: str = "2026-11-23") -> str:
    """C010101 buys 1 IF2612 at 3,800 from C000101 on `day` (previous settlement 3,800) and
    the day settles at 3,700: C010101 owes a margin call of 18,831.10 (the arithmetic is in
    test_settlement_liquidate_cli.py). Returns the output of `settle run`."""
    fixbroker("prices", "set", "--date", "2026-11-20", "IF2612", "3800")
    fund(fixbroker, {"C010101": "200000.00", "C000101": "10000000.00", "TM-0001-0101": "1000000.00",
                     "RSV-CFFEX-0001-B": "3000000.00", "RSV-SHFE-0001-B": "3000000.00",
                     "RSV-CFFEX-0002-B": "3000000.00", "RSV-SHFE-0002-B": "3000000.00"})
    fixbroker("trades", "import", str(write_csv(directory / "t.csv", TRADE_HEADER, [
        f"L1,{day},C010101,IF2612,buy,open,3800,1,{day}T14:30:00+08:00",
        f"L1,{day},C000101,IF2612,sell,open,3800,1,{day}T14:30:00+08:00",
    ])))
    fixbroker("prices", "set", "--date", day, "IF2612", "3700")
    return fixbroker("settle", "run", "--date", day).output


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: two equal dumps mean two equal databases."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    found = {}
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            found[name] = sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
    engine.dispose()
    return found
