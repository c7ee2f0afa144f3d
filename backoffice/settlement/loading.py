"""Everything a settlement of one trading day reads from the database, as plain values.

The runner computes from a `DayData` and nothing else, so what a run saw is explicit: the
organisation and rates in force, yesterday's current run (balances, reserves, rolled lots,
and the cash it had seen), today's cash, today's trades with their corrections applied, and
the prices (yesterday's settlement and any official price for today).

Cash. A run records the highest cash-movement id it read (`cash_through`). After a current
run for day P, an account's balance b/f for the next settled day D is P's balance c/f, and
D's deposits and withdrawals are the movements dated on or before D that P did not count:
dated after P, or dated on or before P but recorded after P's run (late). Before any run,
b/f is every movement dated before D and the day's cash those dated D.

Trades. A trade keeps its original values; the latest `trade_correction` applies (a bust
removes the trade, an amend replaces price and quantity). Lines are in execution order
(time, then trade id in print order, then side).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import ScalarSelect

from backoffice.db import models as m
from backoffice.domain.calendar import TradingCalendar, TradingHours
from backoffice.domain.enums import (
    ClientKind,
    MemberKind,
    OffsetFlag,
    PositionDirection,
    SessionKind,
    Side,
)
from backoffice.domain.instruments import Exchange, Instrument
from backoffice.domain.organisation import Client, Member
from backoffice.domain.rates import RateSchedule, RateSet, rate_on
from backoffice.refdata import repository

from .inputs import Lot, TradeLine

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    code: str
    kind: str  # AccountKind value
    member: str  # where the money sits
    owner: str  # member or client code
    exchange: str | None


@dataclass(frozen=True, slots=True)
class Cash:
    balance_bf: Decimal
    deposits: Decimal
    withdrawals: Decimal


@dataclass(frozen=True, slots=True)
class PreviousRun:
    id: int
    trading_day: date
    cash_through: int


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """One trade as settlement sees it (corrections applied), with its legs."""

    trade_id: str
    instrument: str
    price: Decimal
    qty: int
    time: datetime
    legs: tuple[tuple[Side, str, OffsetFlag, bool], ...]  # (side, account code, offset, forced)


@dataclass
class DayData:
    trading_day: date
    calendar: TradingCalendar
    hours: dict[str, TradingHours]  # by name
    exchanges: dict[str, Exchange]
    product_hours: dict[str, str]  # product code -> hours name
    instruments: dict[str, Instrument]  # every instrument, listed or not
    instrument_ids: dict[str, int]
    members: list[Member]
    clients: list[Client]
    accounts: dict[str, AccountRef]  # by code
    exchange_rates: dict[str, RateSet]  # product -> exchange rates in force on the day
    schedules: list[RateSchedule]
    previous_run: PreviousRun | None
    cash: dict[str, Cash]  # by account code (accounts without any cash are absent)
    cash_through: int
    previous_reserve: dict[str, tuple[Decimal, Decimal]]  # reserve account -> (reserve, margin) after the previous run
    lots: list[Lot]  # client lots open at the start of the day
    trades: list[TradeRecord]
    previous_prices: dict[str, Decimal]  # instrument -> latest settlement price before the day
    official: dict[str, Decimal]  # instrument -> official price set for the day

    def cash_of(self, account: str) -> Cash:
        return self.cash.get(account, Cash(ZERO, ZERO, ZERO))

    def listed(self) -> list[str]:
        return sorted(code for code, i in self.instruments.items() if i.is_listed_on(self.trading_day))

    def lines(self) -> list[TradeLine]:
        """Today's client trade lines, in execution order."""
        return [
            TradeLine(account, t.trade_id, t.instrument, side, offset, t.price, t.qty, t.time, forced)
            for t in self.trades
            for side, account, offset, forced in t.legs
        ]


def previous_run(session: Session, day: date) -> PreviousRun | None:
    row = session.execute(
        select(m.SettlementRun.id, m.SettlementRun.trading_day, m.SettlementRun.cash_through)
        .where(m.SettlementRun.status == "current", m.SettlementRun.trading_day < day)
        .order_by(m.SettlementRun.trading_day.desc())
        .limit(1)
    ).first()
    return PreviousRun(*row) if row else None


def load_day(session: Session, day: date) -> DayData:
    calendar = repository.load_calendar(session)
    hours = repository.trading_hours(session)
    exchanges = repository.exchanges(session)
    product_hours = {p.code: p.hours.name for p in session.scalars(select(m.Product))}
    instruments = repository.instruments(session)
    members, clients = _organisation(session)
    accounts = {
        code: AccountRef(id_, code, kind, member, owner_member or client or member, exchange)
        for id_, code, kind, member, owner_member, client, exchange in session.execute(
            select(m.Account.id, m.Account.code, m.Account.kind, m.Member.code, _owner_member_code(), _client_code(), _exchange_code())
            .join(m.Member, m.Member.id == m.Account.member_id)
        )
    }
    versions = repository.exchange_rate_versions(session)
    exchange_rates = {}
    for product, product_versions in versions.items():
        version = rate_on(product_versions, day)
        if version is not None:
            exchange_rates[product] = version.rates
    before = previous_run(session, day)
    cash, cash_through = _cash(session, day, before, {a.id: a.code for a in accounts.values()})
    return DayData(
        trading_day=day,
        calendar=calendar,
        hours=hours,
        exchanges=exchanges,
        product_hours=product_hours,
        instruments=instruments,
        instrument_ids=dict(session.execute(select(m.Instrument.code, m.Instrument.id)).all()),
        members=members,
        clients=clients,
        accounts=accounts,
        exchange_rates=exchange_rates,
        schedules=repository.rate_schedules(session),
        previous_run=before,
        cash=cash,
        cash_through=cash_through,
        previous_reserve=_previous_reserve(session, before),
        lots=_client_lots(session, before),
        trades=day_trades(session, day),
        previous_prices=repository.previous_settlement_prices(session, day),
        official=official_prices(session, day),
    )


def _owner_member_code() -> ScalarSelect[str]:
    owner = aliased(m.Member)
    return select(owner.code).where(owner.id == m.Account.owner_member_id).scalar_subquery()


def _client_code() -> ScalarSelect[str]:
    return select(m.Client.code).where(m.Client.id == m.Account.client_id).scalar_subquery()


def _exchange_code() -> ScalarSelect[str]:
    return select(m.Exchange.code).where(m.Exchange.id == m.Account.exchange_id).scalar_subquery()


def _organisation(session: Session) -> tuple[list[Member], list[Client]]:
    seats: dict[int, list[str]] = defaultdict(list)
    for member_id, exchange in session.execute(select(m.Membership.member_id, m.Exchange.code).join(m.Exchange)):
        seats[member_id].append(exchange)
    rows = list(session.scalars(select(m.Member).order_by(m.Member.code)))
    members = [
        Member(
            row.code, row.name, MemberKind(row.kind), tuple(sorted(seats[row.id])),
            row.settled_by.code if row.settled_by else None, row.min_reserve, repository.member_policy(row),
        )
        for row in rows
    ]
    clients = [
        Client(row.code, row.name, row.member.code, ClientKind(row.kind), row.group)
        for row in session.scalars(select(m.Client).order_by(m.Client.code))
    ]
    return members, clients


def _cash(session: Session, day: date, before: PreviousRun | None, codes: Mapping[int, str]) -> tuple[dict[str, Cash], int]:
    cash_through = session.scalar(select(func.coalesce(func.max(m.CashMovement.id), 0)))
    bf: dict[str, Decimal] = defaultdict(lambda: ZERO)
    deposits: dict[str, Decimal] = defaultdict(lambda: ZERO)
    withdrawals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if before is not None:
        for account_id, balance_cf in session.execute(
            select(m.SettlementAccount.account_id, m.SettlementAccount.balance_cf).where(m.SettlementAccount.run_id == before.id)
        ):
            bf[codes[account_id]] = balance_cf
    rows = session.execute(
        select(m.CashMovement.id, m.CashMovement.account_id, m.CashMovement.business_date, m.CashMovement.direction, m.CashMovement.amount)
        .where(m.CashMovement.business_date <= day, m.CashMovement.id <= cash_through)
    )
    for id_, account_id, business_date, direction, amount in rows:
        code = codes[account_id]
        signed = amount if direction == "deposit" else -amount
        if before is None:
            if business_date < day:
                bf[code] += signed
                continue
        elif business_date <= before.trading_day and id_ <= before.cash_through:
            continue  # counted by the previous run
        if direction == "deposit":
            deposits[code] += amount
        else:
            withdrawals[code] += amount
    return {code: Cash(bf[code], deposits[code], withdrawals[code]) for code in bf.keys() | deposits.keys() | withdrawals.keys()}, cash_through


def _previous_reserve(session: Session, before: PreviousRun | None) -> dict[str, tuple[Decimal, Decimal]]:
    if before is None:
        return {}
    return {
        code: (reserve, margin)
        for code, reserve, margin in session.execute(
            select(m.Account.code, m.SettlementReserve.reserve, m.SettlementReserve.margin)
            .join(m.Account, m.Account.id == m.SettlementReserve.account_id)
            .where(m.SettlementReserve.run_id == before.id)
        )
    }


def _client_lots(session: Session, before: PreviousRun | None) -> list[Lot]:
    if before is None:
        return []
    rows = session.execute(
        select(
            m.Account.code, m.Instrument.code, m.SettlementLot.direction, m.SettlementLot.open_date, m.SettlementLot.open_price,
            m.SettlementLot.qty, m.SettlementLot.open_trade_id,
        )
        .join(m.Account, m.Account.id == m.SettlementLot.account_id)
        .join(m.Instrument, m.Instrument.id == m.SettlementLot.instrument_id)
        .where(m.SettlementLot.run_id == before.id, m.Account.kind == "client")
        .order_by(m.Account.code, m.SettlementLot.seq)
    )
    return [Lot(account, code, PositionDirection(direction), open_date, price, qty, trade_id) for account, code, direction, open_date, price, qty, trade_id in rows]


def day_trades(session: Session, day: date) -> list[TradeRecord]:
    """The day's trades, corrections applied (busted ones left out), in execution order.

    Trades and legs are read apart (each trade's values converted once, not once per leg)
    through the Core connection: a day holds millions of legs.
    """
    connection = session.connection()
    corrections: dict[str, tuple[str, Decimal | None, int | None]] = {}
    for trade_id, action, price, qty in connection.execute(
        select(m.TradeCorrection.trade_id, m.TradeCorrection.action, m.TradeCorrection.price, m.TradeCorrection.qty)
        .join(m.Trade, m.Trade.id == m.TradeCorrection.trade_id)
        .where(m.Trade.trading_day == day)
        .order_by(m.TradeCorrection.id)
    ):
        corrections[trade_id] = (action, price, qty)
    heads: dict[str, tuple] = {}
    for trade_id, instrument, price, qty, executed_at in connection.execute(
        select(m.Trade.id, m.Instrument.code, m.Trade.price, m.Trade.qty, m.Trade.executed_at)
        .join(m.Instrument, m.Instrument.id == m.Trade.instrument_id)
        .where(m.Trade.trading_day == day)
    ):
        correction = corrections.get(trade_id)
        if correction is not None:
            if correction[0] == "bust":
                continue
            price, qty = correction[1], correction[2]
        heads[trade_id] = (instrument, price, qty, executed_at)
    sides = {side.value: side for side in Side}
    offsets = {offset.value: offset for offset in OffsetFlag}
    legs: dict[str, list] = {}
    for trade_id, side, account, offset, forced in connection.execute(
        select(m.TradeLeg.trade_id, m.TradeLeg.side, m.Account.code, m.TradeLeg.offset_flag, m.TradeLeg.forced)
        .join(m.Trade, m.Trade.id == m.TradeLeg.trade_id)
        .join(m.Account, m.Account.id == m.TradeLeg.account_id)
        .where(m.Trade.trading_day == day)
    ):
        if trade_id in heads:
            legs.setdefault(trade_id, []).append((sides[side], account, offsets[offset], forced))
    records = [
        TradeRecord(trade_id, *heads[trade_id], tuple(sorted(trade_legs, key=lambda leg: leg[0] is not Side.BUY)))
        for trade_id, trade_legs in legs.items()
    ]
    records.sort(key=lambda t: (t.time, len(t.trade_id), t.trade_id))
    return records


def official_prices(session: Session, day: date) -> dict[str, Decimal]:
    rows = session.execute(
        select(m.Instrument.code, m.SettlementPrice.price)
        .join(m.Instrument, m.Instrument.id == m.SettlementPrice.instrument_id)
        .where(m.SettlementPrice.trading_day == day, m.SettlementPrice.source == "official")
    )
    return dict(rows.all())


def sessions_of(data: DayData, product: str) -> Sequence[tuple[datetime, datetime]]:
    """The day's continuous sessions of a product, for the settlement-price rule."""
    hours = data.hours[data.product_hours[product]]
    return [(s.start, s.end) for s in data.calendar.sessions(data.trading_day, hours) if s.kind is not SessionKind.CALL_AUCTION]

