"""Statements from the database: a settled day's stored results, rebuilt as the core made them.

The settlement tables hold every field of `settlement.results.AccountResult` (the account
row and its trade, close, lot and margin lines) and of `settlement.reserve.ReserveResult`,
so results are reconstructed exactly and handed to `build.build_client_statement` and
`member_reports.build_member_report`: a statement is built from what was written, never
from a recomputation. Everything is read from one run: the day's current run, unless a run
id is given (a superseded run stays readable).

Reference data adds names, each instrument's exchange, product and multiplier. Prices are
written with their tick's decimals (the price columns keep six: 5030.000000 is 5030), the
value unchanged. The deposit/withdrawal rows are the cash movements the run counted (dated
on or before the day, recorded up to the run's `cash_through`, not counted by the run of the
previous settled day), as `settlement.loading` reads them; when they do not add up to the
stored totals (the previous day was rerun after this one and took a late movement), the day
totals are shown as one row each instead, so the statement still equals its summary.

Rows are read per table for the whole run (or the accounts asked for) and grouped in
Python: a handful of queries whatever the number of accounts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from backoffice.db import models as m
from backoffice.domain.enums import AccountKind, OffsetFlag, PositionDirection, Side
from backoffice.settlement.inputs import TradeLine
from backoffice.settlement.reserve import ReserveResult
from backoffice.settlement.results import AccountResult, CloseLine, MarginLine, PositionLine, SettledTrade

from .build import InstrumentRef, StatementInput, cash_rows
from .member_reports import MemberReport, build_member_report
from .model import ZERO, CashKind, CashRow, ClientStatement

LEVEL_CLIENTS, LEVEL_MEMBERS = 2, 1


@dataclass(frozen=True, slots=True)
class RunRef:
    id: int
    trading_day: date
    status: str  # current | superseded
    cash_through: int


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """Who an account belongs to, as a statement prints it."""

    code: str
    kind: str
    member_code: str  # the member holding the account (where the money sits)
    member_name: str
    owner_code: str  # the member owning a reserve or trading-member account; '' for a client
    name: str  # the client's name, or the owning member's


def current_run(session: Session, day: date) -> RunRef | None:
    row = session.execute(
        select(m.SettlementRun.id, m.SettlementRun.trading_day, m.SettlementRun.status, m.SettlementRun.cash_through)
        .where(m.SettlementRun.trading_day == day, m.SettlementRun.status == "current")
    ).first()
    return RunRef(*row) if row else None


def account_infos(session: Session) -> dict[str, AccountInfo]:
    holder = aliased(m.Member)
    owner = aliased(m.Member)
    rows = session.execute(
        select(m.Account.code, m.Account.kind, holder.code, holder.name, owner.code, owner.name, m.Client.name)
        .join(holder, holder.id == m.Account.member_id)
        .outerjoin(owner, owner.id == m.Account.owner_member_id)
        .outerjoin(m.Client, m.Client.id == m.Account.client_id)
    )
    return {
        code: AccountInfo(code, kind, member, member_name, owner_code or "", client_name or owner_name or "")
        for code, kind, member, member_name, owner_code, owner_name, client_name in rows
    }


def instrument_refs(session: Session) -> tuple[dict[str, InstrumentRef], dict[str, Decimal]]:
    """(code -> exchange, product, multiplier; code -> tick size) of every instrument."""
    rows = session.execute(
        select(m.Instrument.code, m.Exchange.code, m.Product.code, m.Instrument.multiplier, m.Instrument.tick_size)
        .join(m.Product, m.Product.id == m.Instrument.product_id)
        .join(m.Exchange, m.Exchange.id == m.Product.exchange_id)
    )
    refs, ticks = {}, {}
    for code, exchange, product, multiplier, tick in rows:
        refs[code] = InstrumentRef(exchange, product, multiplier.normalize())
        ticks[code] = tick
    return refs, ticks


class _Prices:
    """A price with its instrument's tick decimals (value unchanged, see the module docstring)."""

    def __init__(self, ticks: dict[str, Decimal]) -> None:
        self.units = {
            code: Decimal(1).scaleb(-max(0, -tick.normalize().as_tuple().exponent))  # type: ignore[operator]
            for code, tick in ticks.items()
        }

    def __call__(self, instrument: str, value: Decimal) -> Decimal:
        tidy = value.quantize(self.units[instrument])
        return tidy if tidy == value else value


def load_results(session: Session, run_id: int, level: int, accounts: Collection[str] | None = None) -> dict[str, AccountResult]:
    """The stored AccountResults of one run and level, by account code (all, or those asked for)."""
    ids = dict(session.execute(select(m.Account.id, m.Account.code)).all())
    _, ticks = instrument_refs(session)
    instrument_codes = dict(session.execute(select(m.Instrument.id, m.Instrument.code)).all())
    price = _Prices(ticks)
    day = session.scalar(select(m.SettlementRun.trading_day).where(m.SettlementRun.id == run_id))
    asked = None if accounts is None else set(accounts)
    wanted = None if asked is None else [i for i, code in ids.items() if code in asked]

    def rows(model: type, *order: object) -> Iterator[object]:
        query = select(model).where(model.run_id == run_id)  # type: ignore[attr-defined]
        if wanted is not None:
            query = query.where(model.account_id.in_(wanted))  # type: ignore[attr-defined]
        return iter(session.scalars(query.order_by(model.account_id, *order)))  # type: ignore[attr-defined]

    heads = [a for a in rows(m.SettlementAccount) if a.level == level]  # type: ignore[attr-defined]
    trades: dict[int, list[SettledTrade]] = defaultdict(list)
    for t in rows(m.SettlementTradeLine, m.SettlementTradeLine.executed_at, m.SettlementTradeLine.trade_id, m.SettlementTradeLine.side):
        code = instrument_codes[t.instrument_id]
        line = TradeLine(
            ids[t.account_id], t.trade_id, code, Side(t.side), OffsetFlag(t.offset_flag), price(code, t.price), t.qty,
            t.executed_at, t.forced, t.holder,
        )
        trades[t.account_id].append(SettledTrade(line, t.fee, t.realized))
    closes: dict[int, list[CloseLine]] = defaultdict(list)
    for c in rows(m.SettlementClose, m.SettlementClose.seq):
        code = instrument_codes[c.instrument_id]
        closes[c.account_id].append(CloseLine(
            day, c.trade_id, code, PositionDirection(c.direction), c.open_date, c.open_trade_id, c.qty,
            price(code, c.open_price), price(code, c.previous_settlement), price(code, c.close_price), c.pnl, c.holder,
        ))
    lots: dict[int, list[PositionLine]] = defaultdict(list)
    for p in rows(m.SettlementLot, m.SettlementLot.seq):
        code = instrument_codes[p.instrument_id]
        lots[p.account_id].append(PositionLine(
            code, PositionDirection(p.direction), p.open_date, p.open_trade_id, p.qty, price(code, p.open_price),
            price(code, p.previous_settlement), price(code, p.settlement), p.accumulated_pnl, p.mtm, p.margin, p.holder,
        ))
    margins: dict[int, list[MarginLine]] = defaultdict(list)
    for g in rows(m.SettlementMargin, m.SettlementMargin.holder, m.SettlementMargin.product):
        margins[g.account_id].append(MarginLine(g.holder, g.product, g.long_margin, g.short_margin, g.charged))
    found = {}
    for a in heads:
        found[ids[a.account_id]] = AccountResult(
            account=ids[a.account_id], balance_bf=a.balance_bf, deposits=a.deposits, withdrawals=a.withdrawals,
            close_pnl=a.close_pnl, position_mtm=a.position_mtm, fees=a.fees, balance_cf=a.balance_cf, equity=a.equity,
            margin=a.margin, available=a.available, risk_degree=a.risk_degree, margin_call=a.margin_call,
            trades=tuple(trades[a.account_id]),
            closes=tuple(closes[a.account_id]),
            positions=tuple(lots[a.account_id]),
            margins=tuple(margins[a.account_id]),
        )
    return found


def load_reserves(session: Session, run_id: int) -> dict[str, ReserveResult]:
    rows = session.execute(select(m.Account.code, m.SettlementReserve).join(m.Account).where(m.SettlementReserve.run_id == run_id))
    return {
        code: ReserveResult(
            account=code, reserve_bf=v.reserve_bf, margin_bf=v.margin_bf, margin=v.margin, pnl=v.pnl, deposits=v.deposits,
            withdrawals=v.withdrawals, fees=v.fees, reserve=v.reserve, min_reserve=v.min_reserve, margin_call=v.margin_call,
            net_settlement=v.net_settlement,
        )
        for code, v in rows
    }


def _previous_run(session: Session, day: date) -> tuple[date, int] | None:
    row = session.execute(
        select(m.SettlementRun.trading_day, m.SettlementRun.cash_through)
        .where(m.SettlementRun.status == "current", m.SettlementRun.trading_day < day)
        .order_by(m.SettlementRun.trading_day.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def cash_movements(session: Session, run: RunRef, accounts: Collection[str] | None = None) -> dict[str, list[CashRow]]:
    """The deposits and withdrawals the run counted, by account code, in recording order."""
    query = (
        select(m.Account.code, m.CashMovement.business_date, m.CashMovement.direction, m.CashMovement.amount, m.CashMovement.note,
               m.CashMovement.reference)
        .join(m.Account)
        .where(m.CashMovement.business_date <= run.trading_day, m.CashMovement.id <= run.cash_through)
        .order_by(m.CashMovement.id)
    )
    before = _previous_run(session, run.trading_day)
    if before is None:
        query = query.where(m.CashMovement.business_date == run.trading_day)
    else:
        query = query.where(or_(m.CashMovement.business_date > before[0], m.CashMovement.id > before[1]))
    if accounts is not None:
        query = query.where(m.Account.code.in_(list(accounts)))
    found: dict[str, list[CashRow]] = defaultdict(list)
    for code, day, direction, amount, note, reference in session.execute(query):
        found[code].append(CashRow(day, CashKind(direction), amount, note or reference))
    return found


def _cash_for(result: AccountResult, rows: list[CashRow], day: date) -> tuple[CashRow, ...]:
    deposits = sum((r.deposit for r in rows), ZERO)
    withdrawals = sum((r.withdrawal for r in rows), ZERO)
    if (deposits, withdrawals) == (result.deposits, result.withdrawals):
        return tuple(rows)
    return cash_rows(day, result.deposits, result.withdrawals)


def margin_call_deadlines(session: Session, run_id: int) -> dict[str, datetime]:
    rows = session.execute(select(m.Account.code, m.MarginCall.deadline).join(m.Account).where(m.MarginCall.run_id == run_id))
    return dict(rows.all())


def statement_inputs(
    session: Session, run: RunRef, created: date, accounts: Collection[str] | None = None
) -> list[StatementInput]:
    """What the statements of every level-2 account of the run (clients and trading members),
    or of those asked for, are built from, in account code order."""
    infos = account_infos(session)
    refs, _ = instrument_refs(session)
    results = load_results(session, run.id, LEVEL_CLIENTS, accounts)
    cash = cash_movements(session, run, results.keys() if accounts is not None else None)
    deadlines = margin_call_deadlines(session, run.id)
    inputs = []
    for code in sorted(results):
        info, result = infos[code], results[code]
        inputs.append(StatementInput(
            result, client_name=info.name, member_code=info.member_code, member_name=info.member_name,
            trading_day=run.trading_day, created=created, instruments=refs,
            cash=_cash_for(result, cash.get(code, []), run.trading_day), margin_call_deadline=deadlines.get(code),
        ))
    return inputs


def client_statements(
    session: Session, run: RunRef, created: date, accounts: Collection[str] | None = None
) -> list[ClientStatement]:
    """The statements of `statement_inputs`, built."""
    return [source.build() for source in statement_inputs(session, run, created, accounts)]


def member_reports(session: Session, run: RunRef, created: date, member: str | None = None) -> list[MemberReport]:
    """Each settlement member's reports (from its reserve accounts), in member code order."""
    infos = account_infos(session)
    refs, _ = instrument_refs(session)
    reserve_accounts = [
        code for code, info in infos.items()
        if info.kind == AccountKind.MEMBER_RESERVE.value and (member is None or info.owner_code == member)
    ]
    results = load_results(session, run.id, LEVEL_MEMBERS, reserve_accounts)
    reserves = load_reserves(session, run.id)
    by_member: dict[str, list[str]] = defaultdict(list)
    for code in results:
        by_member[infos[code].owner_code].append(code)
    names = dict(session.execute(select(m.Member.code, m.Member.name)).all())
    return [
        build_member_report(
            owner, names[owner], run.trading_day, created,
            [results[c] for c in codes], [reserves[c] for c in codes], refs,
        )
        for owner, codes in sorted(by_member.items())
    ]


def monthly_days(session: Session, year: int, month: int) -> list[RunRef]:
    """The current runs of a calendar month, in day order."""
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1)
    rows = session.execute(
        select(m.SettlementRun.id, m.SettlementRun.trading_day, m.SettlementRun.status, m.SettlementRun.cash_through)
        .where(and_(m.SettlementRun.status == "current", m.SettlementRun.trading_day >= first, m.SettlementRun.trading_day < last))
        .order_by(m.SettlementRun.trading_day)
    )
    return [RunRef(*row) for row in rows]
