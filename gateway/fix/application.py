"""The QuickFIX Application: FIX sessions in front of the order service.

Inbound, each callback decodes, checks and hands one command to `OrderService.execute`; the
answers are built in `release`, once the journal holds the command (`outbound`). What
can be answered without the core is answered at once: a codec refusal (8 / 9 / j), a status
request (H, AF) from the reported-order view, a positions request (AN) from risk's positions,
a refused mass cancel (r), a replace (G) that would change the order's account, side or
instrument (9: the core's Replace carries quantity and prices only), a new order once the
trading day is closed (8, saying when the instrument's next session opens). Logons are checked
here (credentials, source address, throttle).

Times come from the injected clock (`wall_ns` for commands, `clock` for TransactTime and the
logon throttle): the real one, or a rehearsal's; the ack latency is measured on `monotonic_ns`.

QuickFIX calls in from one thread per connection; once a connection sends application
messages its thread keeps one Python thread state until it logs out (`threadstate`), instead
of the binding making and unmaking one around every callback. The order service writes the
journal on the caller's thread, so `release` usually runs inside the same `fromApp` that
received the order, or a later one when more input was already waiting (`InboundWatch`: orders
in flight share a commit), and for another connection's order when that one's thread is
writing at the time (group commit), or on the phase driver's or the journal's lingering
thread: the order service is behind its lock, the view and the peer table behind theirs.
What is answered without the journal first lets it write what waits, or waits for the
connection that is writing it (`_answer`, `_flush`): answers leave in the order of the
requests, and a request sees the orders sent before it.
No exception leaves a callback (QuickFIX would end the process): every callback is wrapped,
logs what went wrong, and the client gets a reject or a BusinessMessageReject with a reason.
`fix.RejectLogon` is the one exception let through, on purpose.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from types import MappingProxyType

import quickfix as fix

from backoffice.domain.calendar import TradingCalendar
from backoffice.domain.enums import PositionDirection
from gateway.core import commands as core
from gateway.core.journal import OrderService
from gateway.core.service import Output, TradingCore
from gateway.matching import Trade
from gateway.risk.request import OrderRequest

from . import codec, threadstate
from . import tags as t
from .auth import FailureThrottle, check_logon
from .codec import DecodeContext, Refused, Routing
from .fields import FieldView
from .inbound import InboundWatch
from .metrics import GatewayMetrics
from .orderview import OrderView, ReportedOrder
from .outbound import MassCancelAsk, Pending, ReportBuilder, plain
from .profiles import SessionProfile
from .refusals import DecodeReason
from .reports import (
    FIX42,
    BusinessRejectReason,
    Execution,
    ExecType,
    PositionLine,
    business_reject,
    cancel_reject,
    execution_report,
    mass_cancel_report,
    position_report,
    refusal_answer,
    status_unknown,
)
from .symbology import SymbologyError, Symbology

log = logging.getLogger("fixbroker.gateway")

ORDER_MESSAGES = ("D", "F", "G")
# New orders and cancels go straight to the core; anything else first lets the journal catch up
# (a replace is checked against, and a status request answered from, the orders as reported).
PLAIN_ORDER_MESSAGES = ("D", "F")
MASS_CANCEL_BY_SECURITY = "1"
MASS_CANCEL_ALL = "7"
MASS_STATUS_BY_SECURITY = "1"
MASS_STATUS_ALL = "7"
MASS_STATUS_BY_ACCOUNT = "8"
# PosReqResult(728)
POS_VALID, POS_UNSUPPORTED, POS_NONE, POS_NOT_AUTHORIZED = "0", "1", "2", "3"
# MassCancelRejectReason(532)
MASS_CANCEL_NOT_SUPPORTED, MASS_CANCEL_BAD_SECURITY, MASS_CANCEL_OTHER = "0", "1", "99"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class SessionTable:
    """The gateway's sessions by QuickFIX id and by the core's session name."""

    profiles: dict[str, SessionProfile]  # SessionID.toString() -> profile
    ids: dict[str, fix.SessionID]  # profile name -> SessionID

    @classmethod
    def of(cls, profiles: Iterable[SessionProfile]) -> "SessionTable":
        by_key: dict[str, SessionProfile] = {}
        ids: dict[str, fix.SessionID] = {}
        for profile in profiles:
            sid = fix.SessionID(profile.begin_string, profile.sender_comp_id, profile.target_comp_id)
            by_key[sid.toString()] = profile
            ids[profile.name] = sid
        return cls(by_key, ids)

    def begin_strings(self) -> dict[str, str]:
        return {profile.name: profile.begin_string for profile in self.profiles.values()}

    def profiles_by_name(self, name: str) -> SessionProfile:
        return self.profiles[self.ids[name].toString()]


class GatewayApplication(fix.Application):
    def __init__(
        self,
        sessions: SessionTable,
        symbology: Symbology,
        calendar: TradingCalendar,
        core_state: TradingCore,
        metrics: GatewayMetrics,
        *,
        wall_ns: Callable[[], int] = time.time_ns,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
        clock: Callable[[], datetime] = _utc_now,
        next_sessions: Mapping[str, datetime] = MappingProxyType({}),  # instrument -> its next session's start
    ) -> None:
        super().__init__()
        self.sessions = sessions
        self.symbology = symbology
        self.calendar = calendar
        self.core = core_state
        self.trading_day: date = core_state.day
        self.metrics = metrics
        self.wall_ns = wall_ns
        self.monotonic_ns = monotonic_ns
        self.clock = clock
        self.next_sessions = next_sessions
        self.view = OrderView()
        self.view.seed(list(core_state.orders.values()), core_state.ticks)
        self.builder = ReportBuilder(self.view, self.trading_day, core_state.ticks, sessions.begin_strings())
        self.service: OrderService | None = None
        self.inbound = InboundWatch()  # the service's `more_input`
        self._ports = frozenset(profile.port for profile in sessions.profiles.values())
        self._pending: dict[int, tuple[core.Command, Pending]] = {}  # id(command) -> stash
        self._pending_lock = threading.Lock()
        self._peers: dict[str, str] = {}
        self._peers_lock = threading.Lock()
        self._throttle = FailureThrottle()
        self._throttle_lock = threading.Lock()
        self._logged_on: set[str] = set()
        self._contexts: dict[str, DecodeContext] = {}  # by session: the same for each of its messages
        self._local_ids = itertools.count(1)
        # Gateway-local ExecIDs: unique per start, so real time (two rehearsals start at the same instant).
        self._boot = f"{time.time_ns() // 1_000_000:x}"
        self.trades = 0  # trades released since this process started
        self.last_seq = 0  # the last journal entry released

    def attach(self, service: OrderService) -> None:
        self.service = service

    # ------------------------------------------------------------------ state for status

    def logged_on(self) -> list[str]:
        return sorted(self._logged_on)

    def local_exec_id(self) -> str:
        """ExecID of an answer that is not a journalled execution (refusals, status)."""
        return f"G{self._boot}-{next(self._local_ids)}"

    # ------------------------------------------------------------------ QuickFIX callbacks

    def onCreate(self, session_id: fix.SessionID) -> None:  # noqa: N802 - QuickFIX's names
        pass

    def onLogon(self, session_id: fix.SessionID) -> None:  # noqa: N802
        try:
            profile = self.sessions.profiles.get(session_id.toString())
            if profile is not None:
                self._logged_on.add(profile.name)
                self.metrics.sessions.set(len(self._logged_on))
                log.info("logon %s", profile.name)
            self.inbound.track(self._ports)  # this connection's socket, for the journal's group commit
        except Exception:  # noqa: BLE001 - nothing may reach QuickFIX
            log.exception("onLogon failed")

    def onLogout(self, session_id: fix.SessionID) -> None:  # noqa: N802
        try:
            profile = self.sessions.profiles.get(session_id.toString())
            if profile is not None:
                self._logged_on.discard(profile.name)
                self.metrics.sessions.set(len(self._logged_on))
                log.info("logout %s", profile.name)
            self._flush()
            threadstate.give_back()  # the connection is done (its thread kept its state in fromApp)
        except Exception:  # noqa: BLE001
            log.exception("onLogout failed")

    def toAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def toApp(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def on_peer(self, session: str, address: str) -> None:
        """The masking log's hook: QuickFIX names the peer before the Logon is processed."""
        with self._peers_lock:
            self._peers[session] = address

    def fromAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        try:
            self._flush()  # a heartbeat or test request may be the input a waiting command waited for
            fields = FieldView.of(message)
            if fields is None or fields.get(t.MSG_TYPE) != "A":
                return
            key = session_id.toString()
            with self._peers_lock:
                address = self._peers.get(key, "")
            profile = self.sessions.profiles.get(key)
            with self._throttle_lock:
                decision = check_logon(
                    profile, username=fields.get(t.USERNAME), password=fields.get(t.PASSWORD),
                    address=address, now=self.clock(), throttle=self._throttle,
                )
            if decision.accepted:
                return
            log.warning("logon refused for %s from %s: %s", key, address or "?", decision.refusal)
            text = decision.client_text
        except Exception:  # noqa: BLE001
            log.exception("fromAdmin failed")
            text = "Logon refused"
        raise fix.RejectLogon(text)

    def fromApp(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        received = self.monotonic_ns()
        raw = ""
        try:
            threadstate.keep()  # a logged-on connection's thread: one thread state for all its callbacks
            raw = message.toString()
            profile = self.sessions.profiles[session_id.toString()]
            self._dispatch(raw, profile, session_id, received)
        except Exception:  # noqa: BLE001 - answer instead of ending the process
            log.exception("fromApp failed on %s", raw.replace("\x01", "|")[:200])
            self._answer_internal_error(raw, session_id)

    # ------------------------------------------------------------------ inbound

    def _dispatch(self, raw: str, profile: SessionProfile, sid: fix.SessionID, received: int) -> None:
        fields = FieldView.of(raw)
        msg_type = fields.get(t.MSG_TYPE) if fields else None
        if msg_type not in PLAIN_ORDER_MESSAGES:
            self._flush(wait=True)  # what follows reads the reported orders or the core: the commands before it go first
        if fields is None or msg_type is None:
            self._answer(refusal_answer(profile.begin_string, codec.decode(raw, self._context(profile)), self.local_exec_id(), self.clock()), sid)
            return
        if msg_type in ORDER_MESSAGES:
            self._order_message(raw, fields, profile, sid, received, msg_type)
        elif msg_type == "H":
            self._status(fields, profile, sid)
        elif msg_type == "q" and profile.begin_string != FIX42:
            self._mass_cancel(fields, profile, sid, received)
        elif msg_type == "AF" and profile.begin_string != FIX42:
            self._mass_status(fields, profile, sid)
        elif msg_type == "AN" and profile.begin_string != FIX42:
            self._positions(fields, profile, sid)
        else:
            self._answer(refusal_answer(profile.begin_string, codec.decode(raw, self._context(profile)), self.local_exec_id(), self.clock()), sid)

    def _context(self, profile: SessionProfile) -> DecodeContext:
        context = self._contexts.get(profile.name)
        if context is None:
            context = self._contexts.setdefault(profile.name, DecodeContext(profile, self.symbology, self.calendar, self.trading_day))
        return context

    def _order_message(
        self, raw: str, fields: FieldView, profile: SessionProfile, sid: fix.SessionID, received: int, msg_type: str
    ) -> None:
        self.metrics.count(self.metrics.orders, profile.name, msg_type)
        decoded = codec.decode(fields, self._context(profile))
        if isinstance(decoded, Refused):
            self._refuse(profile, sid, decoded, received)
            return
        if isinstance(decoded, codec.NewOrder):
            if decoded.envelope.poss_resend:
                self._flush(wait=True)
                known = self.view.find(profile.name, decoded.cl_ord_id)
                if known is not None:
                    self._answer(self._status_report(known, decoded.cl_ord_id), sid)
                    self.metrics.observe_ack(self.monotonic_ns() - received)
                    return
            if self.core.closed:  # after EndOfDay; the closed books would only say "market closed"
                self._refuse(profile, sid, self._day_closed(raw, decoded), received)
                return
            order = decoded.order
            command: core.Command = core.NewOrder(
                self.wall_ns(), profile.name, decoded.cl_ord_id, order.request, order.expire_date, dict(decoded.envelope.tags)
            )
        elif isinstance(decoded, codec.ReplaceOrder):
            request = decoded.order.request
            original = self.view.find(profile.name, decoded.orig_cl_ord_id)
            changed = _changed_identity(original, request) if original is not None else None
            if changed:
                refusal = _refused_as(raw, decoded.envelope, DecodeReason.REPLACE_CHANGES_ORDER, what=changed)
                self.metrics.count(self.metrics.rejects, str(refusal.refusal.reason.code))
                self._answer(cancel_reject(
                    profile.begin_string, cl_ord_id=decoded.cl_ord_id, orig_cl_ord_id=decoded.orig_cl_ord_id,
                    order_id=original.echo.order_id, status=original.status, response_to="G",
                    reason=refusal.refusal.reason.fix_cxl_rej_reason, text=refusal.refusal.text,
                    routing=decoded.envelope.routing, account=original.echo.account, transact_time=self.clock(),
                ), sid)
                self.metrics.observe_ack(self.monotonic_ns() - received)
                return
            command = core.Replace(
                self.wall_ns(), profile.name, decoded.cl_ord_id, decoded.orig_cl_ord_id, request.qty, request.price, request.stop_price
            )
        else:
            command = core.Cancel(self.wall_ns(), profile.name, decoded.cl_ord_id, decoded.orig_cl_ord_id)
        if not self._execute(command, Pending(received, decoded)):
            self._refuse(profile, sid, _refused_as(raw, decoded.envelope, DecodeReason.NOT_ACCEPTING), received)

    def _day_closed(self, raw: str, decoded: codec.NewOrder) -> Refused:
        """The refusal of a new order after the close; Text(58) fits Bloomberg's 44 characters."""
        opens = self.next_sessions.get(decoded.order.request.instrument)
        if opens is None:
            text = f"Trading day {self.trading_day} is closed"
        else:
            text = f"Trading day closed; next session {opens.astimezone(self.calendar.tz):%m-%d %H:%M}"
        refused = _refused_as(raw, decoded.envelope, DecodeReason.NOT_ACCEPTING)
        return replace(refused, refusal=replace(refused.refusal, text=text))

    def _execute(self, command: core.Command, pending: Pending) -> bool:
        """Hand a command to the service; False when it takes nothing (journal down)."""
        assert self.service is not None
        with self._pending_lock:
            self._pending[id(command)] = (command, pending)
        try:
            self.service.execute(command)
        except RuntimeError:
            log.exception("order service refused %s", type(command).__name__)
            with self._pending_lock:
                self._pending.pop(id(command), None)
            return False
        return True

    def _refuse(self, profile: SessionProfile, sid: fix.SessionID, refused: Refused, received: int) -> None:
        self.metrics.count(self.metrics.rejects, str(refused.refusal.reason.code))
        self._answer(refusal_answer(profile.begin_string, refused, self.local_exec_id(), self.clock()), sid)
        self.metrics.observe_ack(self.monotonic_ns() - received)

    # ------------------------------------------------------------------ status, mass status

    def _status_report(self, order: ReportedOrder, cl_ord_id: str | None = None, extra: Iterable[tuple[int, str]] = ()) -> fix.Message:
        echo = order.echo if cl_ord_id is None else replace(order.echo, cl_ord_id=cl_ord_id)
        execution = Execution(
            exec_id=self.local_exec_id(), exec_type=ExecType.ORDER_STATUS, status=order.status, cum_qty=order.cum_qty,
            leaves_qty=order.leaves_qty, avg_px=order.avg_px, transact_time=self.clock(), trade_date=self.trading_day,
        )
        begin_string = self.sessions.profiles_by_name(order.session).begin_string
        message = execution_report(begin_string, echo, execution)
        if begin_string == FIX42:
            message.setField(fix.StringField(t.EXEC_TRANS_TYPE, "3"))  # status
        for tag, value in extra:
            message.setField(fix.StringField(tag, value))
        return message

    def _status(self, fields: FieldView, profile: SessionProfile, sid: fix.SessionID) -> None:
        cl_ord_id = fields.get(t.CL_ORD_ID) or ""
        order_id = fields.get(t.ORDER_ID)
        found = self.view.find(profile.name, cl_ord_id)
        if found is None and order_id:
            candidate = self.view.get(order_id)
            found = candidate if candidate is not None and candidate.session == profile.name else None
        if found is None:
            self._answer(status_unknown(
                profile.begin_string, cl_ord_id=cl_ord_id, order_id=order_id, side=fields.get(t.SIDE),
                symbol=fields.get(t.SYMBOL), exec_id=self.local_exec_id(), transact_time=self.clock(), routing=Routing.of(fields),
            ), sid)
            return
        self._answer(self._status_report(replace(found, echo=replace(found.echo, routing=Routing.of(fields))), cl_ord_id), sid)

    def _mass_status(self, fields: FieldView, profile: SessionProfile, sid: fix.SessionID) -> None:
        request_id = fields.get(t.MASS_STATUS_REQ_ID) or ""
        kind = fields.get(t.MASS_STATUS_REQ_TYPE)
        orders = [order for order in self.view.of_session(profile.name) if order.leaves_qty > 0]  # working orders only
        problem = None
        if kind == MASS_STATUS_BY_ACCOUNT:
            account = fields.get(t.ACCOUNT)
            if account not in profile.accounts:
                problem = f"Account {account or '(none)'} not entitled"[:44]
            orders = [o for o in orders if o.echo.account == account]
        elif kind == MASS_STATUS_BY_SECURITY:
            contract = self._contract(fields)
            if contract is None:
                problem = "Unknown instrument"
            orders = [o for o in orders if o.echo.contract == contract]
        elif kind != MASS_STATUS_ALL:
            problem = f"MassStatusReqType {kind} not supported"
        if problem is None and not orders:
            problem = "No working orders match the request"
        if problem is not None:
            self._answer(business_reject(
                profile.begin_string, ref_seq_num=_seq(fields), ref_msg_type="AF", reason=BusinessRejectReason.OTHER,
                text=problem, ref_id=request_id, routing=Routing.of(fields),
            ), sid)
            return
        routing = Routing.of(fields)
        orders.sort(key=lambda o: _order_number(o.echo.order_id))
        for number, order in enumerate(orders, 1):
            extra = [(t.MASS_STATUS_REQ_ID, request_id), (t.TOT_NUM_REPORTS, str(len(orders)))]
            if number == len(orders):
                extra.append((t.LAST_RPT_REQUESTED, "Y"))
            self._answer(self._status_report(replace(order, echo=replace(order.echo, routing=routing)), extra=extra), sid)

    # ------------------------------------------------------------------ mass cancel, positions

    def _mass_cancel(self, fields: FieldView, profile: SessionProfile, sid: fix.SessionID, received: int) -> None:
        self.metrics.count(self.metrics.orders, profile.name, "q")
        cl_ord_id = fields.get(t.CL_ORD_ID) or ""
        kind = fields.get(t.MASS_CANCEL_REQUEST_TYPE) or ""
        routing = Routing.of(fields)
        account = fields.get(t.ACCOUNT)
        refusal: tuple[str, str] | None = None
        contract = None
        if kind not in (MASS_CANCEL_BY_SECURITY, MASS_CANCEL_ALL):
            refusal = (MASS_CANCEL_NOT_SUPPORTED, f"MassCancelRequestType {kind[:8]} unsupported")
        elif account is not None and account not in profile.accounts:
            refusal = (MASS_CANCEL_OTHER, f"Account {account[:12]} not entitled")
        elif kind == MASS_CANCEL_BY_SECURITY:
            contract = self._contract(fields)
            if contract is None:
                refusal = (MASS_CANCEL_BAD_SECURITY, "Unknown instrument")
        if refusal is None:
            command = core.MassCancel(self.wall_ns(), account=account, session=profile.name, instrument=contract)
            if self._execute(command, Pending(received, MassCancelAsk(profile.begin_string, cl_ord_id, kind, routing))):
                return
            refusal = (MASS_CANCEL_OTHER, DecodeReason.NOT_ACCEPTING.template)
        self.metrics.count(self.metrics.rejects, f"mass_cancel_{refusal[0]}")
        self._answer(mass_cancel_report(
            profile.begin_string, cl_ord_id=cl_ord_id, report_id=self.local_exec_id(), request_type=kind or "0",
            response="0", affected=0, routing=routing, reject_reason=refusal[0], text=refusal[1],
        ), sid)

    def _positions(self, fields: FieldView, profile: SessionProfile, sid: fix.SessionID) -> None:
        request_id = fields.get(t.POS_REQ_ID) or ""
        account = fields.get(t.ACCOUNT) or ""
        routing = Routing.of(fields)

        def answer(result: str, line: PositionLine | None, total: int, text: str | None = None) -> None:
            self._answer(position_report(
                profile.begin_string, pos_req_id=request_id, report_id=self.local_exec_id(), total=total, result=result,
                account=account, trading_day=self.trading_day, line=line, routing=routing, text=text,
            ), sid)

        if fields.get(t.POS_REQ_TYPE) != "0":
            answer(POS_UNSUPPORTED, None, 0, "Only PosReqType 0 (positions)")
            return
        if account not in profile.accounts:
            answer(POS_NOT_AUTHORIZED, None, 0, f"Account {account[:12]} not entitled")
            return
        assert self.service is not None
        lines = self.service.read(lambda core: self._position_lines(core, account))
        if not lines:
            answer(POS_NONE, None, 0, "No positions")
            return
        for line in lines:
            answer(POS_VALID, line, len(lines))

    def _position_lines(self, core: TradingCore, account: str) -> list[PositionLine]:
        """Runs under the order service's lock: risk's positions change with every fill."""
        by_contract: dict[str, dict[PositionDirection, tuple[int, int]]] = {}
        for (owner, contract, direction), position in core.risk.positions.items():
            if owner == account and position.total:
                by_contract.setdefault(contract, {})[direction] = (position.total, position.yesterday)
        lines = []
        for contract in sorted(by_contract):
            sides = by_contract[contract]
            long_total, long_yesterday = sides.get(PositionDirection.LONG, (0, 0))
            short_total, short_yesterday = sides.get(PositionDirection.SHORT, (0, 0))
            lines.append(PositionLine(
                account, contract, long_total, short_total, long_yesterday, short_yesterday,
                plain(core.state.previous_settlement[contract]),  # 3800.000000 from the database -> 3800
            ))
        return lines

    def _contract(self, fields: FieldView) -> str | None:
        query = codec.InstrumentQuery(
            fields.get(t.SYMBOL), fields.get(t.SECURITY_ID), fields.get(t.SECURITY_ID_SOURCE),
            fields.get(t.SECURITY_TYPE), fields.get(t.MATURITY_MONTH_YEAR), fields.get(t.SECURITY_EXCHANGE),
        )
        found = self.symbology.resolve(query, self.trading_day)
        return None if isinstance(found, SymbologyError) else found.code

    # ------------------------------------------------------------------ outbound

    def release(self, seq: int, command: core.Command, outputs: list[Output]) -> None:
        """Called by the journal writer once `command` is durable: send its answers."""
        self.last_seq = seq
        try:
            with self._pending_lock:
                stashed = self._pending.pop(id(command), None)
            pending = stashed[1] if stashed is not None and stashed[0] is command else None
            first = True
            for report in self.builder.build(seq, command, outputs, pending):
                sid = self.sessions.ids.get(report.session)
                if sid is None:
                    continue
                self._send(report.message, sid)
                if first and pending is not None:
                    self.metrics.observe_ack(self.monotonic_ns() - pending.received_ns)
                    first = False
                self.metrics.count(self.metrics.reports, report.kind)
                if report.kind == "fill":
                    self.metrics.count(self.metrics.fills, report.session)
                if report.reason is not None and report.kind in ("rejected", "cancel_rejected"):
                    self.metrics.count(self.metrics.rejects, report.reason)
            self.trades += sum(1 for output in outputs if isinstance(output, Trade))
        except Exception:  # noqa: BLE001 - the thread writing the journal must go on (and may be QuickFIX's)
            log.exception("building the reports of journal entry %s failed", seq)

    def _answer(self, message: fix.Message, sid: fix.SessionID) -> None:
        """An answer that is not a journalled command's: the answers of the commands that
        came before it leave first."""
        self._flush(wait=True)
        self._send(message, sid)

    def _flush(self, *, wait: bool = False) -> None:
        """Let the journal write what waits. `wait` (from `fromApp` only, which QuickFIX calls
        holding no session lock) also waits for another connection's thread that is writing
        this connection's commands: without it a status request could overtake its order's
        acknowledgement and find no order. Under `onLogout` (QuickFIX holds the session's lock,
        which that writer needs to send to the session) it must not wait."""
        if self.service is not None:
            self.service.flush(wait=wait)

    def _send(self, message: fix.Message, sid: fix.SessionID) -> None:
        try:
            fix.Session.sendToTarget(message, sid)
        except Exception:  # noqa: BLE001 - SessionNotFound and friends: log, keep going
            log.exception("could not send to %s", sid.toString())

    def _answer_internal_error(self, raw: str, sid: fix.SessionID) -> None:
        try:
            profile = self.sessions.profiles[sid.toString()]
            fields = FieldView.of(raw)
            envelope = codec.Envelope(
                fields.get(t.MSG_TYPE) or "?" if fields else "?", _seq(fields) if fields else None,
                Routing.of(fields) if fields else Routing(), False, MappingProxyType({}),
            )
            refused = _refused_as(raw, envelope, DecodeReason.INTERNAL_ERROR)
            self._answer(refusal_answer(profile.begin_string, refused, self.local_exec_id(), self.clock()), sid)
        except Exception:  # noqa: BLE001
            log.exception("could not answer an internal error")


def _refused_as(raw: str, envelope: codec.Envelope, reason: DecodeReason, **figures: object) -> Refused:
    """A refusal of a message the codec accepted (or could not handle), echoing its fields."""
    fields = FieldView.of(raw)
    echo = {tag: value for tag in codec.ECHO_TAGS if fields is not None and (value := fields.get(tag)) is not None}
    return Refused(envelope, reason.refuse(**figures), MappingProxyType(echo))


def _changed_identity(original: ReportedOrder, request: OrderRequest) -> str | None:
    """What a replace (G) would change that only a new order may: account, side, instrument.

    The core's Replace carries quantity and prices only, so a G naming another account, side
    or contract would otherwise replace the original silently as if it named the same."""
    echo = original.echo
    changed = [
        name for name, before, after in (
            ("account", echo.account, request.account),
            ("side", echo.side, request.side),
            ("instrument", echo.contract, request.instrument),
        ) if before != after
    ]
    return "/".join(changed) or None


def _seq(fields: FieldView | None) -> int | None:
    text = fields.get(t.MSG_SEQ_NUM) if fields else None
    return int(text) if text is not None and text.isdigit() else None


def _order_number(order_id: str) -> int:
    tail = order_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0
