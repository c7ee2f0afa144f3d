"""Build the core's start-of-day state from the back office, once, before the open.

The core never queries the database per order: everything risk needs for the day is read
here. Balances are the settled ones: the balance c/f of the latest settlement before the
day plus the cash movements it did not count, up to and including the trading day (before
any settlement: the cash ledger alone; `ledger.cash.settled_funds`). Carried positions are
that settlement's rolled client lots, with the margin settled on them. Rates are each
client's effective rates per product on the day; previous settlement prices are the latest
settled or official price before the day (an instrument without one gets no book: it has no
price limits). A member is blocked from opening new positions when its settled reserve at
any exchange (balance - settled margin of each reserve account, cash since included) is
negative on either business type or below its minimum in total; a trading member when its
account at its settlement member (equity - margin) is below its minimum.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.domain.enums import AccountKind, AccountStatus, PositionDirection
from backoffice.domain.rates import client_rates, rate_on
from backoffice.ledger.cash import AccountFunds, settled_funds
from backoffice.refdata import repository
from gateway.risk.state import AccountState, CarriedPosition, RiskLimits, StartOfDayState

DEFAULT_LIMITS = RiskLimits(max_orders_per_second=50, max_cancels_per_day=500)


def load_start_of_day(session: Session, trading_day: date, limits: RiskLimits = DEFAULT_LIMITS) -> StartOfDayState:
    exchanges = repository.exchanges(session)
    instruments = {code: i for code, i in repository.instruments(session).items() if i.is_listed_on(trading_day)}
    funds = settled_funds(session, on=trading_day)
    accounts = _client_accounts(session, trading_day, {key: f.balance for key, f in funds.items()})
    return StartOfDayState(
        trading_day=trading_day,
        exchanges=exchanges,
        instruments=instruments,
        previous_settlement=repository.previous_settlement_prices(session, trading_day),
        accounts=accounts,
        limits=limits,
        positions=carried_positions(session, trading_day),
        blocked_members=_blocked_members(session, funds),
    )


def carried_positions(session: Session, trading_day: date) -> tuple[CarriedPosition, ...]:
    """Client lots rolled by the latest settlement before the day, one per position."""
    run_id = session.scalar(
        select(m.SettlementRun.id)
        .where(m.SettlementRun.status == "current", m.SettlementRun.trading_day < trading_day)
        .order_by(m.SettlementRun.trading_day.desc())
        .limit(1)
    )
    if run_id is None:
        return ()
    rows = session.execute(
        select(m.Account.code, m.Instrument.code, m.SettlementLot.direction, func.sum(m.SettlementLot.qty), func.sum(m.SettlementLot.margin))
        .join(m.Account, m.Account.id == m.SettlementLot.account_id)
        .join(m.Instrument, m.Instrument.id == m.SettlementLot.instrument_id)
        .where(m.SettlementLot.run_id == run_id, m.Account.kind == AccountKind.CLIENT.value)
        .group_by(m.Account.code, m.Instrument.code, m.SettlementLot.direction)
        .order_by(m.Account.code, m.Instrument.code, m.SettlementLot.direction)
    )
    return tuple(
        CarriedPosition(account, instrument, PositionDirection(direction), int(qty), margin)
        for account, instrument, direction, qty, margin in rows
    )


def _client_accounts(session: Session, trading_day: date, balances: dict[int, Decimal]) -> dict[str, AccountState]:
    versions = repository.exchange_rate_versions(session)
    schedules = repository.rate_schedules(session)
    products_by_member: dict[int, list[str]] = defaultdict(list)
    for member_id, product in session.execute(
        select(m.Membership.member_id, m.Product.code).join(m.Product, m.Product.exchange_id == m.Membership.exchange_id)
    ):
        products_by_member[member_id].append(product)
    accounts = {}
    query = select(m.Account).where(m.Account.kind == AccountKind.CLIENT.value).join(m.Account.client)
    for account in session.scalars(query):
        client, member = account.client, account.member
        assert client is not None
        policy = repository.member_policy(member)
        rates = {}
        for product in products_by_member[member.id]:
            version = rate_on(versions.get(product, []), trading_day)
            if version is not None:
                rates[product], _ = client_rates(
                    schedules, policy, member=member.code, client=client.code, group=client.group,
                    product=product, exchange=version.rates, on=trading_day,
                )
        accounts[account.code] = AccountState(
            account=account.code,
            member=member.code,
            status=AccountStatus(account.status),
            balance=balances.get(account.id, Decimal("0.00")),
            rates=rates,
        )
    return accounts


def _blocked_members(session: Session, funds: dict[int, AccountFunds]) -> frozenset[str]:
    reserves: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    minimum: dict[str, Decimal] = {}
    query = select(m.Account).where(m.Account.kind.in_([AccountKind.MEMBER_RESERVE.value, AccountKind.TRADING_MEMBER.value]))
    for account in session.scalars(query):
        owner = account.owner_member
        assert owner is not None
        where = account.exchange.code if account.exchange else f"at {account.member.code}"
        held = funds.get(account.id)
        reserves[(owner.code, where)].append(held.balance - held.margin_held if held is not None else Decimal(0))
        minimum[owner.code] = owner.min_reserve
    return frozenset(
        member for (member, _), parts in reserves.items() if any(part < 0 for part in parts) or sum(parts) < minimum[member]
    )
