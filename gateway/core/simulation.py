"""Synthetic venues and order flow, for the benchmark, the recovery tests and the demo.

The flow is what a busy futures venue sees: mostly passive limit orders placed around the
touch, many cancels of working orders, and a minority of aggressive orders that cross the
spread. It is generated from a seed, so a run can be repeated exactly (the recovery test
replays the same stream in memory to know what the killed process must have left behind).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from backoffice.domain.enums import AccountStatus, ClosePriority, OffsetFlag, SettlementPriceRule, Side
from backoffice.domain.instruments import ContractTerms, Exchange, Instrument
from backoffice.domain.rates import RateSet
from gateway.matching import TradingPhase
from gateway.risk.request import OrderRequest, OrdType
from gateway.risk.state import AccountState, RiskLimits, StartOfDayState

from .commands import Cancel, Command, NewOrder, SetPhase

SYNTHETIC_RATES = RateSet(
    margin_long=Decimal("0.15"), margin_short=Decimal("0.15"),
    fee_open_money=Decimal("0.000069"), fee_open_volume=Decimal(0),
    fee_close_money=Decimal("0.000069"), fee_close_volume=Decimal(0),
    fee_close_today_money=Decimal("0.001035"), fee_close_today_volume=Decimal(0),
)


def synthetic_state(trading_day: date, instruments: int = 20, accounts: int = 200) -> StartOfDayState:
    """A CFFEX-like venue of `instruments` index futures and well-funded accounts."""
    exchange = Exchange("SIM", "Synthetic exchange", "Asia/Shanghai", False, ClosePriority.YESTERDAY_FIRST, True)
    terms = ContractTerms("CNY", Decimal(300), Decimal("0.2"), Decimal("0.10"), 100, 1_000_000, SettlementPriceRule.LAST_HOUR_VWAP, False)
    listed = {
        f"SIM{n:02d}": Instrument(f"SIM{n:02d}", "SIM", "SIM", date(2020, 1, 1), date(2099, 12, 31), terms)
        for n in range(instruments)
    }
    return StartOfDayState(
        trading_day=trading_day,
        exchanges={"SIM": exchange},
        instruments=listed,
        previous_settlement={code: Decimal("4000.0") for code in listed},
        accounts={
            f"A{n:05d}": AccountState(f"A{n:05d}", f"M{n % 10:02d}", AccountStatus.ACTIVE, Decimal("1000000000000.00"), {"SIM": SYNTHETIC_RATES})
            for n in range(accounts)
        },
        limits=RiskLimits(max_orders_per_second=1_000_000, max_cancels_per_day=1_000_000),
    )


@dataclass(frozen=True)
class FlowMix:
    """Percentages of the flow; the rest (10% by default) are aggressive orders."""

    passive: int = 60
    cancel: int = 30


def order_flow(
    state: StartOfDayState, count: int, *, seed: int = 7, start_ns: int = 0, sessions: dict[str, str] | None = None,
    mix: FlowMix = FlowMix(), instruments: list[str] | None = None, step_ns: int = 1_000,
) -> Iterator[Command]:
    """`count` commands (after opening the books): adds, cancels and aggressive orders.

    `sessions` maps account -> FIX session name (default: one session per account);
    commands are `step_ns` apart (mind the per-account order-rate throttle).
    """
    rng = random.Random(seed)
    codes = instruments or sorted(code for code in state.instruments if code in state.previous_settlement)
    accounts = sorted(sessions or state.accounts)
    session_of = sessions or {a: f"S-{a}" for a in accounts}
    working: list[tuple[str, str]] = []  # (session, ClOrdID) of orders that may still be live
    time = start_ns
    yield SetPhase(time, TradingPhase.CONTINUOUS)
    for n in range(count):
        time += step_ns
        draw = rng.randrange(100)
        if draw < mix.cancel and working:
            session, cl_ord_id = working.pop(rng.randrange(len(working)))
            yield Cancel(time, session, f"X{n}", cl_ord_id)
            continue
        code = rng.choice(codes)
        instrument = state.instruments[code]
        tick = instrument.terms.tick_size
        mid = state.previous_settlement[code]
        account = rng.choice(accounts)
        side = Side.BUY if rng.randrange(2) else Side.SELL
        sign = -1 if side is Side.BUY else 1
        if draw < mix.cancel + mix.passive:
            price = mid + sign * tick * rng.randint(1, 20)  # rests away from the touch
        else:
            price = mid - sign * tick * rng.randint(1, 10)  # crosses the spread
        request = OrderRequest(account, code, side, OffsetFlag.OPEN, OrdType.LIMIT, Decimal(rng.randint(1, 5)), price)
        cl_ord_id = f"N{n}"
        working.append((session_of[account], cl_ord_id))
        yield NewOrder(time, session_of[account], cl_ord_id, request)
