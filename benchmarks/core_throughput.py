"""Throughput and latency of the trading core, in memory and with the durable journal.

A realistic stream (about 60% passive adds, 30% cancels, 10% aggressive orders) on 20
instruments and 200 accounts goes through the full order path: pre-trade risk, matching,
holds. Printed: commands per second and per-command latency p50/p99, first in memory, then
through `OrderService` with the SQLite journal (latency there is from `execute` to the
moment the command's outputs are released, i.e. durable: under full load that includes the
queue behind the writer, so a third run sends one command at a time to show the latency of a
durable acknowledgement itself). The runs use the same stream, side by side in one process.

    .venv/bin/python benchmarks/core_throughput.py [--commands 200000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from backoffice.db import migrate
from backoffice.db.engine import make_engine, transaction
from backoffice.refdata.loader import load_venue
from backoffice.refdata.venue import parse_venue
from gateway.core.journal import JournalWriter, OrderService
from gateway.core.service import TradingCore
from gateway.core.simulation import order_flow, synthetic_state

DAY = date(2026, 11, 23)
TARGET_MEMORY = 200_000
TARGET_JOURNAL = 50_000


def synthetic_venue_toml(instruments: int, accounts: int) -> str:
    """The synthetic venue as a venue file, so the journal's trades have rows to refer to."""
    lines = [
        '[venue]\nname = "benchmark"\neffective = 2026-01-01\n[calendar]\ntimezone = "Asia/Shanghai"\n',
        '[hours.sim]\nday = ["09:30-11:30", "13:00-15:00"]\n',
        '[[exchange]]\ncode = "SIM"\nname = "Synthetic"\ntimezone = "Asia/Shanghai"\nclose_today_distinct = false\n'
        'close_priority = "yesterday_first"\ntiered_settlement = true\n',
        '[[product]]\nexchange = "SIM"\ncode = "SIM"\nname = "Synthetic index"\nhours = "sim"\ncurrency = "CNY"\n'
        'multiplier = 300\ntick_size = "0.2"\nprice_limit_pct = "0.10"\nmax_order_size = 100\nposition_limit = 1000000\n'
        'settlement_rule = "last_hour_vwap"\nlarge_side_margin = false\n[product.rates]\nmargin_long = "0.12"\n'
        'margin_short = "0.12"\nfee_open_money = "0.000023"\nfee_open_volume = "0"\nfee_close_money = "0.000023"\n'
        'fee_close_volume = "0"\nfee_close_today_money = "0.000345"\nfee_close_today_volume = "0"\n',
    ]
    lines += [f'[[instrument]]\ncode = "SIM{n:02d}"\nproduct = "SIM"\nlisting_date = 2020-01-01\nexpiry_date = 2099-12-31\n' for n in range(instruments)]
    lines += [f'[[member]]\ncode = "M{n:02d}"\nname = "Member {n}"\nkind = "trading_settlement"\nexchanges = ["SIM"]\nmin_reserve = "0"\n' for n in range(10)]
    lines += [f'[[client]]\ncode = "A{n:05d}"\nname = "Client {n}"\nmember = "M{n % 10:02d}"\nkind = "individual"\n' for n in range(accounts)]
    return "\n".join(lines)


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def in_memory(commands: list, state) -> tuple[float, list[int]]:
    core = TradingCore(state)
    latencies = []
    clock = time.perf_counter_ns
    started = clock()
    for command in commands:
        t = clock()
        core.handle(command)
        latencies.append(clock() - t)
    return (clock() - started) / 1e9, latencies


def journalled(commands: list, state, directory: Path, *, one_in_flight: bool = False) -> tuple[float, list[int]]:
    """Throughput with the journal; with `one_in_flight`, each command waits for its own
    release before the next is sent, so the latency is that of a durable acknowledgement
    rather than of a queue behind the writer."""
    url = f"sqlite:///{directory / ('bench-1.db' if one_in_flight else 'bench.db')}"
    migrate.upgrade(url)
    engine = make_engine(url)
    text = synthetic_venue_toml(len(state.instruments), len(state.accounts))
    spec, issues = parse_venue(text)
    assert not issues, issues
    with transaction(engine) as session:
        load_venue(session, spec, source="benchmark", content=text.encode(), operator="benchmark")
    core = TradingCore(state)
    submitted: dict[int, int] = {}
    latencies: list[int] = []
    done = threading.Event()
    clock = time.perf_counter_ns
    last = len(commands)

    acked = threading.Semaphore(0)

    def release(seq, command, outputs):
        latencies.append(clock() - submitted[seq])
        acked.release()
        if seq == last:
            done.set()

    service = OrderService(core, JournalWriter(engine, DAY, core.ticks), release, next_seq=1)
    started = clock()
    for seq, command in enumerate(commands, start=1):
        submitted[seq] = clock()
        service.execute(command)
        if one_in_flight:
            acked.acquire()
    done.wait()
    elapsed = (clock() - started) / 1e9
    service.close()
    engine.dispose()
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    state = synthetic_state(DAY, instruments=20, accounts=200)
    commands = list(order_flow(state, args.commands, seed=args.seed))
    print(f"{len(commands):,} commands on {len(state.instruments)} instruments, {len(state.accounts)} accounts")
    memory_s, memory_lat = in_memory(commands, state)
    acks = commands[: min(len(commands), 5000)]
    with tempfile.TemporaryDirectory() as directory:
        journal_s, journal_lat = journalled(commands, state, Path(directory))
        ack_s, ack_lat = journalled(acks, state, Path(directory), one_in_flight=True)
    rows = [
        ("in memory", len(commands) / memory_s, memory_lat, TARGET_MEMORY),
        ("with SQLite journal", len(commands) / journal_s, journal_lat, TARGET_JOURNAL),
        ("journal, 1 in flight", len(acks) / ack_s, ack_lat, None),
    ]
    print(f"{'mode':22s} {'commands/s':>12s} {'p50 us':>9s} {'p99 us':>9s} {'target/s':>10s} {'of target':>10s}")
    for name, rate, latencies, target in rows:
        versus = f"{target:10,d} {rate / target:10.0%}" if target else f"{'-':>10s} {'-':>10s}"
        print(f"{name:22s} {rate:12,.0f} {percentile(latencies, 0.5):9.1f} {percentile(latencies, 0.99):9.1f} {versus}")
    print(f"journal / memory throughput ratio: {rows[1][1] / rows[0][1]:.2f}")
    print(f"median latency in memory: {statistics.median(memory_lat) / 1000:.1f} us")


if __name__ == "__main__":
    main()
