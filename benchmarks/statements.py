"""Statement generation: text + JSON + CSV for 100,000 clients on 2 cores, PDF for a sample.

Issue 6 sets the target: text + JSON + CSV for 100,000 clients after the settlement
benchmark within 60 s on 2 cores, PDF generation using both cores. The settled results are
synthetic but real: a level of `--clients` accounts (each with carried lots and a few trades
over `--instruments` instruments, some cash) is settled by the pure settlement core, and each
AccountResult becomes a `build.StatementInput`, as `statements.source.statement_inputs` makes
them after reading the stored results. Reading those results back from the database is not
timed here (the settlement benchmark's floor measures reads of that size).

Timed, each as wall time:
- statements: every client's statement built from its input and written as text, JSON and
  CSV under a scratch directory by `cli.statements.write_statements`, the path
  `fixbroker statements generate` and the end-of-day step take (`statements.day_files`:
  forked workers build and render, member folders staged and renamed into place), on
  `--processes` processes;
- pdf: `pdf.write_pdfs` for `--pdf-sample` statements on `--processes` processes.

    .venv/bin/python benchmarks/statements.py [--clients 100000] [--instruments 20]
        [--processes 2] [--pdf-sample 200] [--keep DIR]

Output goes to a new directory under the system's temporary directory (removed afterwards),
or under --keep DIR (kept).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from backoffice.cli.statements import write_statements
from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.rates import RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.statements import pdf
from backoffice.statements.build import InstrumentRef, StatementInput, cash_rows

DAY = date(2026, 11, 20)
NAMES = ("张伟", "李娜", "王芳", "上海明远资产管理有限公司", "Northbridge Capital Ltd", "刘洋")
RATES = RateSet(Decimal("0.12"), Decimal("0.12"), Decimal("0.000023"), Decimal(0), Decimal("0.000023"), Decimal(0), Decimal("0.000345"), Decimal(0))


def synthetic_results(clients: int, instruments: int, seed: int = 6):
    rng = random.Random(seed)
    codes = [f"IF27{i:02d}" for i in range(instruments)]
    days = {
        code: InstrumentDay(code, "IF", Decimal(300), Decimal("3900.0") + i, Decimal("3912.4") + i, False, False, ClosePriority.TODAY_FIRST)
        for i, code in enumerate(codes)
    }
    rates = {"IF": RATES}
    openings, lots, trades = [], [], []
    start = datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    for n in range(clients):
        account = f"C{n:07d}"
        deposit = Decimal(rng.choice((0, 0, 0, 50000)))
        openings.append(AccountOpening(account, Decimal("2000000.00"), deposit, Decimal(0), rates))
        held = rng.sample(codes, 2)
        for code in held:
            lots.append(Lot(account, code, PositionDirection.LONG, DAY - timedelta(days=3), Decimal("3890.0"), 2, f"L{n}{code}"))
        for k in range(4):
            code = held[k % 2] if k < 2 else rng.choice(codes)
            side, offset = (Side.SELL, OffsetFlag.CLOSE) if k == 0 else (rng.choice((Side.BUY, Side.SELL)), OffsetFlag.OPEN)
            price = days[code].settlement + Decimal(rng.randint(-20, 20)) / 5
            trades.append(TradeLine(account, f"T{n}-{k}", code, side, offset, price, 1, start + timedelta(seconds=n % 3600, milliseconds=k)))
    trades.sort(key=lambda t: t.time)
    level = settle_level(LevelInput(DAY, days, openings, lots, trades))
    refs = {code: InstrumentRef("CFFEX", "IF", Decimal(300)) for code in codes}
    return level.accounts, refs


def statement_inputs(results, refs) -> list[StatementInput]:
    return [
        StatementInput(
            r, client_name=NAMES[i % len(NAMES)], member_code=f"{i % 200:04d}", member_name="明远期货有限公司",
            trading_day=DAY, created=DAY, instruments=refs, cash=cash_rows(DAY, r.deposits, r.withdrawals),
        )
        for i, r in enumerate(results)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--instruments", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--pdf-sample", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="Write under this directory and keep the files.")
    args = parser.parse_args()

    t0 = time.perf_counter()
    results, refs = synthetic_results(args.clients, args.instruments)
    inputs = statement_inputs(results, refs)
    t1 = time.perf_counter()
    print(f"settled {len(results):,} synthetic clients with the core in {t1 - t0:.1f} s (setup, not timed)")

    out = args.keep or Path(tempfile.mkdtemp(prefix="statements-bench-"))
    try:
        t3 = time.perf_counter()
        files = write_statements(inputs, out / "daily", ["txt", "json", "csv"], args.processes)
        t4 = time.perf_counter()
        done = len(inputs)
        print(f"statements  built and written as text + JSON + CSV: {done:,} ({files:,} files) on {args.processes} processes: "
              f"{t4 - t3:.1f} s ({done / (t4 - t3):,.0f} statements/s; target 100,000 within 60 s)")
        sample = [source.build() for source in inputs[: args.pdf_sample]]
        folder = out / "pdf"
        folder.mkdir(parents=True, exist_ok=True)
        t5 = time.perf_counter()
        pdf.write_pdfs([(s, str(folder / f"{s.header.client_id}.pdf")) for s in sample], processes=args.processes)
        t6 = time.perf_counter()
        print(f"pdf         {len(sample):,} statements on {args.processes} processes: {t6 - t5:.1f} s "
              f"({(t6 - t5) / max(len(sample), 1) * 1000:.0f} ms each, wall)")
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
