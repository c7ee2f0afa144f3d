"""Settlement-core results the statement tests start from: the reference worked example and a
busier day with carried lots, a close, a forced liquidation, cash and a margin call.
(A module of its own: `conftest` is not importable by name when several exist.)"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.rates import RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.settlement.results import AccountResult
from backoffice.statements.build import InstrumentRef
from backoffice.statements.model import CashKind, CashRow

D = Decimal
DAY = date(2026, 11, 20)
CREATED = date(2026, 11, 20)
SH = ZoneInfo("Asia/Shanghai")
MEMBER = ("0188", "明远期货有限公司")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), SH)


# The reference worked example: margin 12%, open fee 0.5 per lot, M = 10.
X_RATES = RateSet(D("0.12"), D("0.12"), D(0), D("0.5"), D(0), D("0.5"), D(0), D("1.5"))
X_REF = {"X2612": InstrumentRef("CFFEX", "X", D(10))}


def worked_example_result() -> AccountResult:
    # b/f 1,000,000.00; buy 2 @ 5,000 to open, M = 10; settlement 5,030
    inst = InstrumentDay("X2612", "X", D(10), D(4990), D(5030), False, False, ClosePriority.TODAY_FIRST)
    line = TradeLine("C0001", "T0001", "X2612", Side.BUY, OffsetFlag.OPEN, D(5000), 2, at(10))
    opening = AccountOpening("C0001", D("1000000.00"), D(0), D(0), {"X": X_RATES})
    return settle_level(LevelInput(DAY, {"X2612": inst}, [opening], [], [line])).accounts[0]


# A busier day: IF (CFFEX, M = 300) and cu (SHFE, M = 5).
BUSY_INSTRUMENTS = {
    "IF2612": InstrumentDay("IF2612", "IF", D(300), D("3900.0"), D("3950.2"), False, False, ClosePriority.TODAY_FIRST),
    "cu2701": InstrumentDay("cu2701", "cu", D(5), D(78000), D(78500), False, True, ClosePriority.YESTERDAY_FIRST),
}
BUSY_REF = {"IF2612": InstrumentRef("CFFEX", "IF", D(300)), "cu2701": InstrumentRef("SHFE", "cu", D(5))}
BUSY_RATES = {
    # IF: margin 15%, fee 0.23 per 10,000 of value open/close, 3.45 per 10,000 close today
    "IF": RateSet(D("0.15"), D("0.15"), D("0.000023"), D(0), D("0.000023"), D(0), D("0.000345"), D(0)),
    # cu: margin 10%, fee 3 per lot open/close, 6 per lot close today
    "cu": RateSet(D("0.10"), D("0.10"), D(0), D(3), D(0), D(3), D(0), D(6)),
}


def busy_result() -> AccountResult:
    lots = [Lot("C0002", "IF2612", PositionDirection.LONG, date(2026, 11, 18), D("3880.0"), 3, "T0901")]
    trades = [
        TradeLine("C0002", "T1001", "IF2612", Side.SELL, OffsetFlag.CLOSE, D("3960.0"), 1, at(9, 45)),
        TradeLine("C0002", "T1002", "cu2701", Side.SELL, OffsetFlag.OPEN, D(78600), 2, at(10, 5)),
        TradeLine("C0002", "T1003", "cu2701", Side.BUY, OffsetFlag.CLOSE_TODAY, D(78400), 1, at(14, 50), forced=True),
    ]
    opening = AccountOpening("C0002", D("300000.00"), D("50000.00"), D("20000.00"), BUSY_RATES)
    return settle_level(LevelInput(DAY, BUSY_INSTRUMENTS, [opening], lots, trades)).accounts[0]


BUSY_CASH = (
    CashRow(DAY, CashKind.DEPOSIT, D("50000.00"), "银行转入 bank transfer in"),
    CashRow(DAY, CashKind.WITHDRAWAL, D("20000.00"), "银行转出 bank transfer out"),
)
