"""Daily settlement of a synthetic venue, through `fixbroker settle run`: wall time and peak memory against the floor.

Issue 5 sets the targets: for 1,000,000 trades, 100,000 clients, 200 members and 50
instruments on SQLite, settlement (both levels, invariants, results written) within 30 s and
within 3 x the floor, the time it takes merely to read every input row and bulk-write as many
output rows; and time growing linearly in trades. This script measures all three in one run,
so the figures are comparable.

The venue is built in the project's own tables: reference data through the same loader as
`fixbroker ref load` (a generated venue file), the clients and their accounts, a current
settlement run of the previous trading day that carries every client's open lots, balance
and member reserve, the day's cash movements, and the day's trades with their legs. Then

- settle: `fixbroker settle run --date DAY` in a child process, exactly as an operator runs
  it (start-up, closure checks, loading, prices, level 2, trading members, level 1, reserves,
  invariants, writing, commit, the bank transfer file). Wall time, the child's peak RSS, and
  its phases from the time each progress line arrives. Runs after the first are reruns
  (`--force`: the benchmark's trading day is in the past), which supersede the run before.
- floor: in a forked child, a transaction that reads every input row the settlement reads
  (the same tables and filters, through SQLAlchemy Core, values converted to Python) and
  inserts the rows the settlement wrote, again, under another run id, with the driver's
  executemany (values already in storage form) and the runner's SQLite page cache, then
  commits. Those rows are deleted afterwards, outside the timing.

    .venv/bin/python benchmarks/settlement.py [--trades 1000000] [--clients 100000]
        [--members 200] [--instruments 50] [--runs 3] [--no-linear] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time as clock_time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select

from backoffice.db import migrate
from backoffice.db import models as m
from backoffice.db.engine import make_engine, sqlite_page_cache, transaction
from backoffice.domain.enums import ClientKind, ClosePriority, OffsetFlag
from backoffice.refdata.loader import load_venue
from backoffice.refdata.venue import parse_venue
from backoffice.settlement.core import paused_gc
from backoffice.settlement.runner import PAGE_CACHE_MIB

PROJECT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)  # a Monday
PREVIOUS_DAY = date(2026, 2, 27)
SESSIONS = ((clock_time(9, 30), clock_time(11, 30)), (clock_time(13, 0), clock_time(15, 0)))
D = Decimal
OPEN, CLOSE, CLOSE_TODAY, CLOSE_YESTERDAY = OffsetFlag.OPEN, OffsetFlag.CLOSE, OffsetFlag.CLOSE_TODAY, OffsetFlag.CLOSE_YESTERDAY
# (code, close_today_distinct, close_priority, settlement rule, exchange rates as in the venue file)
EXCHANGES = (
    ("SIMF", False, ClosePriority.YESTERDAY_FIRST, "last_hour_vwap",
     {"margin_long": "0.12", "margin_short": "0.12", "fee_open_money": "0.000023", "fee_open_volume": "0", "fee_close_money": "0.000023",
      "fee_close_volume": "0", "fee_close_today_money": "0.000345", "fee_close_today_volume": "0"}),
    ("SIMC", True, ClosePriority.TODAY_FIRST, "whole_day_vwap",
     {"margin_long": "0.08", "margin_short": "0.09", "fee_open_money": "0", "fee_open_volume": "2", "fee_close_money": "0",
      "fee_close_volume": "2", "fee_close_today_money": "0", "fee_close_today_volume": "6"}),
)
MULTIPLIERS = (300, 10, 200, 5, 100, 15, 1000, 20, 60, 16)
# The tables a settlement run writes its rows to, keyed by the run (the floor writes them again).
RUN_TABLES = ("settlement_account", "settlement_trade_line", "settlement_close", "settlement_lot", "settlement_margin",
              "settlement_reserve", "margin_call")


# --- the synthetic venue -------------------------------------------------------------------


@dataclass
class Size:
    trades: int
    clients: int
    members: int
    instruments: int

    @property
    def products(self) -> int:
        return max(1, self.instruments // 5)


def member_code(k: int) -> str:
    return f"M{k:03d}"


def member_kind(k: int) -> str:
    """Every 20th member a general-settlement member clearing for the next one, a trading member."""
    return "general_settlement" if k % 20 == 0 else "trading" if k % 20 == 1 else "trading_settlement"


def venue_file(size: Size) -> str:
    """The reference data as a venue file for the loader of `fixbroker ref load`."""
    out = [
        '[venue]\nname = "settlement benchmark"\neffective = 2026-01-01\n',
        '[calendar]\ntimezone = "Asia/Shanghai"\nrollover = 18:00:00\n',
        '[hours.sim]\nday = ["09:30-11:30", "13:00-15:00"]\n',
    ]
    for code, distinct, priority, _, _ in EXCHANGES:
        out.append(f'[[exchange]]\ncode = "{code}"\nname = "{code}"\ntimezone = "Asia/Shanghai"\nclose_today_distinct = {str(distinct).lower()}\n'
                   f'close_priority = "{priority.value}"\ntiered_settlement = true\n')
    for p in range(size.products):
        exchange, _, _, rule, rates = EXCHANGES[p % 2]
        out.append(
            f'[[product]]\nexchange = "{exchange}"\ncode = "P{p}"\nname = "Product {p}"\nhours = "sim"\ncurrency = "CNY"\n'
            f'multiplier = {MULTIPLIERS[p % len(MULTIPLIERS)]}\ntick_size = "{"0.2" if p % 2 == 0 else "1"}"\nprice_limit_pct = "0.10"\n'
            f'max_order_size = 100\nposition_limit = 1000000\nsettlement_rule = "{rule}"\nlarge_side_margin = {str(p % 3 == 1).lower()}\n'
            "[product.rates]\n" + "".join(f'{k} = "{v}"\n' for k, v in rates.items())
        )
    for n in range(size.instruments):
        p = n % size.products
        out.append(f'[[instrument]]\ncode = "{instrument_code(n, size)}"\nproduct = "P{p}"\nlisting_date = 2025-01-01\nexpiry_date = 2027-12-31\n')
    for k in range(size.members):
        kind = member_kind(k)
        settled_by = f'settled_by = "{member_code(k - 1)}"\n' if kind == "trading" else ""
        out.append(f'[[member]]\ncode = "{member_code(k)}"\nname = "Member {k}"\nkind = "{kind}"\nexchanges = ["SIMF", "SIMC"]\n'
                   f'{settled_by}min_reserve = "2000000.00"\n')
        out.append(f'[[rate_schedule]]\nmember = "{member_code(k)}"\nscope = "member"\nmode = "relative"\n'
                   f'fee_multiple = "{3 + k % 3}"\nmargin_addon = "{D("0.03") + D(k % 3).scaleb(-2)}"\n')
    return "\n".join(out)


def instrument_code(n: int, size: Size) -> str:
    return f"P{n % size.products}{2603 + n // size.products}"


def build_venue(url: str, size: Size, seed: int = 5) -> None:
    """Create the schema and fill it (see the module docstring)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    spec, issues = parse_venue(venue_file(size))
    if spec is None:
        raise SystemExit(f"benchmark venue file refused: {issues[:5]}")
    with transaction(engine) as session:
        load_venue(session, spec, source="benchmark", content=b"", operator="benchmark")
    rng = random.Random(seed)
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with engine.begin() as db:
        members = dict(db.execute(select(m.Member.code, m.Member.id)).all())
        instruments = []  # (id, tick, previous settlement)
        by_code = {code: (iid, tick) for code, iid, tick in db.execute(select(m.Instrument.code, m.Instrument.id, m.Product.tick_size).join(m.Product))}
        for n in range(size.instruments):
            iid, tick = by_code[instrument_code(n, size)]
            instruments.append((iid, tick, D(3000 + 500 * (n % size.products) + 10 * (n // size.products))))
        db.execute(insert(m.SettlementPrice), [
            {"instrument_id": iid, "trading_day": PREVIOUS_DAY, "price": previous, "source": "whole_day_vwap", "detail": "benchmark",
             "recorded_at": now, "operator": "benchmark"}
            for iid, _, previous in instruments
        ])
        client_rows, account_rows = [], []
        first_account = db.scalar(select(func.max(m.Account.id))) + 1
        for c in range(size.clients):
            kind = "proprietary" if c < size.members else "institution" if c % 7 == 0 else "individual"
            member_id = members[member_code(c % size.members)]
            client_rows.append({"id": c + 1, "code": f"C{c:06d}", "name": f"Client {c}", "member_id": member_id, "kind": kind, "group": "vip" if c % 11 == 0 else None})
            account_rows.append({
                "id": first_account + c, "code": f"C{c:06d}", "kind": "client", "member_id": member_id, "owner_member_id": None, "client_id": c + 1,
                "exchange_id": None, "business_type": ClientKind(kind).business_type.value, "currency": "CNY", "status": "active", "opened_at": now,
            })
        for chunk in _chunks(client_rows):
            db.execute(insert(m.Client), chunk)
        for chunk in _chunks(account_rows):
            db.execute(insert(m.Account), chunk)
        accounts = db.execute(select(m.Account.id, m.Account.kind)).all()
        run_id = db.execute(insert(m.SettlementRun).values(
            trading_day=PREVIOUS_DAY, status="current", started_at=now, finished_at=now, operator="benchmark", reason="benchmark opening state",
            forced=False, force_reason="", final=True, cash_through=0,
        )).inserted_primary_key[0]
        balances = {account_id: D(rng.randrange(10**8, 10**10)).scaleb(-2) for account_id, _ in accounts}
        for chunk in _chunks([_carried(run_id, account_id, 1 if kind == "member_reserve" else 2, balances[account_id]) for account_id, kind in accounts]):
            db.execute(insert(m.SettlementAccount), chunk)
        zero = D("0.00")
        db.execute(insert(m.SettlementReserve), [
            {"run_id": run_id, "account_id": account_id, "reserve_bf": balances[account_id], "margin_bf": zero, "margin": zero, "pnl": zero,
             "deposits": zero, "withdrawals": zero, "fees": zero, "reserve": balances[account_id], "min_reserve": D("2000000.00"),
             "margin_call": zero, "net_settlement": zero}
            for account_id, kind in accounts if kind == "member_reserve"
        ])
        db.execute(insert(m.CashMovement), [
            {"account_id": first_account + c, "business_date": DAY, "direction": "deposit" if rng.random() < 0.7 else "withdrawal",
             "amount": D(rng.randrange(10**5, 10**7)).scaleb(-2), "reference": f"B{c}", "operator": "benchmark", "note": "", "recorded_at": now}
            for c in rng.sample(range(size.clients), size.clients // 20)
        ])
        lots, trades, legs = _market(rng, size, instruments, run_id, first_account)
        for rows, model in ((lots, m.SettlementLot), (trades, m.Trade), (legs, m.TradeLeg)):
            for chunk in _chunks(rows):
                db.execute(insert(model), chunk)
    engine.dispose()


def _carried(run_id: int, account_id: int, level: int, balance: Decimal) -> dict:
    zero = D("0.00")
    return {"run_id": run_id, "account_id": account_id, "level": level, "balance_bf": balance, "deposits": zero, "withdrawals": zero,
            "close_pnl": zero, "position_mtm": zero, "fees": zero, "balance_cf": balance, "equity": balance, "margin": zero,
            "available": balance, "risk_degree": None, "margin_call": zero}


def _market(rng: random.Random, size: Size, instruments: list, run_id: int, first_account: int) -> tuple[list, list, list]:
    """The carried lots (rows of the previous run), today's trades and legs. Each client trades
    two instruments of its own, so that it closes lots often; close flags are only chosen
    where the client holds enough lots."""
    count = len(instruments)
    pools: list[list[int]] = [[] for _ in range(count)]
    for c in range(size.clients):
        for i in rng.sample(range(count), min(2, count)):
            pools[i].append(c)
    pools = [pool if len(pool) >= 2 else list(range(min(size.clients, 2))) for pool in pools]
    held: dict[tuple[int, int], list[int]] = {}  # (client, instrument) -> long carried, long today, short carried, short today
    carried = []
    for n in range(size.clients):
        i = rng.randrange(count)
        buyer, seller = rng.sample(pools[i], 2)
        iid, tick, previous = instruments[i]
        qty = rng.randint(1, 10)
        opened = PREVIOUS_DAY - timedelta(days=rng.randint(1, 10))
        price = previous + tick * rng.randint(-50, 50)
        for client, direction, base in ((buyer, "long", 0), (seller, "short", 2)):
            carried.append((first_account + client, iid, direction, opened, price, previous, qty, f"O{n:07d}{direction[0]}"))
            held.setdefault((client, i), [0, 0, 0, 0])[base] += qty
    carried.sort(key=lambda lot: lot[0])
    zero = D("0.00")
    lots, seq, last = [], 0, None
    for account_id, iid, direction, opened, price, previous, qty, trade_id in carried:
        seq = seq + 1 if account_id == last else 1
        last = account_id
        lots.append({"run_id": run_id, "account_id": account_id, "seq": seq, "holder": "", "instrument_id": iid, "direction": direction,
                     "open_date": opened, "open_trade_id": trade_id, "qty": qty, "open_price": price, "previous_settlement": previous,
                     "settlement": previous, "accumulated_pnl": zero, "mtm": zero, "margin": zero})
    start = datetime.combine(DAY, SESSIONS[0][0], TZ)
    trades, legs = [], []
    seconds = 4 * 3600
    for t in range(size.trades):
        i = rng.randrange(count)
        buyer, seller = rng.sample(pools[i], 2)
        iid, tick, previous = instruments[i]
        exchange = EXCHANGES[(i % size.products) % 2]
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
            legs.append({"trade_id": trade_id, "side": side, "account_id": first_account + client, "order_id": None, "cl_ord_id": None,
                         "offset_flag": flag.value, "forced": False})
    return lots, trades, legs


def _flag(rng: random.Random, held: list[int], base: int, qty: int, exchange: tuple) -> OffsetFlag:
    _, distinct, priority, _, _ = exchange
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


# --- the settlement: the operator's command ------------------------------------------------


def settle(url: str, out_dir: Path, rerun: bool) -> dict:
    """`fixbroker settle run` in a child process: wall time, peak RSS and phases (the time
    between the progress lines it prints as each step ends)."""
    command = [sys.executable, "-m", "backoffice.cli", "--db", url, "settle", "run", "--date", DAY.isoformat(),
               "--out-dir", str(out_dir), "--operator", "benchmark"]
    if rerun:
        command += ["--force", "--reason", "benchmark rerun"]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "COLUMNS": "1000"})
    lines = []
    assert child.stdout is not None
    for line in child.stdout:
        lines.append((time.perf_counter() - started, line.rstrip("\n")))
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode:
        raise SystemExit("settle run failed:\n" + "\n".join(text for _, text in lines[-20:]))
    return {"wall": wall, "peak_mib": usage.ru_maxrss / 1024, "phases": _phases(lines, wall), "output": lines}


PHASES = (  # (start of the progress line that ends the phase, the phase's name)
    (f"{DAY}: loading", "start-up and checks"),
    (f"{DAY}: loaded", "load"),
    ("settlement prices:", "prices"),
    ("level 2:", "level 2"),
    ("trading members:", "trading members"),
    ("level 1 SIMC:", "level 1 SIMC"),
    ("level 1 SIMF:", "level 1 SIMF"),
    ("checks done:", "reserves and calls"),
    (f"{DAY}: written", "write"),
    ("committed", "commit"),
)


def _phases(lines: list[tuple[float, str]], wall: float) -> dict[str, float]:
    phases, mark = {}, 0.0
    for prefix, name in PHASES:
        at = next((t for t, text in lines if text.startswith(prefix)), None)
        if at is not None:
            phases[name] = at - mark
            mark = at
    phases["transfer file and exit"] = wall - mark
    return phases


# --- the floor -----------------------------------------------------------------------------


def input_queries(run_id: int) -> list:
    """Every row a settlement of DAY reads, table by table, with the runner's filters."""
    t, g = m.Trade, m.TradeLeg
    return [
        select(m.Account), select(m.Client), select(m.Member), select(m.Membership), select(m.Instrument), select(m.Product),
        select(m.ExchangeRate), select(m.RateSchedule), select(m.CashMovement).where(m.CashMovement.business_date <= DAY),
        select(m.SettlementAccount).where(m.SettlementAccount.run_id == run_id),
        select(m.SettlementReserve).where(m.SettlementReserve.run_id == run_id),
        select(m.SettlementLot).where(m.SettlementLot.run_id == run_id),
        select(m.SettlementPrice).where(m.SettlementPrice.trading_day <= DAY),
        select(t).where(t.trading_day == DAY),
        select(g).join(t, g.trade_id == t.id).where(t.trading_day == DAY),
    ]


def floor(engine: Engine) -> dict:
    """Read every input row, write the last run's rows again under a run of its own, commit."""
    with engine.connect() as db:
        previous = db.scalar(select(m.SettlementRun.id).where(m.SettlementRun.trading_day == PREVIOUS_DAY, m.SettlementRun.status == "current"))
        current = db.scalar(select(m.SettlementRun.id).where(m.SettlementRun.trading_day == DAY, m.SettlementRun.status == "current"))
    with engine.begin() as db:
        stand_in = db.execute(insert(m.SettlementRun).values(
            trading_day=DAY, status="superseded", started_at=datetime.now(timezone.utc), finished_at=datetime.now(timezone.utc),
            operator="benchmark", reason="floor", forced=False, force_reason="", final=False, cash_through=0,
        )).inserted_primary_key[0]
    try:
        return in_child(lambda: _floor(engine, previous, current, stand_in))
    finally:
        with engine.begin() as db:
            for table in RUN_TABLES:
                db.exec_driver_sql(f"DELETE FROM {table} WHERE run_id = ?", (stand_in,))
            db.exec_driver_sql("DELETE FROM settlement_run WHERE id = ?", (stand_in,))


def _floor(engine: Engine, previous: int, current: int, stand_in: int) -> dict:
    rows: dict[str, list] = {}
    with engine.connect() as db:  # the rows to write, in storage form, outside the timing
        for table in RUN_TABLES:
            cursor = db.exec_driver_sql(f"SELECT * FROM {table} WHERE run_id = ?", (current,))
            position = [c[0] for c in cursor.cursor.description].index("run_id")
            rows[table] = [(*row[:position], stand_in, *row[position + 1:]) for row in cursor]
    phases = {}
    with paused_gc():
        start = time.perf_counter()
        with engine.begin() as db, sqlite_page_cache(db, PAGE_CACHE_MIB):  # as the runner writes
            read = sum(len(db.execute(query).all()) for query in input_queries(previous))
            phases["read"] = time.perf_counter() - start
            for table, table_rows in rows.items():
                if table_rows:
                    sql = f"INSERT INTO {table} VALUES ({', '.join('?' * len(table_rows[0]))})"
                    for chunk in _chunks(table_rows):
                        db.exec_driver_sql(sql, chunk)
            phases["write"] = time.perf_counter() - start - phases["read"]
        phases["total"] = time.perf_counter() - start
        phases["commit"] = phases["total"] - phases["read"] - phases["write"]
    return {"phases": phases, "rows_in": read, "rows_out": sum(len(x) for x in rows.values())}


def in_child(job: Callable[[], dict]) -> dict:
    """Run `job` in a forked child, so that its memory is its own, and return its outcome."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        try:
            outcome = job()
        except BaseException as error:  # report it to the parent, which is waiting on the pipe
            send.send({"error": repr(error)})
            raise
        outcome["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        send.send(outcome)

    process = context.Process(target=run)
    process.start()
    outcome = receive.recv()
    process.join()
    if "error" in outcome or process.exitcode:
        raise SystemExit(f"floor run failed: {outcome.get('error', process.exitcode)}")
    return outcome


# --- measuring -----------------------------------------------------------------------------


def measure(url: str, size: Size, runs: int, out_dir: Path) -> dict:
    started = time.perf_counter()
    build_venue(url, size)
    print(f"  built {size.trades:,} trades, {size.clients:,} clients, {size.members} members, {size.instruments} instruments "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    engine = make_engine(url)
    settles, floors = [], []
    for n in range(runs):
        outcome = settle(url, out_dir, rerun=n > 0)
        settles.append(outcome)
        print(f"  settle run {n + 1}: {outcome['wall']:.1f} s, peak {outcome['peak_mib']:,.0f} MiB  (" +
              ", ".join(f"{k} {v:.1f}" for k, v in outcome["phases"].items()) + ")", flush=True)
        if n == 0:
            print("    " + outcome["output"][-1][1], flush=True)
        outcome = floor(engine)
        floors.append(outcome)
        print(f"  floor run {n + 1}: {outcome['phases']['total']:.1f} s (read {outcome['phases']['read']:.1f}, "
              f"write {outcome['phases']['write']:.1f}, commit {outcome['phases']['commit']:.1f}; "
              f"{outcome['rows_in']:,} rows in, {outcome['rows_out']:,} rows out)", flush=True)
    engine.dispose()
    return {
        "settle": statistics.median(x["wall"] for x in settles),
        "floor": statistics.median(x["phases"]["total"] for x in floors),
        "peak_mib": max(x["peak_mib"] for x in settles),
        "rows_in": floors[0]["rows_in"],
        "rows_out": floors[0]["rows_out"],
        "phases": {k: statistics.median(x["phases"].get(k, 0.0) for x in settles) for k in settles[0]["phases"]},
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
    sizes = [Size(args.trades, args.clients, args.members, args.instruments)]
    if not args.no_linear:
        sizes.insert(0, Size(args.trades // 2, args.clients, args.members, args.instruments))
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            print(f"{size.trades:,} trades:", flush=True)
            path = directory / f"settlement-{size.trades}.db"
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
            figures.append((size, measure(f"sqlite:///{path}", size, args.runs, directory / "transfers")))
    print()
    print(f"{'trades':>10} {'rows in':>10} {'rows out':>10} {'settle s':>9} {'floor s':>8} {'ratio':>6} {'peak MiB':>9}")
    for size, f in figures:
        print(f"{size.trades:>10,} {f['rows_in']:>10,} {f['rows_out']:>10,} {f['settle']:>9.1f} {f['floor']:>8.1f} "
              f"{f['settle'] / f['floor']:>6.2f} {f['peak_mib']:>9,.0f}")
    size, f = figures[-1]
    print("phases of the largest run (medians, s): " + ", ".join(f"{k} {v:.1f}" for k, v in f["phases"].items()))
    print(f"targets: settle <= 30 s: {'met' if f['settle'] <= 30 else 'NOT met'}; settle <= 3 x floor: {'met' if f['settle'] <= 3 * f['floor'] else 'NOT met'}")
    if len(figures) == 2:
        (small, a), (large, b) = figures
        print(f"growth: {large.trades / small.trades:.1f} x the trades took {b['settle'] / a['settle']:.2f} x the settlement time")


if __name__ == "__main__":
    main()
