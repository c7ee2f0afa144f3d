"""A small venue for the risk tests: three exchange styles, one contract each, four accounts.

CFFEX IF2612: multiplier 300, tick 0.2, limits 10%, previous settlement 3800.0 -> band 3420.0-4180.0
SHFE cu2701:  multiplier 5, tick 10, limits 7%, previous settlement 68130 -> band 63370-72890
              (close-today and close-yesterday distinct)
DCE m2701:    multiplier 10, tick 1, limits 5%, previous settlement 3000 -> band 2850-3150
              (plain close, yesterday's lots first)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

import pytest

from backoffice.domain.enums import AccountStatus, ClosePriority, OffsetFlag, PositionDirection, SettlementPriceRule, Side
from backoffice.domain.instruments import ContractTerms, Exchange, Instrument
from backoffice.domain.rates import RateSet
from gateway.risk.engine import RiskEngine
from gateway.risk.request import OrderRequest, OrdType
from gateway.risk.state import AccountState, CarriedPosition, RiskLimits, StartOfDayState

D = Decimal
TRADING_DAY = date(2026, 12, 1)
T0 = datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc)  # 09:30 Shanghai

EXCHANGES = {
    "CFFEX": Exchange("CFFEX", "China Financial Futures Exchange", "Asia/Shanghai", False, ClosePriority.TODAY_FIRST, True),
    "SHFE": Exchange("SHFE", "Shanghai Futures Exchange", "Asia/Shanghai", True, ClosePriority.YESTERDAY_FIRST, False),
    "DCE": Exchange("DCE", "Dalian Commodity Exchange", "Asia/Shanghai", False, ClosePriority.YESTERDAY_FIRST, False),
}


def terms(multiplier: str, tick: str, pct: str, max_order: int, position_limit: int) -> ContractTerms:
    return ContractTerms("CNY", D(multiplier), D(tick), D(pct), max_order, position_limit, SettlementPriceRule.WHOLE_DAY_VWAP, False)


INSTRUMENTS = {
    "IF2612": Instrument("IF2612", "CFFEX", "IF", date(2026, 4, 20), date(2026, 12, 18), terms("300", "0.2", "0.10", 20, 10)),
    "IF2611": Instrument("IF2611", "CFFEX", "IF", date(2026, 3, 23), date(2026, 11, 20), terms("300", "0.2", "0.10", 20, 10)),
    "cu2701": Instrument("cu2701", "SHFE", "cu", date(2026, 1, 16), date(2027, 1, 15), terms("5", "10", "0.07", 500, 100)),
    "m2701": Instrument("m2701", "DCE", "m", date(2026, 1, 15), date(2027, 1, 14), terms("10", "1", "0.05", 1000, 100)),
}

PREVIOUS_SETTLEMENT = {"IF2612": D("3800.0"), "IF2611": D("3790.0"), "cu2701": D("68130"), "m2701": D("3000")}

RATES = {
    # margin 15% long / 16% short; fee 0.23 per 10,000 of value, close-today ten times that
    "IF": RateSet(D("0.15"), D("0.16"), D("0.000023"), D(0), D("0.000023"), D(0), D("0.00023"), D(0)),
    # margin 10%; fee 0.5 per 10,000 of value + 1.00 per lot, close-today 1 per 10,000, no per-lot part
    "cu": RateSet(D("0.10"), D("0.10"), D("0.00005"), D(1), D("0.00005"), D(1), D("0.0001"), D(0)),
    # margin 8%; fee per lot only: 1.50 open and close, 0.75 close-today
    "m": RateSet(D("0.08"), D("0.08"), D(0), D("1.5"), D(0), D("1.5"), D(0), D("0.75")),
}


def account(code: str, member: str, status: AccountStatus = AccountStatus.ACTIVE, balance: str = "1000000.00") -> AccountState:
    return AccountState(code, member, status, D(balance), RATES)


ACCOUNTS = {
    "C1": account("C1", "M1"),
    "C2": account("C2", "M2"),
    "C3": account("C3", "M1", AccountStatus.HALTED),
    "C4": account("C4", "M1", AccountStatus.CLOSED),
}


def make_state(**overrides: Any) -> StartOfDayState:
    values: dict[str, Any] = dict(
        trading_day=TRADING_DAY,
        exchanges=EXCHANGES,
        instruments=INSTRUMENTS,
        previous_settlement=PREVIOUS_SETTLEMENT,
        accounts=ACCOUNTS,
        limits=RiskLimits(max_orders_per_second=5, max_cancels_per_day=3),
    )
    values.update(overrides)
    return StartOfDayState(**values)


def _carried(account: str, instrument: str, direction: PositionDirection, qty: int, margin: str) -> CarriedPosition:
    return CarriedPosition(account, instrument, direction, qty, D(margin))


def _order(
    instrument: str = "IF2612",
    side: Side = Side.BUY,
    offset: OffsetFlag = OffsetFlag.OPEN,
    qty: str | int = 1,
    price: str | None = "3800.0",
    *,
    account: str = "C1",
    ord_type: OrdType | None = None,
    stop_price: str | None = None,
    **extra: Any,
) -> OrderRequest:
    if ord_type is None:
        ord_type = OrdType.LIMIT if price is not None else OrdType.MARKET
    return OrderRequest(
        account=account,
        instrument=instrument,
        side=side,
        offset=offset,
        ord_type=ord_type,
        qty=D(qty),
        price=None if price is None else D(price),
        stop_price=None if stop_price is None else D(stop_price),
        **extra,
    )


@pytest.fixture
def build() -> Callable[..., RiskEngine]:
    """build(**state overrides) -> a fresh engine for the test venue."""
    return lambda **overrides: RiskEngine(make_state(**overrides))


@pytest.fixture
def engine() -> RiskEngine:
    return RiskEngine(make_state())


@pytest.fixture
def clock() -> Callable[[int], datetime]:
    """clock(ms) -> T0 + ms milliseconds (default a distinct second per call, clear of the throttle)."""
    ticks = iter(range(0, 10**9, 1000))
    return lambda ms=None: T0 + timedelta(milliseconds=next(ticks) if ms is None else ms)


@pytest.fixture
def order() -> Callable[..., OrderRequest]:
    """order(instrument, side, offset, qty, price, account=..., ord_type=..., ...) -> OrderRequest."""
    return _order


@pytest.fixture
def carry() -> Callable[..., CarriedPosition]:
    """carry(account, instrument, direction, qty, margin) -> CarriedPosition."""
    return _carried
