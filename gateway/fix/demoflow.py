"""The order flow of a simulated Bloomberg-style FIX client: what it sends next.

Why a module of its own, with no clock and no I/O: the flow is a function of its seed and of
the answers it has been told about (acks, fills, cancels, rejects), so the same seed and the
same answers give the same requests, which the tests check without a gateway; the FIX side
(`democlient`) only turns requests into messages and reports into calls here.

What it sends is what an EMSX/TOMS desk sends a futures broker: limit DAY orders around the
previous settlement price, always on the tick grid and inside the day's price limits, by
Bloomberg ticker (SecurityID 48 with 22=A) or by Symbol + MaturityMonthYear +
SecurityExchange; buys and sells on the session's entitled accounts, passive ones that rest
and aggressive ones that cross (so the orders of several clients trade with each other);
cancels and cancel/replaces of its working orders; and once its own fills have given it
positions, orders that close them (PositionEffect C, close-today where the exchange charges
it apart). Each contract's price wanders in small steps around the reference, differently
for every client, within a bounded drift.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from backoffice.domain.enums import OffsetFlag, PositionDirection, Side
from backoffice.domain.instruments import Exchange, Instrument
from gateway.risk.limits import price_band

from .symbology import EXCHANGE_MICS, MONTH_CODES, InstrumentRecord

MAX_LOTS = 5  # the largest order the flow sends (or the contract's max order size, if smaller)
DRIFT_BPS = 100  # how far (basis points of the reference) a client's price may wander
MIN_DRIFT_TICKS = 5
_MIC_OF = {exchange: mic for mic, exchange in EXCHANGE_MICS.items()}


@dataclass(frozen=True, slots=True)
class Contract:
    """One listed contract as the client names and prices it."""

    code: str  # ours: IF2612 (what reports and positions are keyed by)
    symbol: str  # Symbol(55): the exchange's product code, IF
    maturity: str  # MaturityMonthYear(200): 202612
    exchange: str  # SecurityExchange(207): the ISO MIC when there is one (CCFX), else our code
    ticker: str | None  # Bloomberg ticker for SecurityID(48) with 22=A: "IFZ6 Index"
    tick: Decimal
    reference: Decimal  # the previous settlement price, on the tick grid
    lower: Decimal  # limit down
    upper: Decimal  # limit up
    max_lots: int
    close_today_distinct: bool  # close-today must be stated (5077=T)

    def ticks(self, price: Decimal) -> int:
        return int(price / self.tick)

    def price(self, ticks: int) -> Decimal:
        """`ticks` ticks as a price written with the tick's decimals (3800.2, 68030, 108.505)."""
        return (self.tick * ticks).quantize(self.tick)


def bloomberg_ticker(record: InstrumentRecord) -> str | None:
    """Root + month code + last digit of the year + yellow key: IF2612 -> "IFZ6 Index"."""
    if not (record.bloomberg_root and record.bloomberg_yellow_key):
        return None
    year, month = record.contract_month
    return f"{record.bloomberg_root}{MONTH_CODES[month - 1]}{year % 10} {record.bloomberg_yellow_key}"


def contract_of(record: InstrumentRecord, instrument: Instrument, exchange: Exchange, reference: Decimal) -> Contract:
    """The client's view of a contract from the venue's reference data and its previous price."""
    terms = instrument.terms
    band = price_band(reference, terms)
    year, month = record.contract_month
    tick = terms.tick_size
    return Contract(
        code=record.code,
        symbol=record.product,
        maturity=f"{year}{month:02d}",
        exchange=_MIC_OF.get(record.exchange, record.exchange),
        ticker=bloomberg_ticker(record),
        tick=tick,
        reference=((reference / tick).to_integral_value() * tick).quantize(tick),
        lower=band.lower,
        upper=band.upper,
        max_lots=min(MAX_LOTS, terms.max_order_size),
        close_today_distinct=exchange.close_today_distinct,
    )


# ---------------------------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class NewOrder:
    cl_ord_id: str
    account: str
    contract: Contract
    side: Side
    qty: int
    price: Decimal
    offset: OffsetFlag  # OPEN, CLOSE, or CLOSE_TODAY where the exchange needs it stated
    by_ticker: bool  # name the contract by Bloomberg ticker, else by Symbol + maturity + exchange


@dataclass(frozen=True, slots=True)
class Replace:
    cl_ord_id: str
    orig_cl_ord_id: str
    order: NewOrder  # the order as first sent: account, contract, side, offset, naming
    qty: int  # the new total quantity
    price: Decimal


@dataclass(frozen=True, slots=True)
class Cancel:
    cl_ord_id: str
    orig_cl_ord_id: str
    order: NewOrder
    qty: int  # the order's current total quantity


Request = NewOrder | Replace | Cancel


@dataclass(frozen=True)
class FlowMix:
    """Percentages of the requests (when they are possible); the rest are new opening orders."""

    cancel: int = 20
    replace: int = 10
    close: int = 15
    aggressive: int = 30  # of the opening orders: priced to cross, not to rest


@dataclass
class _Working:
    order: NewOrder
    cl_ord_id: str  # the chain's current ClOrdID
    qty: int
    price: Decimal
    cum_qty: int = 0
    acknowledged: bool = False
    pending: str | None = None  # the ClOrdID of an unanswered cancel or replace
    chain: list[str] = field(default_factory=list)  # every ClOrdID that names this order


def _position_of(order: NewOrder) -> PositionDirection:
    """The position an order opens (a buy: long) or closes (a buy: the short)."""
    buying = order.side is Side.BUY
    if order.offset is OffsetFlag.OPEN:
        return PositionDirection.LONG if buying else PositionDirection.SHORT
    return PositionDirection.SHORT if buying else PositionDirection.LONG


class OrderFlow:
    """The requests of one client session, and what it knows from the answers so far."""

    def __init__(
        self, contracts: Iterable[Contract], accounts: Iterable[str], *, seed: int | str, prefix: str,
        mix: FlowMix = FlowMix(), max_working: int = 30,
    ) -> None:
        self.contracts = sorted(contracts, key=lambda c: c.code)
        self.accounts = sorted(accounts)
        if not self.contracts or not self.accounts:
            raise ValueError("a flow needs at least one contract and one account")
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.mix = mix
        self.max_working = max_working
        self._count = 0
        self._drift = {c.code: 0 for c in self.contracts}  # ticks away from the reference
        self._working: dict[str, _Working] = {}  # by every ClOrdID of its chain
        self._orders: list[_Working] = []  # live orders, oldest first
        self._replacing: dict[str, tuple[int, Decimal]] = {}  # replace ClOrdID -> (qty, price)
        self.positions: dict[tuple[str, str, PositionDirection], int] = {}  # (account, contract, direction) -> lots
        self._closing: dict[tuple[str, str, PositionDirection], int] = {}  # lots in working close orders

    # ------------------------------------------------------------------ what to send next

    def next(self, closed: Collection[str] = ()) -> Request | None:
        """The next request, avoiding contracts in `closed` (their market is shut for now);
        None when nothing can be sent."""
        draw = self.rng.randrange(100)
        live = [w for w in self._orders if w.acknowledged and w.pending is None and w.order.contract.code not in closed]
        if live and (len(self._orders) >= self.max_working or draw < self.mix.cancel):
            return self._cancel(live[self.rng.randrange(len(live))])
        if live and draw < self.mix.cancel + self.mix.replace:
            return self._replace(live[self.rng.randrange(len(live))])
        if draw < self.mix.cancel + self.mix.replace + self.mix.close:
            closable = [(key, lots) for key, lots in self._closable() if key[1] not in closed]
            if closable:
                return self._close(*closable[self.rng.randrange(len(closable))])
        open_contracts = [c for c in self.contracts if c.code not in closed]
        if not open_contracts:
            return None
        return self._open(open_contracts[self.rng.randrange(len(open_contracts))])

    def _next_id(self) -> str:
        self._count += 1
        return f"{self.prefix}{self._count}"

    def _mid(self, contract: Contract) -> int:
        """The contract's price in ticks as this client sees it now (one small step further)."""
        reach = max(MIN_DRIFT_TICKS, int(contract.reference * DRIFT_BPS / 10_000 / contract.tick))
        drift = self._drift[contract.code] + self.rng.randint(-2, 2)
        self._drift[contract.code] = max(-reach, min(reach, drift))
        return contract.ticks(contract.reference) + self._drift[contract.code]

    def _bounded(self, contract: Contract, ticks: int) -> Decimal:
        """`ticks` moved inside the day's price limits."""
        lowest = int((contract.lower / contract.tick).to_integral_value(ROUND_CEILING))
        highest = int((contract.upper / contract.tick).to_integral_value(ROUND_FLOOR))
        return contract.price(max(lowest, min(highest, ticks)))

    def _open(self, contract: Contract) -> NewOrder:
        side = Side.BUY if self.rng.randrange(2) else Side.SELL
        mid = self._mid(contract)
        sign = 1 if side is Side.BUY else -1
        if self.rng.randrange(100) < self.mix.aggressive:
            ticks = mid + sign * self.rng.randint(1, 4)  # through the other side
        else:
            ticks = mid - sign * self.rng.randint(0, 5)  # rests on its own side
        order = NewOrder(
            self._next_id(), self.accounts[self.rng.randrange(len(self.accounts))], contract, side,
            self.rng.randint(1, contract.max_lots), self._bounded(contract, ticks), OffsetFlag.OPEN,
            contract.ticker is not None and self.rng.randrange(2) == 0,
        )
        self._track(order)
        return order

    def _close(self, key: tuple[str, str, PositionDirection], free: int) -> NewOrder:
        account, code, direction = key
        contract = next(c for c in self.contracts if c.code == code)
        side = Side.SELL if direction is PositionDirection.LONG else Side.BUY
        sign = 1 if side is Side.BUY else -1
        ticks = self._mid(contract) + sign * self.rng.randint(0, 3)  # priced to trade
        offset = OffsetFlag.CLOSE_TODAY if contract.close_today_distinct else OffsetFlag.CLOSE
        order = NewOrder(
            self._next_id(), account, contract, side, self.rng.randint(1, min(free, contract.max_lots)),
            self._bounded(contract, ticks), offset, contract.ticker is not None and self.rng.randrange(2) == 0,
        )
        self._closing[key] = self._closing.get(key, 0) + order.qty
        self._track(order)
        return order

    def _cancel(self, working: _Working) -> Cancel:
        request = Cancel(self._next_id(), working.cl_ord_id, working.order, working.qty)
        self._pend(working, request.cl_ord_id)
        return request

    def _replace(self, working: _Working) -> Replace:
        contract = working.order.contract
        ticks = contract.ticks(working.price) + self.rng.choice((-3, -2, -1, 1, 2, 3))
        qty = working.qty
        if working.qty - working.cum_qty > 1 and self.rng.randrange(100) < 30:
            qty -= 1  # a smaller order keeps its time priority
        request = Replace(self._next_id(), working.cl_ord_id, working.order, qty, self._bounded(contract, ticks))
        self._replacing[request.cl_ord_id] = (qty, request.price)
        self._pend(working, request.cl_ord_id)
        return request

    def _track(self, order: NewOrder) -> None:
        working = _Working(order, order.cl_ord_id, order.qty, order.price, chain=[order.cl_ord_id])
        self._working[order.cl_ord_id] = working
        self._orders.append(working)

    def _pend(self, working: _Working, cl_ord_id: str) -> None:
        working.pending = cl_ord_id
        working.chain.append(cl_ord_id)
        self._working[cl_ord_id] = working

    def _closable(self) -> list[tuple[tuple[str, str, PositionDirection], int]]:
        return [(key, lots - self._closing.get(key, 0)) for key, lots in sorted(self.positions.items())
                if lots > self._closing.get(key, 0)]

    # ------------------------------------------------------------------ what came back

    def working(self) -> Sequence[NewOrder]:
        """The live orders (as first sent), oldest first."""
        return [w.order for w in self._orders]

    def contract_of(self, cl_ord_id: str) -> str | None:
        working = self._working.get(cl_ord_id)
        return working.order.contract.code if working else None

    def accepted(self, cl_ord_id: str) -> None:
        working = self._working.get(cl_ord_id)
        if working is not None:
            working.acknowledged = True

    def filled(self, cl_ord_id: str, lots: int) -> None:
        working = self._working.get(cl_ord_id)
        if working is None:
            return
        working.acknowledged = True
        working.cum_qty += lots
        order = working.order
        key = (order.account, order.contract.code, _position_of(order))
        if order.offset is OffsetFlag.OPEN:
            self.positions[key] = self.positions.get(key, 0) + lots
        else:
            self.positions[key] = self.positions.get(key, 0) - lots
            self._closing[key] = self._closing.get(key, 0) - lots
        if working.cum_qty >= working.qty:
            self.done(cl_ord_id)

    def replaced(self, cl_ord_id: str) -> None:
        """The replace `cl_ord_id` was accepted: the order has its new quantity and price."""
        working = self._working.get(cl_ord_id)
        wanted = self._replacing.pop(cl_ord_id, None)
        if working is None or wanted is None:
            return
        qty, price = wanted
        if working.order.offset is not OffsetFlag.OPEN:
            key = (working.order.account, working.order.contract.code, _position_of(working.order))
            self._closing[key] = self._closing.get(key, 0) + qty - working.qty
        working.cl_ord_id, working.qty, working.price, working.pending = cl_ord_id, qty, price, None

    def refused(self, cl_ord_id: str) -> None:
        """A cancel or replace was refused (OrderCancelReject): the order stays as it was."""
        working = self._working.pop(cl_ord_id, None)
        self._replacing.pop(cl_ord_id, None)
        if working is not None and working.pending == cl_ord_id:
            working.pending = None
            working.chain.remove(cl_ord_id)

    def done(self, cl_ord_id: str) -> None:
        """The order named by `cl_ord_id` is over (filled, canceled, expired or rejected)."""
        working = self._working.get(cl_ord_id)
        if working is None:
            return
        if working.order.offset is not OffsetFlag.OPEN:
            key = (working.order.account, working.order.contract.code, _position_of(working.order))
            self._closing[key] = self._closing.get(key, 0) - (working.qty - working.cum_qty)
        for name in working.chain:
            self._working.pop(name, None)
            self._replacing.pop(name, None)
        self._orders.remove(working)
