"""A real order-service process for the recovery test: journals a seeded order flow and
prints each command's sequence number once it is released (durable), until it is killed."""

import sys

from backoffice.db.engine import make_engine, transaction
from core_venue import DAY, STEP
from gateway.core.journal import JournalWriter, OrderService
from gateway.core.service import TradingCore
from gateway.core.simulation import order_flow
from gateway.core.startofday import load_start_of_day


def main(url: str, count: int, seed: int) -> None:
    engine = make_engine(url)
    with transaction(engine) as session:
        state = load_start_of_day(session, DAY)
    core = TradingCore(state)
    writer = JournalWriter(engine, DAY, core.ticks)

    def release(seq, command, outputs):
        sys.stdout.write(f"{seq}\n")
        sys.stdout.flush()

    service = OrderService(core, writer, release, next_seq=writer.last_seq() + 1)
    for command in order_flow(state, count, seed=seed, start_ns=1_795_000_000_000_000_000, step_ns=STEP):
        service.execute(command)
    service.close()
    sys.stdout.write("done\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
