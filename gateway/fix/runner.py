"""One gateway process: the day's core rebuilt from the journal, the acceptor, its helpers.

`Gateway.start` loads everything it will need from the database once (start-of-day state,
sessions, symbology, calendar and trading hours), replays the day's journal into a fresh
core, and only then opens the acceptor, so the first order already meets the state the last
run left. The clock is the real one or a rehearsal's (`clock.py`): every time the gateway
trades at comes from it, and on it the phase driver closes the trading day once the calendar's
last session has ended. `Gateway.stop` logs every session out, drains the journal (each
pending command is written and its answers released), then stops the acceptor: answers that
find a session logged out stay in its FileStore and reach the client through its next
ResendRequest.

The order service journals each order on the QuickFIX thread that received it and answers it
from there (`writer_thread=False`): handing every order to a writer thread, and the two threads
trading the interpreter lock on each call into QuickFIX, cost more than the commit itself.
While a client's next orders are already waiting in its socket (`inbound.InboundWatch`), an
order's commit waits for theirs: one commit for the lot.
The acceptor starts under the interpreter settings of `interpreter.Serving` (a shorter switch
interval, the loaded day frozen out of the garbage collector, no full collection while
serving); `stop` gives the settings back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import quickfix as fix
from sqlalchemy import Engine, func, select

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.refdata.repository import load_calendar
from gateway.core.journal import JournalWriter, OrderService, rebuild
from gateway.core.phases import phase_commands
from gateway.core.startofday import DEFAULT_LIMITS, load_start_of_day
from gateway.matching import TradingPhase
from gateway.risk.state import RiskLimits

from .application import GatewayApplication, SessionTable
from .clock import GatewayClock, Rehearsal
from .interpreter import Serving
from .logsink import MaskingLogFactory
from .metrics import GatewayMetrics
from .phasedriver import PhaseDriver
from .settings import build_session_settings
from .statusfile import GatewayStatus, SessionStatus, write_status
from .store import load_session_profiles, load_symbology, load_trading_hours

log = logging.getLogger("fixbroker.gateway")

LOGOUT_WAIT_SECONDS = 3
POLL_SECONDS = 1 / 20


@dataclass(frozen=True)
class GatewayOptions:
    host: dict[str, str]  # gateway.cfg [DEFAULT], merged with the defaults
    trading_day: date | None = None  # None: the calendar's trading day of now (on the gateway's clock)
    phase: TradingPhase | None = None  # forced phase instead of the calendar's schedule (the day is not closed)
    rehearsal: Rehearsal | None = None  # None: the real clock
    status_file: Path = Path("var/fix/status.json")
    metrics_port: int | None = None
    metrics_address: str = "127.0.0.1"
    limits: RiskLimits = DEFAULT_LIMITS


class Gateway:
    def __init__(self, engine: Engine, options: GatewayOptions) -> None:
        self.engine = engine
        self.options = options
        self.metrics = GatewayMetrics()
        self.started_at = datetime.now(timezone.utc)
        self.clock = GatewayClock(options.rehearsal)  # a rehearsal's clock reads its start from here on
        self.app: GatewayApplication | None = None
        self.service: OrderService | None = None
        self.acceptor: fix.ThreadedSocketAcceptor | None = None
        self.log_factory: MaskingLogFactory | None = None
        self.phases: PhaseDriver | None = None
        self.sessions: SessionTable | None = None
        self._trades_before = 0
        self._status_stop = threading.Event()
        self._status_thread: threading.Thread | None = None
        self._serving: Serving | None = None  # the interpreter's settings, which `stop` gives back

    def start(self) -> None:
        options = self.options
        clock = self.clock
        with transaction(self.engine) as session:
            calendar = load_calendar(session)
            day = options.trading_day or calendar.trading_day_of(clock.now())
            state = load_start_of_day(session, day, options.limits)
            profiles = load_session_profiles(session)
            symbology = load_symbology(session)
            hours = load_trading_hours(session, sorted(state.instruments))
            self._trades_before = session.scalar(select(func.count()).select_from(m.Trade).where(m.Trade.trading_day == day)) or 0
        core = rebuild(self.engine, state)
        log.info("trading day %s rebuilt: %d orders from the journal", day, len(core.orders))
        self.sessions = SessionTable.of(profiles)
        settings = build_session_settings(profiles, options.host)  # refuses bad settings before anything runs
        app = GatewayApplication(
            self.sessions, symbology, calendar, core, self.metrics,
            wall_ns=clock.wall_ns, clock=clock.now, next_sessions=next_sessions(calendar, hours, day),
        )
        writer = JournalWriter(self.engine, day, core.ticks)
        service = OrderService(
            core, writer, app.release, next_seq=writer.last_seq() + 1, writer_thread=False, more_input=app.inbound.waiting,
        )
        app.attach(service)
        self.app, self.service = app, service
        books = sorted(core.books)
        self.phases = PhaseDriver(
            service, phase_commands(calendar, {code: hours[code] for code in books if code in hours}, day),
            lambda code: core.books[code].phase, clock.wall_ns,
            real_ms=clock.real_ms, day_closed=lambda: service.read(lambda c: c.closed), books=books,
        )
        if options.phase is not None:
            self.phases.force(options.phase, books)
        else:
            self.phases.start()
        Path(options.host["FileStorePath"]).mkdir(parents=True, exist_ok=True)
        self.log_factory = MaskingLogFactory(Path(options.host["FileLogPath"]), on_peer=app.on_peer)
        self._serving = Serving.begin()
        self.acceptor = fix.ThreadedSocketAcceptor(app, fix.FileStoreFactory(settings), settings, self.log_factory)
        self.acceptor.start()
        if options.metrics_port is not None:
            self.metrics.serve(options.metrics_port, options.metrics_address)
        self._write_status(running=True)
        self._status_thread = threading.Thread(target=self._status_loop, name="status-file", daemon=True)
        self._status_thread.start()
        log.info("gateway up: %d sessions, trading day %s, clock: %s", len(profiles), day, clock.describe())

    def stop(self) -> None:
        """Log every session out, write what is pending, stop the acceptor."""
        if self.phases is not None:
            self.phases.stop()
        if self.sessions is not None and self.acceptor is not None:
            for sid in self.sessions.ids.values():
                session = fix.Session.lookupSession(sid)
                if session is not None and session.isLoggedOn():
                    session.logout("Gateway shutting down")
            deadline = time.monotonic() + LOGOUT_WAIT_SECONDS
            while self.app is not None and self.app.logged_on() and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
        if self.service is not None:
            self.service.close()
        if self.acceptor is not None:
            self.acceptor.stop()
        if self.app is not None:
            self.app.inbound.close()
        self._status_stop.set()
        if self._status_thread is not None:
            self._status_thread.join()
        if self.app is not None:
            self._write_status(running=False)
        if self.log_factory is not None:
            self.log_factory.close()
        self.acceptor = None
        if self._serving is not None:
            self._serving.end()
            self._serving = None
        log.info("gateway stopped")

    # ------------------------------------------------------------------ status

    def status(self, running: bool) -> GatewayStatus:
        assert self.app is not None and self.sessions is not None and self.service is not None
        logged_on = set(self.app.logged_on())
        sessions = [
            SessionStatus(p.name, p.begin_string, p.target_comp_id, p.port, p.name in logged_on)
            for p in sorted(self.sessions.profiles.values(), key=lambda p: p.name)
        ]
        return GatewayStatus(
            pid=os.getpid(), running=running, trading_day=self.app.trading_day.isoformat(),
            started_at=self.started_at.isoformat(timespec="seconds"),
            updated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            orders=self.app.view.count(), trades=self._trades_before + self.app.trades,
            journal_seq=self.app.last_seq, metrics_port=self.options.metrics_port, day_closed=self.app.core.closed,
            sessions=sessions,
        )

    def _write_status(self, running: bool) -> None:
        try:
            write_status(self.options.status_file, self.status(running))
        except OSError:
            log.exception("could not write %s", self.options.status_file)

    def _status_loop(self) -> None:
        while not self._status_stop.wait(1):
            self._write_status(running=True)


def next_sessions(calendar: TradingCalendar, hours: dict[str, TradingHours], day: date) -> dict[str, datetime]:
    """When each instrument next takes orders after `day` closes: its first session (the call
    auction when it has one) of the next trading day, for the closed-day reject's text."""
    following = calendar.next_trading_day(day)
    starts = {code: calendar.sessions(following, template) for code, template in hours.items()}
    return {code: sessions[0].start for code, sessions in starts.items() if sessions}
