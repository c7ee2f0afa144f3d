"""A simulated Bloomberg-style FIX client: one QuickFIX initiator session trading a seeded flow.

Why: the demo (`fixbroker demo day`) and rehearsals need counterparties that reach the venue
the way EMSX and TOMS desks do, over real FIX: a session that logs on with Username(553) and
Password(554), validates what it receives against the same dictionaries (fixspec/), keeps its
sequence numbers in a FileStore, sends NewOrderSingle, OrderCancelRequest and
OrderCancelReplaceRequest, and reads every ExecutionReport and OrderCancelReject. One process
holds one session (QuickFIX keeps one session registry per process).

What to send comes from `demoflow.OrderFlow`; this module turns its requests into FIX 4.2 or
4.4 messages and the answers back into calls on the flow, counts what went each way, and
stops when the gateway says the trading day is closed (the Text of a reject, or a Logout), at
its deadline, or when `stop()` is called (the command calls it on SIGTERM). A reject that says
the market of a contract is shut for now (OrdRejReason 2, e.g. after its close while other
contracts still trade) rests that contract for a while. Its message log masks the password.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import quickfix as fix

from backoffice.domain.enums import OffsetFlag, Side

from . import tags as t
from .demoflow import Cancel, NewOrder, OrderFlow, Replace, Request
from .dictionaries import dictionary_path
from .fields import FieldView, format_decimal
from .logsink import MaskingLogFactory

log = logging.getLogger("fixbroker.democlient")

SIDE_VALUES = {Side.BUY: "1", Side.SELL: "2"}
HANDL_INST = 21  # HandlInst: required on D and G in FIX 4.2
HANDL_INST_AUTOMATED = "1"
ORD_TYPE_LIMIT = "2"
TIME_IN_FORCE_DAY = "0"
SECURITY_ID_SOURCE_BLOOMBERG = "A"
SECURITY_TYPE_FUTURE = "FUT"
FILL_EXEC_TYPES = ("1", "2", "F")  # FIX 4.2 partial fill / fill, FIX 4.4 trade
DONE_STATUSES = ("2", "4", "8", "C")  # filled, canceled, rejected, expired
EXCHANGE_CLOSED = "2"  # OrdRejReason: the market does not take orders now
POLL_MS = 100
DAY_CLOSED_TEXT = "Trading day"  # how the gateway's refusals after the close begin (fixspec/README.md)


@dataclass(frozen=True)
class ClientSession:
    """The FIX session as the client side sees it (CompIDs the other way round)."""

    name: str
    begin_string: str
    comp_id: str  # ours, SenderCompID: the venue's TargetCompID for this session
    venue_comp_id: str  # TargetCompID
    host: str
    port: int
    username: str


@dataclass(frozen=True)
class ClientOptions:
    store_dir: Path  # QuickFIX FileStore: sequence numbers across runs
    log_dir: Path  # message and event logs, password masked
    pause_ms: int = 250  # between two requests
    duration_s: int = 600  # stop trading after this long, whatever happens
    logon_wait_s: int = 30
    rest_closed_s: int = 10  # how long a contract rests after "market closed"


@dataclass
class Tally:
    """What the client sent and what came back, for its one-line report."""

    sent: Counter[str] = field(default_factory=Counter)  # orders, cancels, replaces
    answers: Counter[str] = field(default_factory=Counter)  # acks, fills, lots, canceled, replaced, expired
    rejects: Counter[str] = field(default_factory=Counter)  # reasons (`reason_of`) of rejected orders
    cancel_rejects: Counter[str] = field(default_factory=Counter)  # of OrderCancelRejects
    session_rejects: Counter[str] = field(default_factory=Counter)  # of Reject (3) and BusinessMessageReject (j)

    def line(self, session: ClientSession, stopped: str) -> str:
        sent, got = self.sent, self.answers
        parts = [
            f"{session.name} ({session.begin_string}): sent {sent['orders']} orders, {sent['cancels']} cancels, {sent['replaces']} replaces",
            (f"{got['acks']} acks, {got['fills']} fills ({got['lots']} lots), {got['canceled']} canceled, "
             f"{got['replaced']} replaced, {got['expired']} expired"),
            (f"{sum(self.rejects.values())} rejects{_reasons(self.rejects)}, "
             f"{sum(self.cancel_rejects.values())} cancel rejects{_reasons(self.cancel_rejects)}"),
        ]
        if self.session_rejects:
            parts.append(f"{sum(self.session_rejects.values())} session rejects{_reasons(self.session_rejects)}")
        return "; ".join(parts) + f"; stopped: {stopped}"


def reason_of(text: str) -> str:
    """A reject's Text(58) with its figures left out, so that like rejects count together:
    "Funds: need 973023.78 have 873646.99" -> "Funds: need # have #"."""
    return " ".join("#" if any(c.isdigit() for c in word) else word for word in text.split())


def _reasons(counts: Counter[str], shown: int = 3) -> str:
    if not counts:
        return ""
    top = counts.most_common(shown)
    rest = sum(counts.values()) - sum(n for _, n in top)
    text = ", ".join(f"{reason} x{n}" for reason, n in top)
    return f" ({text}{f', {rest} other' if rest else ''})"


# ---------------------------------------------------------------------------------- messages


def _transact_time(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def _instrument_fields(order: NewOrder) -> list[tuple[int, str]]:
    contract = order.contract
    if order.by_ticker and contract.ticker is not None:
        return [(t.SYMBOL, contract.symbol), (t.SECURITY_ID, contract.ticker), (t.SECURITY_ID_SOURCE, SECURITY_ID_SOURCE_BLOOMBERG)]
    return [(t.SYMBOL, contract.symbol), (t.MATURITY_MONTH_YEAR, contract.maturity),
            (t.SECURITY_TYPE, SECURITY_TYPE_FUTURE), (t.SECURITY_EXCHANGE, contract.exchange)]


def _order_fields(order: NewOrder, qty: int, price: Decimal) -> list[tuple[int, str]]:
    fields = [
        (t.ACCOUNT, order.account), (HANDL_INST, HANDL_INST_AUTOMATED), *_instrument_fields(order),
        (t.SIDE, SIDE_VALUES[order.side]), (t.ORDER_QTY, str(qty)), (t.ORD_TYPE, ORD_TYPE_LIMIT),
        (t.PRICE, format_decimal(price)), (t.TIME_IN_FORCE, TIME_IN_FORCE_DAY),
        (t.POSITION_EFFECT, "O" if order.offset is OffsetFlag.OPEN else "C"),
    ]
    if order.offset is OffsetFlag.CLOSE_TODAY:
        fields.append((t.CLOSE_TODAY_YESTERDAY, t.CLOSE_TODAY))
    elif order.offset is OffsetFlag.CLOSE_YESTERDAY:
        fields.append((t.CLOSE_TODAY_YESTERDAY, t.CLOSE_YESTERDAY))
    return fields


def request_message(begin_string: str, request: Request, now: datetime) -> fix.Message:
    """The D, G or F for `request` (the session fills in the header's CompIDs, MsgSeqNum and
    SendingTime)."""
    if isinstance(request, NewOrder):
        msg_type, fields = "D", _order_fields(request, request.qty, request.price)
    elif isinstance(request, Replace):
        msg_type = "G"
        fields = [(t.ORIG_CL_ORD_ID, request.orig_cl_ord_id), *_order_fields(request.order, request.qty, request.price)]
    else:
        order = request.order
        msg_type = "F"
        fields = [(t.ORIG_CL_ORD_ID, request.orig_cl_ord_id), (t.ACCOUNT, order.account), *_instrument_fields(order),
                  (t.SIDE, SIDE_VALUES[order.side]), (t.ORDER_QTY, str(request.qty))]
    message = fix.Message()
    header = message.getHeader()
    header.setField(fix.StringField(t.BEGIN_STRING, begin_string))
    header.setField(fix.StringField(t.MSG_TYPE, msg_type))
    for tag, value in [(t.CL_ORD_ID, request.cl_ord_id), *fields, (t.TRANSACT_TIME, _transact_time(now))]:
        message.setField(fix.StringField(tag, value))
    return message


def initiator_settings(session: ClientSession, options: ClientOptions) -> fix.SessionSettings:
    settings = fix.SessionSettings()
    defaults = fix.Dictionary()
    for key, value in {
        "ConnectionType": "initiator", "SocketConnectHost": session.host, "SocketConnectPort": str(session.port),
        "HeartBtInt": "30", "ReconnectInterval": "2", "StartTime": "00:00:00", "EndTime": "00:00:00",
        "FileStorePath": str(options.store_dir), "SocketNodelay": "Y",
        "UseDataDictionary": "Y", "DataDictionary": str(dictionary_path(session.begin_string)),
        "ValidateUserDefinedFields": "N", "AllowUnknownMsgFields": "Y",
    }.items():
        defaults.setString(key, value)
    settings.set(defaults)
    settings.set(fix.SessionID(session.begin_string, session.comp_id, session.venue_comp_id), fix.Dictionary())
    return settings


# ---------------------------------------------------------------------------------- the session


class DemoClient(fix.Application):
    """The QuickFIX application of one simulated client; `run` drives it."""

    def __init__(self, session: ClientSession, password: str, flow: OrderFlow, options: ClientOptions) -> None:
        super().__init__()
        self.session = session
        self._password = password
        self.flow = flow
        self.options = options
        self.tally = Tally()
        self.session_id: fix.SessionID | None = None
        self.logged_on = threading.Event()
        self.ended = threading.Event()  # logged out after a logon, day closed, or stop()
        self.stopped = ""  # why it ended
        self.logout_text = ""
        self.refused: str | None = None  # the Text of the Logout that refused our logon
        self._lock = threading.Lock()  # the flow and the tally: QuickFIX calls in on its own thread
        self._resting: dict[str, int] = {}  # contract -> monotonic ns until which it rests

    # ------------------------------------------------------------------ driving

    def run(self) -> str:
        """Log on, trade until the day closes, the deadline passes or `stop()`; log out.
        Returns why it stopped; raises RuntimeError when it could not log on."""
        self.options.store_dir.mkdir(parents=True, exist_ok=True)
        settings = initiator_settings(self.session, self.options)
        logs = MaskingLogFactory(self.options.log_dir)
        initiator = fix.SocketInitiator(self, fix.FileStoreFactory(settings), settings, logs)
        initiator.start()
        try:
            if self._await_logon():
                self._trade()
        finally:
            initiator.stop()
            # Destroying the initiator destroys its sessions' logs through the factory: it must
            # go first, while the factory still exists (as the gateway's runner does).
            del initiator
            gc.collect()
            logs.close()
        return self.stopped

    def _await_logon(self) -> bool:
        """True once logged on, False when stopped before; raises RuntimeError when the logon is
        refused or does not happen in time."""
        limit = time.monotonic_ns() + self.options.logon_wait_s * 1_000_000_000
        where = f"{self.session.name} could not log on to {self.session.host}:{self.session.port}"
        while not self.logged_on.wait(POLL_MS / 1000):
            if self.refused is not None:
                raise RuntimeError(f"{where}: {self.refused}")
            if self.ended.is_set():
                return False
            if time.monotonic_ns() > limit:
                raise RuntimeError(f"{where}: no logon within {self.options.logon_wait_s}s")
        return True

    def stop(self, why: str = "stopped") -> None:
        """End the trading; safe in a signal handler. The handler runs in the main thread, which
        trades: were that thread waiting on `ended`, the handler could interrupt the wait while
        it holds the Event's lock and wait for that lock forever in `set()`. So `_trade` sleeps
        between orders and only reads `ended`, which takes no lock."""
        self._end(why)

    def _end(self, why: str) -> None:
        if not self.ended.is_set():
            self.stopped = why
            self.ended.set()

    def _trade(self) -> None:
        deadline = time.monotonic_ns() + self.options.duration_s * 1_000_000_000
        while True:
            time.sleep(self.options.pause_ms / 1000)  # not ended.wait(): see stop()
            if self.ended.is_set():
                break
            now = time.monotonic_ns()
            if now >= deadline:
                self._end(f"deadline ({self.options.duration_s}s)")
                break
            with self._lock:
                request = self.flow.next(self.resting(now))
                if request is None:
                    continue
                self.tally.sent[_sent_label(request)] += 1
            self._send(request)

    def resting(self, now_ns: int) -> set[str]:
        """The contracts not to trade at `now_ns` (monotonic): their market said it was shut."""
        return {code for code, until in self._resting.items() if until > now_ns}

    def _send(self, request: Request) -> None:
        assert self.session_id is not None
        try:
            fix.Session.sendToTarget(request_message(self.session.begin_string, request, datetime.now(UTC)), self.session_id)
        except fix.SessionNotFound:
            self._end("session gone")

    # ------------------------------------------------------------------ QuickFIX callbacks

    def onCreate(self, session_id: fix.SessionID) -> None:  # QuickFIX's names
        self.session_id = session_id

    def onLogon(self, session_id: fix.SessionID) -> None:
        log.info("%s logged on", self.session.name)
        self.logged_on.set()

    def onLogout(self, session_id: fix.SessionID) -> None:
        if self.logged_on.is_set():
            self.logged_on.clear()
            self._end(f"logged out by the gateway{': ' + self.logout_text if self.logout_text else ''}")

    def toAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        try:
            if message.getHeader().getField(t.MSG_TYPE) == "A":
                message.setField(fix.StringField(t.USERNAME, self.session.username))
                message.setField(fix.StringField(t.PASSWORD, self._password))
        except Exception:  # nothing may reach QuickFIX
            log.exception("toAdmin failed")

    def fromAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        try:
            fields = FieldView.of(message)
            if fields is None:
                return
            kind = fields.get(t.MSG_TYPE)
            if kind == "5":
                self.logout_text = fields.get(t.TEXT) or ""
                if not self.logged_on.is_set():  # a refused logon: trying again would only lock the CompID
                    self.refused = self.logout_text or "logon refused"
                    self._end("logon refused")
            elif kind == "3":
                with self._lock:
                    self.tally.session_rejects[reason_of(fields.get(t.TEXT) or "Reject")] += 1
        except Exception:  # nothing may reach QuickFIX
            log.exception("fromAdmin failed")

    def toApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        pass

    def fromApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        try:
            fields = FieldView.of(message)
            if fields is None:
                return
            with self._lock:
                self.on_message(fields, time.monotonic_ns())
        except Exception:  # nothing may reach QuickFIX
            log.exception("fromApp failed on %s", message.toString().replace("\x01", "|")[:200])

    # ------------------------------------------------------------------ answers -> flow

    def on_message(self, fields: FieldView, now_ns: int) -> None:
        """One application message from the gateway (called under the lock)."""
        kind = fields.get(t.MSG_TYPE)
        if kind == "8":
            self._execution(fields, now_ns)
        elif kind == "9":
            cl_ord_id = fields.get(t.CL_ORD_ID) or ""
            self.tally.cancel_rejects[reason_of(fields.get(t.TEXT) or "OrderCancelReject")] += 1
            self.flow.refused(cl_ord_id)
            if fields.get(t.ORD_STATUS) in DONE_STATUSES:
                self.flow.done(fields.get(t.ORIG_CL_ORD_ID) or "")
        elif kind == "j":
            self.tally.session_rejects[reason_of(fields.get(t.TEXT) or "BusinessMessageReject")] += 1

    def _execution(self, fields: FieldView, now_ns: int) -> None:
        exec_type = fields.get(t.EXEC_TYPE)
        cl_ord_id = fields.get(t.CL_ORD_ID) or ""
        got = self.tally.answers
        if exec_type == "0":
            got["acks"] += 1
            self.flow.accepted(cl_ord_id)
        elif exec_type in FILL_EXEC_TYPES:
            lots = int(Decimal(fields.get(t.LAST_QTY) or "0"))
            got["fills"] += 1
            got["lots"] += lots
            self.flow.filled(cl_ord_id, lots)
        elif exec_type == "5":
            got["replaced"] += 1
            self.flow.replaced(cl_ord_id)
        elif exec_type == "4":
            got["canceled"] += 1
        elif exec_type == "C":
            got["expired"] += 1
        elif exec_type == "8":
            text = fields.get(t.TEXT) or "rejected"
            self.tally.rejects[reason_of(text)] += 1
            if text.startswith(DAY_CLOSED_TEXT) and "closed" in text:
                self._end("trading day closed")
            elif fields.get(t.ORD_REJ_REASON) == EXCHANGE_CLOSED:
                contract = self.flow.contract_of(cl_ord_id)
                if contract is not None:
                    self._resting[contract] = now_ns + self.options.rest_closed_s * 1_000_000_000
        if fields.get(t.ORD_STATUS) in DONE_STATUSES:
            self.flow.done(cl_ord_id)


def _sent_label(request: Request) -> str:
    if isinstance(request, NewOrder):
        return "orders"
    if isinstance(request, Cancel):
        return "cancels"
    return "replaces"
