"""The core's outputs, once journalled, as FIX messages to the sessions that own them.

`ReportBuilder.build` runs in the order service's release (a command is durable before any of
its answers exist) and returns the messages to send with the session each goes to: a fill to
each side's own session, an unsolicited cancel or expiry to the owning session, a refused
cancel to the session that asked. ExecIDs are `<journal seq>-<output index>` (a trade adds
`-B` / `-S` for its sides): the journal's sequence never restarts, so an ExecID is never
reused, across restarts and days alike. TradeDate is the trading day of the core.

What only the FIX layer knows about a request (the instrument as named, the routing to
reverse, when it arrived) travels with the command as a `Pending` entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import quickfix as fix

from gateway.core.commands import Cancel, Command, MassCancel, NewOrder, Replace
from gateway.core.service import CancelRefused, Output, Refused
from gateway.matching import Accepted, Canceled, CancelReason, Expired, Rejected, Replaced, Trade, Triggered
from gateway.matching.events import CancelRejected, ReplaceRejected, TradeSide
from gateway.matching.states import OrderStatus
from gateway.risk.codes import CxlRejReason

from . import codec
from .codec import Routing
from .orderview import OrderView, ReportedOrder, contract_query
from .refusals import MATCHING_REASONS
from .reports import NO_ORDER_ID, ExecType, Execution, OrderEcho, cancel_reject, execution_report, mass_cancel_report

# Text(58) of a cancel nobody asked for in this request (Bloomberg shows ~44 characters).
UNSOLICITED_TEXT = {
    CancelReason.IOC_REMAINDER: "IOC remainder canceled",
    CancelReason.FOK_UNFILLABLE: "FOK could not be filled in full",
    CancelReason.MARKET_REMAINDER: "Market order remainder canceled",
    CancelReason.SELF_TRADE: "Canceled: would trade with own account",
    CancelReason.MASS_CANCEL: "Canceled by mass cancel",
    CancelReason.HALT: "Canceled: trading halted",
    CancelReason.OUTSIDE_PRICE_LIMITS: "Canceled: outside today's price limits",
}


def plain(value: Decimal) -> Decimal:
    """A price without the trailing zeros the database's scale adds (3800.000000 -> 3800)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class MassCancelAsk:
    """An OrderMassCancelRequest (q) as received: its report (r) follows the cancels."""

    begin_string: str
    cl_ord_id: str
    request_type: str  # MassCancelRequestType(530): 1 by security, 7 all orders
    routing: Routing


@dataclass(frozen=True, slots=True)
class Pending:
    """What the FIX callback knew about a command when it handed it to the service."""

    received_ns: int  # monotonic clock, for the ack latency
    decoded: codec.NewOrder | codec.ReplaceOrder | codec.CancelOrder | MassCancelAsk | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """One outgoing message, the core session it goes to, and what it counts as."""

    session: str
    message: fix.Message
    kind: str  # new, fill, canceled, replaced, expired, rejected, cancel_rejected, restated
    reason: str | None = None  # the reject's code, for the metrics


def echo_of_command(command: NewOrder, order_id: str, decoded: codec.NewOrder | None) -> OrderEcho:
    if decoded is not None:
        return OrderEcho.of(decoded, order_id)
    request = command.request
    return OrderEcho(
        command.cl_ord_id, None, order_id, request.account, request.side, contract_query(request.instrument),
        request.instrument, request.qty, request.ord_type, request.price, request.stop_price, request.tif,
        command.expire_date, request.offset, Routing(),
    )


class ReportBuilder:
    """Turns one journalled command's outputs into reports, keeping the `OrderView` current."""

    def __init__(self, view: OrderView, trading_day: date, ticks: dict[str, Decimal], begin_strings: dict[str, str]) -> None:
        self.view = view
        self.trading_day = trading_day
        self.ticks = ticks
        self.begin_strings = begin_strings  # core session name -> BeginString

    def build(self, seq: int, command: Command, outputs: list[Output], pending: Pending | None) -> list[Report]:
        reports: list[Report] = []
        decoded = pending.decoded if pending else None
        for index, output in enumerate(outputs):
            exec_id = f"{seq}-{index}"
            if isinstance(output, Trade):
                for leg, side in (("B", output.buy), ("S", output.sell)):
                    reports += self._fill(f"{exec_id}-{leg}", output, side)
            elif isinstance(output, (Accepted, Rejected)) and isinstance(command, NewOrder) and self.view.get(output.order_id) is None:
                reports += self._new(exec_id, command, output, decoded if isinstance(decoded, codec.NewOrder) else None)
            elif isinstance(output, Refused) and isinstance(command, NewOrder):
                reports += self._refused(exec_id, command, output, decoded if isinstance(decoded, codec.NewOrder) else None)
            elif isinstance(output, Canceled):
                reports += self._canceled(exec_id, output, decoded)
            elif isinstance(output, Expired):
                reports += self._finished(exec_id, output.order_id, ExecType.EXPIRED, OrderStatus.EXPIRED, output.time, "Expired at the close")
            elif isinstance(output, Replaced):
                reports += self._replaced(exec_id, output, decoded if isinstance(decoded, codec.ReplaceOrder) else None)
            elif isinstance(output, (CancelRejected, ReplaceRejected)):
                reports += self._cancel_rejected(command, output, decoded)
            elif isinstance(output, CancelRefused):
                reports += self._cancel_refused(output, decoded)
            elif isinstance(output, Triggered):
                reports += self._triggered(exec_id, output)
        if isinstance(command, MassCancel) and isinstance(decoded, MassCancelAsk) and command.session in self.begin_strings:
            affected = sum(isinstance(output, Canceled) for output in outputs)
            reports.append(Report(command.session, mass_cancel_report(
                decoded.begin_string, cl_ord_id=decoded.cl_ord_id, report_id=f"MC-{seq}", request_type=decoded.request_type,
                response=decoded.request_type, affected=affected, routing=decoded.routing,
            ), "mass_cancel"))
        return reports

    # ------------------------------------------------------------------ orders

    def _report(self, order: ReportedOrder, exec_id: str, exec_type: ExecType, time_ns: int, **extra: object) -> fix.Message:
        execution = Execution(
            exec_id=exec_id, exec_type=exec_type, status=order.status, cum_qty=order.cum_qty, leaves_qty=order.leaves_qty,
            avg_px=order.avg_px, transact_time=time_ns, trade_date=self.trading_day, **extra,  # type: ignore[arg-type]
        )
        return execution_report(self.begin_strings[order.session], order.echo, execution)

    def _new(self, exec_id: str, command: NewOrder, event: Accepted | Rejected, decoded: codec.NewOrder | None) -> list[Report]:
        echo = echo_of_command(command, event.order_id, decoded)
        if isinstance(event, Accepted):
            order = ReportedOrder(command.session, echo, OrderStatus.NEW, 0, event.qty, Decimal(0))
            self.view.add(order)
            return self._sendable(order.session, lambda: Report(order.session, self._report(order, exec_id, ExecType.NEW, event.time), "new"))
        order = ReportedOrder(command.session, echo, OrderStatus.REJECTED, 0, 0, Decimal(0))
        self.view.add(order)
        ord_reason, _ = MATCHING_REASONS[event.reason]
        return self._sendable(order.session, lambda: Report(
            order.session, self._report(order, exec_id, ExecType.REJECTED, event.time, text=event.text, ord_rej_reason=ord_reason),
            "rejected", event.reason.value,
        ))

    def _refused(self, exec_id: str, command: NewOrder, refused: Refused, decoded: codec.NewOrder | None) -> list[Report]:
        order = ReportedOrder(command.session, echo_of_command(command, NO_ORDER_ID, decoded), OrderStatus.REJECTED, 0, 0, Decimal(0))
        code = refused.reject.code
        return self._sendable(order.session, lambda: Report(
            order.session,
            self._report(order, exec_id, ExecType.REJECTED, refused.time, text=refused.reject.text, ord_rej_reason=code.fix_ord_rej_reason),
            "rejected", str(code.code),
        ))

    def _fill(self, exec_id: str, trade: Trade, side: TradeSide) -> list[Report]:
        tick = self.ticks[trade.instrument]
        avg = side.avg_price_ticks
        order = self.view.update(
            side.order_id, status=side.status, cum_qty=side.cum_qty, leaves_qty=side.leaves_qty,
            avg_px=Decimal(0) if avg is None else plain(avg * tick),
        )
        if order is None:
            return []
        message = self._report(order, exec_id, ExecType.TRADE, trade.time, last_qty=trade.qty, last_px=plain(trade.price * tick))
        return self._sendable(order.session, lambda: Report(order.session, message, "fill"))

    def _canceled(self, exec_id: str, event: Canceled, decoded: object) -> list[Report]:
        before = self.view.get(event.order_id)
        if before is None:
            return []
        client = event.reason is CancelReason.CLIENT_REQUEST
        routing = decoded.envelope.routing if client and isinstance(decoded, codec.CancelOrder) else before.echo.routing
        echo = replace(before.echo, cl_ord_id=event.cl_ord_id, orig_cl_ord_id=event.orig_cl_ord_id if client else None, routing=routing)
        order = self.view.update(event.order_id, cl_ord_id=event.cl_ord_id, echo=echo, status=OrderStatus.CANCELED, leaves_qty=0)
        assert order is not None
        text = None if client else UNSOLICITED_TEXT.get(event.reason)
        return self._sendable(order.session, lambda: Report(order.session, self._report(order, exec_id, ExecType.CANCELED, event.time, text=text), "canceled", event.reason.value))

    def _finished(self, exec_id: str, order_id: str, exec_type: ExecType, status: OrderStatus, time_ns: int, text: str) -> list[Report]:
        order = self.view.update(order_id, status=status, leaves_qty=0)
        if order is None:
            return []
        return self._sendable(order.session, lambda: Report(order.session, self._report(order, exec_id, exec_type, time_ns, text=text), exec_type.value))

    def _replaced(self, exec_id: str, event: Replaced, decoded: codec.ReplaceOrder | None) -> list[Report]:
        before = self.view.get(event.order_id)
        if before is None:
            return []
        tick = self.ticks[before.echo.contract]
        echo = replace(
            before.echo, cl_ord_id=event.cl_ord_id, orig_cl_ord_id=event.orig_cl_ord_id, qty=event.qty,
            price=None if event.price is None else plain(event.price * tick),
            stop_price=None if event.stop_price is None else plain(event.stop_price * tick),
            routing=decoded.envelope.routing if decoded else before.echo.routing,
        )
        avg = event.avg_price_ticks
        order = self.view.update(
            event.order_id, cl_ord_id=event.cl_ord_id, echo=echo, status=event.status, cum_qty=event.cum_qty,
            leaves_qty=event.leaves_qty, avg_px=Decimal(0) if avg is None else plain(avg * tick),
        )
        assert order is not None
        return self._sendable(order.session, lambda: Report(order.session, self._report(order, exec_id, ExecType.REPLACED, event.time), "replaced"))

    def _triggered(self, exec_id: str, event: Triggered) -> list[Report]:
        order = self.view.update(event.order_id, status=event.status, leaves_qty=event.leaves_qty)
        if order is None:
            return []
        return self._sendable(order.session, lambda: Report(order.session, self._report(order, exec_id, ExecType.RESTATED, event.time, text="Stop triggered"), "restated"))

    # ------------------------------------------------------------------ cancel / replace refusals

    def _cancel_rejected(self, command: Command, event: CancelRejected | ReplaceRejected, decoded: object) -> list[Report]:
        if not isinstance(command, (Cancel, Replace)):
            return []
        _, cxl_reason = MATCHING_REASONS[event.reason]
        return self._nine(
            command.session, command.cl_ord_id, command.orig_cl_ord_id, event.order_id, event.status,
            isinstance(event, ReplaceRejected), cxl_reason, event.text, decoded, event.time, event.reason.value,
        )

    def _cancel_refused(self, refused: CancelRefused, decoded: object) -> list[Report]:
        code = refused.reject.code
        return self._nine(
            refused.session, refused.cl_ord_id, refused.orig_cl_ord_id, refused.order_id, refused.status,
            refused.is_replace, code.fix_cxl_rej_reason, refused.reject.text, decoded, refused.time, str(code.code),
        )

    def _nine(
        self, session: str, cl_ord_id: str, orig: str, order_id: str | None, status: OrderStatus | None, is_replace: bool,
        reason: CxlRejReason, text: str, decoded: object, time_ns: int, label: str,
    ) -> list[Report]:
        routing = decoded.envelope.routing if isinstance(decoded, (codec.CancelOrder, codec.ReplaceOrder)) else None
        known = self.view.get(order_id) if order_id else None
        account = known.echo.account if known else (decoded.account if isinstance(decoded, codec.CancelOrder) else None)
        return self._sendable(session, lambda: Report(session, cancel_reject(
            self.begin_strings[session], cl_ord_id=cl_ord_id, orig_cl_ord_id=orig, order_id=order_id, status=status,
            response_to="G" if is_replace else "F", reason=reason, text=text, routing=routing, account=account,
            transact_time=time_ns,
        ), "cancel_rejected", label))

    def _sendable(self, session: str, make: object) -> list[Report]:
        """One report, unless the session is not a FIX session of this gateway (simulator flow)."""
        if session not in self.begin_strings:
            return []
        return [make()]  # type: ignore[operator]
