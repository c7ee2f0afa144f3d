"""The calendar-driven phase schedule, as the gateway runs it without --phase, on a simulated
clock: the real PhaseDriver thread, the sample venue's IF2612 trading hours and calendar, a
real TradingCore behind a stand-in for the order service (it runs each command on the core at
once, without a journal).

IF2612 (index hours, 09:30-11:30 and 13:00-15:00 Shanghai, 5-minute call auction before the
open): previous settlement 3800.0, tick 0.2. In the auction a buy at 3801.0 and a sell at
3799.0 both rest; the uncross at 09:30 prints one lot at a single price between them; an order
sent in the 11:30-13:00 break is rejected as TRADING_BREAK, i.e. FIX OrdRejReason 2
(exchange closed). After the 15:00 close the driver closes the trading day (EndOfDay: DAY
orders expire), once, and only with every book CLOSED; a forced phase never closes it.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backoffice.db.engine import make_engine, transaction
from backoffice.domain.enums import OffsetFlag, Side
from backoffice.refdata.repository import load_calendar
from gateway.core.commands import Command, EndOfDay, NewOrder, SetPhase
from gateway.core.phases import phase_commands, to_nanoseconds
from gateway.core.service import TradingCore
from gateway.core.startofday import load_start_of_day
from gateway.fix.phasedriver import PhaseDriver
from gateway.fix.refusals import MATCHING_REASONS
from gateway.fix.store import load_trading_hours
from gateway.matching import Accepted, Expired, Rejected, Trade, TradingPhase
from gateway.matching.events import RejectReason
from gateway.matching.states import OrderStatus
from gateway.risk.codes import OrdRejReason
from gateway.risk.request import OrderRequest, OrdType
from gateway_harness import DAY, build_venue_db

SH = ZoneInfo("Asia/Shanghai")
IF = "IF2612"


def at(hour: int, minute: int) -> int:
    return to_nanoseconds(datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=SH))


class SimulatedClock:
    """Wall time the test sets; the driver's pauses are short real sleeps in between."""

    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns

    def __call__(self) -> int:
        return self.now_ns

    @staticmethod
    def pause(milliseconds: int) -> None:
        time.sleep(0.001)


class CoreService:
    """Stands in for OrderService: runs each command on the core and keeps its outputs."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.lock = threading.Lock()
        self.outputs: list[tuple[Command, list]] = []

    def execute(self, command: Command) -> list:
        with self.lock:
            outputs = self.core.handle(command)
            self.outputs.append((command, outputs))
            return outputs


@pytest.fixture
def day(tmp_path):
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    build_venue_db(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        calendar = load_calendar(session)
        state = load_start_of_day(session, DAY)
        hours = load_trading_hours(session, [IF])
    engine.dispose()
    core = TradingCore(state)
    return core, CoreService(core), phase_commands(calendar, hours, DAY)


def wait_for_phase(core: TradingCore, phase: TradingPhase, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while core.books[IF].phase is not phase:
        assert time.monotonic() < deadline, f"{IF} still {core.books[IF].phase}, expected {phase}"
        time.sleep(0.002)


def order(cl_ord_id: str, account: str, side: Side, price: str, now: int) -> NewOrder:
    request = OrderRequest(account, IF, side, OffsetFlag.OPEN, OrdType.LIMIT, Decimal(1), Decimal(price))
    session = "EMSX42" if account.startswith("C0001") else "TOMS44"
    return NewOrder(now, session, cl_ord_id, request)


def test_auction_orders_rest_the_open_uncrosses_and_a_break_rejects(day):
    core, service, schedule = day
    if_schedule = [(c.time, c.phase) for c in schedule if c.instrument == IF]
    assert if_schedule == [
        (at(9, 25), TradingPhase.PRE_OPEN), (at(9, 30), TradingPhase.CONTINUOUS), (at(11, 30), TradingPhase.BREAK),
        (at(13, 0), TradingPhase.CONTINUOUS), (at(15, 0), TradingPhase.CLOSED),
    ]
    clock = SimulatedClock(at(9, 27))
    driver = PhaseDriver(service, schedule, lambda code: core.books[code].phase, clock, pause=clock.pause)
    driver.start()  # catches up with the calendar: in the call auction at 09:27
    try:
        wait_for_phase(core, TradingPhase.PRE_OPEN)
        bought = service.execute(order("AUC-B", "C000101", Side.BUY, "3801.0", clock()))
        sold = service.execute(order("AUC-S", "C000201", Side.SELL, "3799.0", clock()))
        # Both rest: accepted, and nothing trades during the auction.
        assert [type(o) for o in bought] == [Accepted] and [type(o) for o in sold] == [Accepted]

        clock.now_ns = at(9, 30)  # the open: the driver uncrosses the book
        wait_for_phase(core, TradingPhase.CONTINUOUS)
        with service.lock:
            opening = [o for command, outputs in service.outputs for o in outputs if isinstance(o, Trade)]
        assert len(opening) == 1 and opening[0].qty == 1
        tick = Decimal("0.2")
        price = opening[0].price * tick  # the book works in ticks of 0.2
        assert Decimal("3799.0") <= price <= Decimal("3801.0")

        clock.now_ns = at(11, 31)  # the lunch break
        wait_for_phase(core, TradingPhase.BREAK)
        refused = service.execute(order("BRK-B", "C000101", Side.BUY, "3800.0", clock()))
        rejects = [o for o in refused if isinstance(o, Rejected)]
        assert len(rejects) == 1 and rejects[0].reason is RejectReason.TRADING_BREAK
        assert MATCHING_REASONS[rejects[0].reason][0] is OrdRejReason.EXCHANGE_CLOSED  # 103=2 on the wire

        clock.now_ns = at(13, 0)
        wait_for_phase(core, TradingPhase.CONTINUOUS)
    finally:
        driver.stop()
    phases = [command.phase for command, _ in service.outputs if getattr(command, "instrument", None) == IF and hasattr(command, "phase")]
    assert phases == [TradingPhase.PRE_OPEN, TradingPhase.CONTINUOUS, TradingPhase.BREAK, TradingPhase.CONTINUOUS]


def test_a_restart_mid_session_catches_up_without_repeating_phases(day):
    core, service, schedule = day
    clock = SimulatedClock(at(10, 0))
    driver = PhaseDriver(service, schedule, lambda code: core.books[code].phase, clock, pause=clock.pause)
    driver.catch_up()
    assert core.books[IF].phase is TradingPhase.CONTINUOUS
    driver.catch_up()  # already there: nothing more is sent
    assert [c.phase for c, _ in service.outputs if getattr(c, "instrument", None) == IF] == [TradingPhase.CONTINUOUS]


def closing_driver(core: TradingCore, service: CoreService, schedule: list[SetPhase], clock: SimulatedClock) -> PhaseDriver:
    """The driver as the gateway builds it: it may close the day, and watches every book."""
    return PhaseDriver(
        service, schedule, lambda code: core.books[code].phase, clock, pause=clock.pause,
        day_closed=lambda: core.closed, books=sorted(core.books),
    )


def commands_sent(service: CoreService) -> list[Command]:
    with service.lock:
        return [command for command, _ in service.outputs]


def wait_until(condition, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.002)


def test_the_thread_follows_only_the_changes_still_to_come(day):
    core, service, schedule = day
    clock = SimulatedClock(at(10, 0))
    driver = closing_driver(core, service, schedule, clock)
    driver.start()
    try:
        time.sleep(0.05)  # the thread runs: the 09:25 auction and the 09:30 open are past, not replayed
        assert [(c.instrument, c.phase) for c in commands_sent(service)] == [(IF, TradingPhase.CONTINUOUS)]
        clock.now_ns = at(11, 30)
        wait_for_phase(core, TradingPhase.BREAK)
    finally:
        driver.stop()
    assert [c.phase for c in commands_sent(service)] == [TradingPhase.CONTINUOUS, TradingPhase.BREAK]


def test_the_day_closes_once_after_the_last_change_and_expires_day_orders(day):
    core, service, schedule = day
    clock = SimulatedClock(at(14, 50))
    driver = closing_driver(core, service, schedule, clock)
    driver.start()
    try:
        wait_for_phase(core, TradingPhase.CONTINUOUS)
        resting = service.execute(order("DAY-B", "C000101", Side.BUY, "3790.0", clock()))
        assert [type(o) for o in resting] == [Accepted]
        clock.now_ns = at(14, 59) + 59_000_000_000  # 14:59:59: not yet
        time.sleep(0.05)
        assert not core.closed and not any(isinstance(c, EndOfDay) for c in commands_sent(service))
        clock.now_ns = at(15, 0)
        wait_until(lambda: core.closed)
        time.sleep(0.05)  # nothing follows the close
    finally:
        driver.stop()
    sent = commands_sent(service)
    assert [type(c) for c in sent] == [SetPhase, NewOrder, SetPhase, EndOfDay]
    assert (sent[2].phase, sent[3].time) == (TradingPhase.CLOSED, at(15, 0))
    with service.lock:
        close_outputs = service.outputs[-1][1]
    assert [(type(o), o.order_id) for o in close_outputs] == [(Expired, resting[0].order_id)]
    driver.catch_up()  # e.g. a second start: the day is closed, nothing more happens
    assert len(commands_sent(service)) == 4


def test_a_start_after_the_schedule_closes_at_once(day):
    core, service, schedule = day
    core.handle(SetPhase(at(10, 0), TradingPhase.CONTINUOUS, IF))  # the journal of a gateway that stopped mid-session
    resting = core.handle(order("DAY-S", "C000201", Side.SELL, "3810.0", at(10, 1)))
    clock = SimulatedClock(at(16, 0))
    driver = closing_driver(core, service, schedule, clock)
    driver.start()  # catches up (CLOSED) and closes before it returns: no thread is left to run
    driver.stop()
    sent = commands_sent(service)
    assert [(type(c), getattr(c, "phase", None)) for c in sent] == [(SetPhase, TradingPhase.CLOSED), (EndOfDay, None)]
    assert core.closed and core.orders[resting[0].order_id].status is OrderStatus.EXPIRED


def test_a_journal_already_closed_is_left_alone(day):
    core, service, schedule = day
    core.handle(EndOfDay(at(15, 1)))  # replayed from the journal: a restart after the close
    for now in (at(10, 0), at(16, 0)):  # even when the calendar would have the books open
        driver = closing_driver(core, service, schedule, SimulatedClock(now))
        driver.start()
        driver.stop()
    assert commands_sent(service) == []
    assert core.books[IF].phase is TradingPhase.CLOSED


def test_no_close_while_a_book_is_not_closed(day):
    core, service, schedule = day
    core.handle(SetPhase(at(10, 0), TradingPhase.CONTINUOUS, "T2703"))  # a book the schedule does not drive
    driver = closing_driver(core, service, schedule, SimulatedClock(at(16, 0)))
    driver.start()
    driver.stop()
    assert not core.closed and not any(isinstance(c, EndOfDay) for c in commands_sent(service))


def test_a_forced_phase_never_closes_the_day(day):
    core, service, schedule = day
    clock = SimulatedClock(at(16, 0))  # long after the schedule's last change
    driver = closing_driver(core, service, schedule, clock)
    driver.force(TradingPhase.CONTINUOUS, sorted(core.books))
    time.sleep(0.05)
    assert not core.closed
    assert {type(c) for c in commands_sent(service)} == {SetPhase}
    assert all(book.phase is TradingPhase.CONTINUOUS for book in core.books.values())
