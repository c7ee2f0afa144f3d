"""Daily settlement of a synthetic venue on SQLite: wall time and peak memory against the floor.

Issue 5 sets the targets: for 1,000,000 trades, 100,000 clients, 200 members and 50
instruments, settlement (both levels, invariants, results written) within 30 s and within
3 x the floor, the time it takes merely to read every input row and bulk-write as many output
rows; and time growing linearly in trades. This script measures all three in one run, so the
figures are comparable: it builds the venue in a SQLite database through the project's real
tables (instrument, account, trade, trade_leg, settlement_price, cash_movement, ...; bulk
inserts with SQLAlchemy Core), then times

- settle: read the inputs with SQLAlchemy Core, compute settlement prices, settle level 2
  (members -> clients, client rates) and level 1 (exchange -> member reserve accounts,
  exchange rates) with the pure core, check every invariant, and write the result rows in one
  transaction;
- floor: the same reads, and as many rows bulk-written to the same tables, with no
  computation in between.

The runner (backoffice/settlement/runner.py) and its tables were being written at the same
time as this script, so the benchmark does not go through them: it keeps opening lots and
balances b/f in tables of its own (`bench_lot`, `bench_balance`), calls the pure core on the
rows it reads, and writes results into `bench_*_result` tables; it says so when it runs.
Each measured run is a forked child process, so its peak memory (ru_maxrss) is its own.

    .venv/bin/python benchmarks/settlement.py [--trades 1000000] [--clients 100000]
        [--members 200] [--instruments 50] [--runs 3] [--no-linear] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time as clock_time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, Date, Engine, Integer, MetaData, String, Table, delete, func, insert, select

from backoffice.db import migrate
from backoffice.db import models as m
from backoffice.db.engine import make_engine
from backoffice.db.types import Amount
from backoffice.domain.enums import BusinessType, ClosePriority, ClientKind, MemberKind, OffsetFlag, PositionDirection, RateMode, RateScope, SettlementPriceRule, Side
from backoffice.domain.organisation import Client, Member, reserve_account_code
from backoffice.domain.rates import RatePolicy, RateSchedule, RateSet
from backoffice.settlement.client_rates import ClientRates
from backoffice.settlement.core import paused_gc, settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.settlement.invariants import check_level, members_match_clients
from backoffice.settlement.prices import TradePrint, settlement_price
from backoffice.settlement.rollup import level_one_input, reserve_parents

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
PREVIOUS_DAY = date(2026, 2, 27)
SESSIONS = ((clock_time(9, 30), clock_time(11, 30)), (clock_time(13, 0), clock_time(15, 0)))
D = Decimal
ZERO = D(0)
OPEN, CLOSE, CLOSE_TODAY, CLOSE_YESTERDAY = OffsetFlag.OPEN, OffsetFlag.CLOSE, OffsetFlag.CLOSE_TODAY, OffsetFlag.CLOSE_YESTERDAY
# (code, close_today_distinct, close_priority, settlement rule): one CFFEX-like, one SHFE-like
EXCHANGES = (
    ("SIMF", False, ClosePriority.YESTERDAY_FIRST, SettlementPriceRule.LAST_HOUR_VWAP),
    ("SIMC", True, ClosePriority.TODAY_FIRST, SettlementPriceRule.WHOLE_DAY_VWAP),
)
MULTIPLIERS = (300, 10, 200, 5, 100, 15, 1000, 20, 60, 16)
EXCHANGE_RATES = {
    "SIMF": RateSet(D("0.12"), D("0.12"), D("0.000023"), ZERO, D("0.000023"), ZERO, D("0.000345"), ZERO),
    "SIMC": RateSet(D("0.08"), D("0.09"), ZERO, D("2"), ZERO, D("2"), ZERO, D("6")),
}

meta = MetaData()
# Stand-ins for the runner's tables (see the module docstring). Inputs use the project's exact
# column type (Amount). Results are written the fast way a bulk writer would: amounts as the
# scaled integers that Amount stores on SQLite (cents; 10**-6 for prices), converted by the
# writer, and rows as tuples through the driver's executemany; the floor writes the same way.
bench_lot = Table(
    "bench_lot", meta,
    Column("id", Integer, primary_key=True), Column("account_id", Integer), Column("instrument_id", Integer),
    Column("direction", String(5)), Column("open_date", Date), Column("open_price", Amount(20, 6)), Column("qty", Integer),
    Column("open_trade_id", String(32)),
)
bench_balance = Table("bench_balance", meta, Column("account_id", Integer, primary_key=True), Column("balance", Amount(20, 2)))
leg_result = Table(
    "bench_leg_result", meta,
    Column("level", Integer), Column("account", String(48)), Column("trade_id", String(32)), Column("side", String(4)),
    Column("fee", BigInteger), Column("realized", BigInteger),
)
close_result = Table(
    "bench_close_result", meta,
    Column("level", Integer), Column("account", String(48)), Column("trade_id", String(32)), Column("open_trade_id", String(32)),
    Column("qty", Integer), Column("pnl", BigInteger),
)
position_result = Table(
    "bench_position_result", meta,
    Column("level", Integer), Column("account", String(48)), Column("holder", String(48)), Column("instrument", String(32)),
    Column("direction", String(5)), Column("open_date", Date), Column("open_trade_id", String(32)), Column("qty", Integer),
    Column("open_price", BigInteger), Column("mtm", BigInteger), Column("margin", BigInteger),
)
account_result = Table(
    "bench_account_result", meta,
    Column("level", Integer), Column("account", String(48)), Column("close_pnl", BigInteger), Column("mtm", BigInteger),
    Column("fees", BigInteger), Column("balance_cf", BigInteger), Column("margin", BigInteger), Column("margin_call", BigInteger),
)
RESULT_TABLES = (leg_result, close_result, position_result, account_result)


# --- the synthetic venue -------------------------------------------------------------------


@dataclass
class Size:
    trades: int
    clients: int
    members: int
    instruments: int


def build_venue(url: str, size: Size, seed: int = 5) -> None:
    """Create the schema and fill it: reference data, opening lots and balances, one day of trades."""
    migrate.upgrade(url)
    engine = make_engine(url)
    meta.create_all(engine)
    rng = random.Random(seed)
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with engine.begin() as db:
        hours_id = db.execute(insert(m.TradingHours).values(name="sim", auction_minutes=5)).inserted_primary_key[0]
        db.execute(insert(m.HoursPeriod), [{"hours_id": hours_id, "kind": "day", "seq": n, "start": a, "end": b} for n, (a, b) in enumerate(SESSIONS)])
        exchange_ids = {}
        for code, distinct, priority, _ in EXCHANGES:
            exchange_ids[code] = db.execute(insert(m.Exchange).values(
                code=code, name=code, timezone="Asia/Shanghai", close_today_distinct=distinct, close_priority=priority.value, tiered_settlement=True,
            )).inserted_primary_key[0]
        products = max(1, size.instruments // 5)
        product_ids = {}
        for p in range(products):
            exchange, _, _, rule = EXCHANGES[p % 2]
            terms = _terms(p, rule)
            product_ids[p] = db.execute(insert(m.Product).values(
                exchange_id=exchange_ids[exchange], code=f"P{p}", name=f"Product {p}", hours_id=hours_id, **terms,
            )).inserted_primary_key[0]
            db.execute(insert(m.ExchangeRate).values(product_id=product_ids[p], effective_from=date(2026, 1, 1), **EXCHANGE_RATES[exchange].as_dict()))
        instruments = []  # (id, tick, previous settlement)
        for n in range(size.instruments):
            p = n % products
            terms = _terms(p, EXCHANGES[p % 2][3])
            iid = db.execute(insert(m.Instrument).values(
                code=f"P{p}{2603 + n // products}", product_id=product_ids[p], listing_date=date(2025, 1, 1), expiry_date=date(2027, 12, 31), **terms,
            )).inserted_primary_key[0]
            previous = D(3000 + 500 * p + 10 * (n // products))
            db.execute(insert(m.SettlementPrice).values(
                instrument_id=iid, trading_day=PREVIOUS_DAY, price=previous, source="previous", detail="benchmark", recorded_at=now, operator="benchmark",
            ))
            instruments.append((iid, terms["tick_size"], previous))
        # Members: every 20th a general-settlement member clearing for the next one, a trading member.
        member_rows = []
        for k in range(size.members):
            kind = MemberKind.GENERAL_SETTLEMENT if k % 20 == 0 else MemberKind.TRADING if k % 20 == 1 else MemberKind.TRADING_SETTLEMENT
            member_rows.append({
                "id": k + 1, "code": f"M{k:03d}", "name": f"Member {k}", "kind": kind.value, "settled_by_id": k if kind is MemberKind.TRADING else None,
                "min_reserve": D("2000000.00"), "min_fee_multiple": D(3), "min_margin_addon": D("0.03"),
            })
        db.execute(insert(m.Member), member_rows)
        db.execute(insert(m.Membership), [{"member_id": k + 1, "exchange_id": e} for k in range(size.members) for e in exchange_ids.values()])
        db.execute(insert(m.RateSchedule), [
            {"member_id": k + 1, "scope": "member", "target": "", "product_code": "*", "effective_from": date(2026, 1, 1), "mode": "relative",
             "fee_multiple": D(3 + k % 3), "margin_addon": D("0.03") + D(k % 3).scaleb(-2)}
            for k in range(size.members)
        ])
        client_rows, account_rows = [], []
        for c in range(size.clients):
            kind = "proprietary" if c < size.members else "institution" if c % 7 == 0 else "individual"
            client_rows.append({"id": c + 1, "code": f"C{c:06d}", "name": f"Client {c}", "member_id": c % size.members + 1, "kind": kind, "group": "vip" if c % 11 == 0 else None})
            account_rows.append({
                "id": c + 1, "code": f"C{c:06d}", "kind": "client", "member_id": c % size.members + 1, "owner_member_id": None, "client_id": c + 1,
                "exchange_id": None, "business_type": ClientKind(kind).business_type.value, "currency": "CNY", "status": "active", "opened_at": now,
            })
        next_id = size.clients + 1
        for k, row in enumerate(member_rows):
            if row["kind"] == MemberKind.TRADING.value:
                continue
            for exchange, eid in exchange_ids.items():
                for business in BusinessType:
                    account_rows.append({
                        "id": next_id, "code": reserve_account_code(row["code"], exchange, business), "kind": "member_reserve", "member_id": k + 1,
                        "owner_member_id": k + 1, "client_id": None, "exchange_id": eid, "business_type": business.value, "currency": "CNY",
                        "status": "active", "opened_at": now,
                    })
                    next_id += 1
        db.execute(insert(m.Client), client_rows)
        db.execute(insert(m.Account), account_rows)
        db.execute(insert(bench_balance), [{"account_id": row["id"], "balance": D(rng.randrange(10**7, 10**9)).scaleb(-2)} for row in account_rows])
        db.execute(insert(m.CashMovement), [
            {"account_id": c + 1, "business_date": DAY, "direction": "deposit" if rng.random() < 0.7 else "withdrawal",
             "amount": D(rng.randrange(10**5, 10**7)).scaleb(-2), "reference": f"B{c}", "operator": "benchmark", "note": "", "recorded_at": now}
            for c in rng.sample(range(size.clients), size.clients // 20)
        ])
        lots, trades, legs = _market(rng, size, instruments)
        for chunk in _chunks(lots):
            db.execute(insert(bench_lot), chunk)
        for chunk in _chunks(trades):
            db.execute(insert(m.Trade), chunk)
        for chunk in _chunks(legs):
            db.execute(insert(m.TradeLeg), chunk)
    engine.dispose()


def _terms(p: int, rule: SettlementPriceRule) -> dict:
    simf = p % 2 == 0
    return {
        "currency": "CNY", "multiplier": D(MULTIPLIERS[p % len(MULTIPLIERS)]), "tick_size": D("0.2") if simf else D(1), "price_limit_pct": D("0.10"),
        "max_order_size": 100, "position_limit": 10**6, "settlement_rule": rule.value, "large_side_margin": p % 3 == 1,
    }


def _market(rng: random.Random, size: Size, instruments: list) -> tuple[list, list, list]:
    """Opening lots, trades and legs. Each client trades two instruments of its own, so that
    it closes lots often; close flags are only chosen where the client holds enough lots."""
    count = len(instruments)
    pools: list[list[int]] = [[] for _ in range(count)]
    for c in range(size.clients):
        for i in rng.sample(range(count), min(2, count)):
            pools[i].append(c)
    pools = [pool if len(pool) >= 2 else list(range(min(size.clients, 2))) for pool in pools]
    held: dict[tuple[int, int], list[int]] = {}  # (client, instrument) -> long carried, long today, short carried, short today
    lots = []
    for n in range(size.clients):
        i = rng.randrange(count)
        buyer, seller = rng.sample(pools[i], 2)
        iid, tick, previous = instruments[i]
        qty = rng.randint(1, 10)
        opened = DAY - timedelta(days=rng.randint(3, 12))
        price = previous + tick * rng.randint(-50, 50)
        for client, direction, base in ((buyer, "long", 0), (seller, "short", 2)):
            lots.append({"account_id": client + 1, "instrument_id": iid, "direction": direction, "open_date": opened, "open_price": price, "qty": qty, "open_trade_id": f"O{n:07d}{direction[0]}"})
            held.setdefault((client, i), [0, 0, 0, 0])[base] += qty
    start = datetime.combine(DAY, SESSIONS[0][0], TZ)
    trades, legs = [], []
    seconds = 4 * 3600
    for t in range(size.trades):
        i = rng.randrange(count)
        buyer, seller = rng.sample(pools[i], 2)
        iid, tick, previous = instruments[i]
        exchange = EXCHANGES[(i % max(1, size.instruments // 5)) % 2]
        qty = rng.choice((1, 1, 1, 2, 2, 3, 5, 10))
        offset = t * seconds // size.trades
        executed = start + timedelta(seconds=offset if offset < 7200 else offset + 5400)
        trade_id = f"T{t:09d}"
        trades.append({"id": trade_id, "trading_day": DAY, "instrument_id": iid, "price": previous + tick * rng.randint(-60, 60), "qty": qty,
                       "executed_at": executed, "aggressor": "buy" if t % 2 else "sell", "source": "core", "journal_seq": None})
        buy = _flag(rng, held.setdefault((buyer, i), [0, 0, 0, 0]), 2, qty, exchange)  # a buy closes shorts
        sell = _flag(rng, held.setdefault((seller, i), [0, 0, 0, 0]), 0, qty, exchange)
        if buy is OPEN:
            held[(buyer, i)][1] += qty
        if sell is OPEN:
            held[(seller, i)][3] += qty
        for side, client, flag in (("buy", buyer, buy), ("sell", seller, sell)):
            legs.append({"trade_id": trade_id, "side": side, "account_id": client + 1, "order_id": None, "cl_ord_id": None, "offset_flag": flag.value, "forced": False})
    return lots, trades, legs


def _flag(rng: random.Random, held: list[int], base: int, qty: int, exchange: tuple) -> OffsetFlag:
    _, distinct, priority, _ = exchange
    if rng.random() < 0.4:
        return OPEN
    carried, today = held[base], held[base + 1]
    wanted = rng.choice((CLOSE, CLOSE, CLOSE_TODAY, CLOSE_YESTERDAY))
    if wanted is CLOSE_TODAY and today >= qty:
        held[base + 1] -= qty
    elif wanted is CLOSE_YESTERDAY and carried >= qty:
        held[base] -= qty
    elif wanted is CLOSE and distinct and carried >= qty:
        held[base] -= qty
    elif wanted is CLOSE and not distinct and today + carried >= qty:
        first = base + 1 if priority is ClosePriority.TODAY_FIRST else base
        second = base if first != base else base + 1
        taken = min(held[first], qty)
        held[first] -= taken
        held[second] -= qty - taken
    else:
        return OPEN
    return wanted


def _chunks(rows: list, size: int = 100_000) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


# --- reading the inputs (shared by the settlement and the floor) --------------------------


@dataclass
class Inputs:
    instruments: list  # Instrument rows joined with product and exchange, and the previous price
    exchange_rates: dict  # product code -> RateSet
    members: list
    clients: list
    accounts: list
    schedules: list
    balances: dict  # account id -> Decimal
    cash: list
    lots: list
    trades: list
    legs: list

    def rows(self) -> int:
        return sum(len(x) for x in (self.instruments, self.exchange_rates, self.members, self.clients, self.accounts, self.schedules, self.balances, self.cash, self.lots, self.trades, self.legs))


def read_inputs(db) -> Inputs:
    i, p, e = m.Instrument, m.Product, m.Exchange
    instruments = db.execute(
        select(i.id, i.code, p.code, e.code, i.multiplier, i.tick_size, i.large_side_margin, i.settlement_rule, e.close_today_distinct, e.close_priority, m.SettlementPrice.price)
        .join(p, i.product_id == p.id).join(e, p.exchange_id == e.id)
        .join(m.SettlementPrice, (m.SettlementPrice.instrument_id == i.id) & (m.SettlementPrice.trading_day == PREVIOUS_DAY))
    ).all()
    r = m.ExchangeRate
    exchange_rates = {
        row[0]: RateSet(*row[1:])
        for row in db.execute(select(p.code, r.margin_long, r.margin_short, r.fee_open_money, r.fee_open_volume, r.fee_close_money, r.fee_close_volume,
                                     r.fee_close_today_money, r.fee_close_today_volume).join(p, r.product_id == p.id).where(r.effective_from <= DAY))
    }
    members = db.execute(select(m.Member.id, m.Member.code, m.Member.kind, m.Member.settled_by_id, m.Member.min_reserve, m.Member.min_fee_multiple, m.Member.min_margin_addon)).all()
    clients = db.execute(select(m.Client.code, m.Client.member_id, m.Client.kind, m.Client.group)).all()
    accounts = db.execute(select(m.Account.id, m.Account.code, m.Account.kind, m.Account.exchange_id)).all()
    s = m.RateSchedule
    schedules = db.execute(select(s.member_id, s.scope, s.target, s.product_code, s.effective_from, s.mode, s.fee_multiple, s.margin_addon)).all()
    balances = dict(db.execute(select(bench_balance.c.account_id, bench_balance.c.balance)).all())
    c = m.CashMovement
    cash = db.execute(select(c.account_id, c.direction, c.amount).where(c.business_date == DAY)).all()
    lt = bench_lot.c
    lots = db.execute(select(lt.account_id, lt.instrument_id, lt.direction, lt.open_date, lt.open_price, lt.qty, lt.open_trade_id).order_by(lt.id)).all()
    t = m.Trade
    trades = db.execute(select(t.id, t.instrument_id, t.price, t.qty, t.executed_at).where(t.trading_day == DAY).order_by(t.executed_at, t.id)).all()
    g = m.TradeLeg
    legs = db.execute(select(g.trade_id, g.side, g.account_id, g.offset_flag, g.forced).join(t, g.trade_id == t.id).where(t.trading_day == DAY)).all()
    return Inputs(instruments, exchange_rates, members, clients, accounts, schedules, balances, cash, lots, trades, legs)


# --- the settlement ------------------------------------------------------------------------


def settle(engine: Engine) -> dict:
    """One settlement run; returns its phase timings and the number of rows written."""
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = now - mark
        mark = now

    with engine.begin() as db, paused_gc():  # as the runner does (settlement.runner.settle_days)
        data = read_inputs(db)
        lap("read")
        day = _domain(data)
        lap("to domain rows")
        instruments = _prices(data, day)
        lap("settlement prices")
        level2 = settle_level(LevelInput(DAY, instruments, day.openings, day.lots, day.lines))
        lap("level 2")
        problems = list(level2.problems)
        violations = check_level(level2.accounts)
        lap("level 2 invariants")
        level1 = []
        for exchange, parents in day.parents.items():
            codes = {code for code, inst in instruments.items() if day.exchange_of[code] == exchange}
            members_in = [AccountOpening(a, day.reserve_bf[a], ZERO, ZERO, data.exchange_rates) for a in sorted(set(parents.values()))]
            level_in, rolled = level_one_input(DAY, {c: instruments[c] for c in codes}, members_in,
                                               [x for x in day.lots if x[1] in codes], [x for x in day.lines if x[2] in codes], parents)
            lap(f"roll-up {exchange}")
            result = settle_level(level_in)
            lap(f"level 1 {exchange}")
            problems += rolled + list(result.problems)
            # members_match_clients sums every position of the clients given: only this exchange's
            clients = [SimpleNamespace(account=r.account, positions=[p for p in r.positions if p[0] in codes]) for r in level2.accounts]
            violations += check_level(result.accounts) + members_match_clients(result.accounts, clients, parents)
            lap(f"level 1 {exchange} invariants")
            level1 += result.accounts
        if problems or violations:
            raise SystemExit(f"settlement refused: {problems[:5]} {violations[:5]}")
        written = write_results(db, _result_rows(level2.accounts, level1))
        lap("write")
    phases["total"] = sum(phases.values())
    return {"phases": phases, "rows_in": data.rows(), "rows_out": written}


@dataclass
class Day:
    openings: list
    lots: list
    lines: list
    parents: dict  # exchange -> client account -> reserve account
    reserve_bf: dict
    exchange_of: dict


def _domain(data: Inputs) -> Day:
    """The pure core's rows from the database rows: the loading half of a runner."""
    member_by_id = {row[0]: row for row in data.members}
    members = [
        Member(code, code, MemberKind(kind), tuple(e[0] for e in EXCHANGES), None if settled is None else member_by_id[settled][1], min_reserve, RatePolicy(multiple, addon))
        for _, code, kind, settled, min_reserve, multiple, addon in data.members
    ]
    clients = [Client(code, code, member_by_id[member_id][1], ClientKind(kind), group) for code, member_id, kind, group in data.clients]
    schedules = [
        RateSchedule(member_by_id[member_id][1], RateScope(scope), target or None, None if product == "*" else product, effective, RateMode(mode), multiple, addon)
        for member_id, scope, target, product, effective, mode, multiple, addon in data.schedules
    ]
    rates_of = {x.code: ClientRates(x.code, schedules, data.exchange_rates, DAY, x.policy) for x in members}
    code_of = {row[0]: row[1] for row in data.accounts}
    deposits: dict[int, list] = {}
    for account_id, direction, amount in data.cash:
        deposits.setdefault(account_id, [ZERO, ZERO])[0 if direction == "deposit" else 1] += amount
    client_ids = {row[1]: row[0] for row in data.accounts}
    no_cash = (ZERO, ZERO)
    openings = []
    for client in clients:
        account_id = client_ids[client.code]
        moved = deposits.get(account_id, no_cash)
        openings.append(AccountOpening(client.code, data.balances[account_id], moved[0], moved[1], rates_of[client.member].for_client(client.code, client.group)))
    instrument_code = {row[0]: row[1] for row in data.instruments}
    directions = {d.value: d for d in PositionDirection}
    lots = [_tuple_new(Lot, (code_of[a], instrument_code[i], directions[d], od, op, q, tid, "")) for a, i, d, od, op, q, tid in data.lots]
    sides = {s.value: s for s in Side}
    flags = {f.value: f for f in OffsetFlag}
    legs: dict[str, list] = {}
    for trade_id, side, account_id, flag, forced in data.legs:
        legs.setdefault(trade_id, []).append((sides[side], code_of[account_id], flags[flag], forced))
    lines = []
    for trade_id, instrument_id, price, qty, executed in data.trades:
        code = instrument_code[instrument_id]
        for side, account, flag, forced in legs[trade_id]:
            lines.append(_tuple_new(TradeLine, (account, trade_id, code, side, flag, price, qty, executed, forced, "")))
    parents = {exchange: reserve_parents(clients, members, exchange) for exchange, *_ in EXCHANGES}
    reserve_bf = {row[1]: data.balances[row[0]] for row in data.accounts if row[2] == "member_reserve"}
    exchange_of = {row[1]: row[3] for row in data.instruments}
    return Day(openings, lots, lines, parents, reserve_bf, exchange_of)


_tuple_new = tuple.__new__


def _prices(data: Inputs, day: Day) -> dict[str, InstrumentDay]:
    prints: dict[int, list] = {}
    for _, instrument_id, price, qty, executed in data.trades:
        prints.setdefault(instrument_id, []).append(_tuple_new(TradePrint, (executed, price, qty)))
    sessions = [(datetime.combine(DAY, a, TZ), datetime.combine(DAY, b, TZ)) for a, b in SESSIONS]
    result = {}
    for iid, code, product, exchange, multiplier, tick, large, rule, distinct, priority, previous in data.instruments:
        price = settlement_price(code, SettlementPriceRule(rule), tick, prints.get(iid, []), sessions, previous)
        result[code] = InstrumentDay(code, product, multiplier, previous, price.price, large, distinct, ClosePriority(priority))
    return result


def _result_rows(level2: tuple, level1: list) -> dict[Table, list]:
    rows: dict[Table, list] = {table: [] for table in RESULT_TABLES}
    legs, closes, positions, accounts = (rows[t] for t in RESULT_TABLES)
    with paused_gc():
        for level, results in ((2, level2), (1, level1)):
            for r in results:
                account = r.account
                legs += [(level, account, s[0][1], s[0][3].value, int(s[1].scaleb(2)), int(s[2].scaleb(2))) for s in r.trades]
                closes += [(level, account, c[1], c[5], c[6], int(c[10].scaleb(2))) for c in r.closes]
                positions += [(level, account, p[11], p[0], p[1].value, p[2].isoformat(), p[3], p[4], int(p[5].scaleb(6)), int(p[9].scaleb(2)), int(p[10].scaleb(2)))
                              for p in r.positions]
                accounts.append((level, account, *(int(x.scaleb(2)) for x in (r.close_pnl, r.position_mtm, r.fees, r.balance_cf, r.margin, r.margin_call))))
    return rows


def write_results(db, rows: dict[Table, list]) -> int:
    for table in RESULT_TABLES:
        db.execute(delete(table))
        sql = f"INSERT INTO {table.name} VALUES ({', '.join('?' * len(table.columns))})"
        for chunk in _chunks(rows[table]):
            db.exec_driver_sql(sql, chunk)
    return sum(len(x) for x in rows.values())


# --- the floor -----------------------------------------------------------------------------


def floor(engine: Engine, counts: dict[Table, int]) -> dict:
    """Read every input row as the settlement does, write `counts` rows per result table."""
    phases: dict[str, float] = {}
    start = time.perf_counter()
    with engine.begin() as db, paused_gc():  # read as cheaply as the settlement reads
        data = read_inputs(db)
        phases["read"] = time.perf_counter() - start
        mark = time.perf_counter()
        leg = (2, "C000000", "T000000000", "buy", 1, 1)
        close = (2, "C000000", "T000000000", "O0000000l", 1, 1)
        position = (2, "C000000", "", "P02603", "long", DAY.isoformat(), "T000000000", 1, 3000200000, 1, 1)
        account = (2, "C000000", 1, 1, 1, 1, 1, 1)
        templates = dict(zip(RESULT_TABLES, (leg, close, position, account)))
        write_results(db, {table: [templates[table]] * counts[table] for table in RESULT_TABLES})
        phases["write"] = time.perf_counter() - mark
    phases["total"] = phases["read"] + phases["write"]
    return {"phases": phases, "rows_in": data.rows()}


def result_counts(engine: Engine) -> dict[Table, int]:
    with engine.connect() as db:
        return {table: db.scalar(select(func.count()).select_from(table)) for table in RESULT_TABLES}


# --- measuring -----------------------------------------------------------------------------


def in_child(job: Callable[[], dict]) -> dict:
    """Run `job` in a forked child: its own peak RSS (ru_maxrss, KiB on Linux), then exit."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            outcome = job()
        except BaseException as error:  # report it to the parent, which is waiting on the pipe
            send.send({"error": repr(error)})
            raise
        outcome["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        outcome["baseline_mib"] = before / 1024
        send.send(outcome)

    process = context.Process(target=run)
    process.start()
    outcome = receive.recv()
    process.join()
    if "error" in outcome or process.exitcode:
        raise SystemExit(f"measured run failed: {outcome.get('error', process.exitcode)}")
    return outcome


def measure(url: str, size: Size, runs: int) -> dict:
    started = time.perf_counter()
    build_venue(url, size)
    print(f"  built {size.trades:,} trades, {size.clients:,} clients, {size.members} members, {size.instruments} instruments in {time.perf_counter() - started:.1f} s")
    engine = make_engine(url)
    settles, floors = [], []
    for n in range(runs):
        outcome = in_child(lambda: settle(engine))
        settles.append(outcome)
        print(f"  settle run {n + 1}: {outcome['phases']['total']:.1f} s, peak {outcome['peak_mib']:,.0f} MiB  (" +
              ", ".join(f"{k} {v:.1f}" for k, v in outcome["phases"].items() if k != "total") + ")")
        counts = result_counts(engine)
        outcome = in_child(lambda: floor(engine, counts))
        floors.append(outcome)
        print(f"  floor run {n + 1}: {outcome['phases']['total']:.1f} s (read {outcome['phases']['read']:.1f}, write {outcome['phases']['write']:.1f})")
    engine.dispose()
    return {
        "settle": statistics.median(x["phases"]["total"] for x in settles),
        "floor": statistics.median(x["phases"]["total"] for x in floors),
        "peak_mib": max(x["peak_mib"] for x in settles),
        "rows_in": settles[0]["rows_in"],
        "rows_out": settles[0]["rows_out"],
        "phases": {k: statistics.median(x["phases"][k] for x in settles) for k in settles[0]["phases"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trades", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--instruments", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3, help="measured runs per size (medians are printed)")
    parser.add_argument("--no-linear", action="store_true", help="skip the half-size run")
    parser.add_argument("--keep", type=Path, help="build the databases in this directory and keep them")
    args = parser.parse_args()
    print("Not through the runner: opening lots and balances come from bench_lot and bench_balance, "
          "the pure core settles them, results go to bench_*_result tables of this database.")
    sizes = [Size(args.trades, args.clients, args.members, args.instruments)]
    if not args.no_linear:
        sizes.insert(0, Size(args.trades // 2, args.clients, args.members, args.instruments))
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            print(f"{size.trades:,} trades:")
            path = directory / f"settlement-{size.trades}.db"
            path.unlink(missing_ok=True)
            figures.append((size, measure(f"sqlite:///{path}", size, args.runs)))
    print()
    print(f"{'trades':>10} {'rows in':>10} {'rows out':>10} {'settle s':>9} {'floor s':>8} {'ratio':>6} {'peak MiB':>9}")
    for size, f in figures:
        print(f"{size.trades:>10,} {f['rows_in']:>10,} {f['rows_out']:>10,} {f['settle']:>9.1f} {f['floor']:>8.1f} {f['settle'] / f['floor']:>6.2f} {f['peak_mib']:>9,.0f}")
    size, f = figures[-1]
    print("phases of the largest run (medians, s): " + ", ".join(f"{k} {v:.1f}" for k, v in f["phases"].items()))
    print(f"targets: settle <= 30 s: {'met' if f['settle'] <= 30 else 'NOT met'}; settle <= 3 x floor: {'met' if f['settle'] <= 3 * f['floor'] else 'NOT met'}")
    if len(figures) == 2:
        (small, a), (large, b) = figures
        print(f"growth: {large.trades / small.trades:.1f} x the trades took {b['settle'] / a['settle']:.2f} x the settlement time")


if __name__ == "__main__":
    main()
