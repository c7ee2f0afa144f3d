"""The journal: nothing is released before it is durable, and the journal rebuilds the core."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.domain.enums import OffsetFlag, Side
from core_venue import DAY, DEPOSITS, STEP, build_venue_db
from gateway.core.commands import NewOrder, decode, encode, kind_of
from gateway.core.journal import JournalWriter, OrderService, journal_commands, rebuild
from gateway.core.service import TradingCore
from gateway.core.simulation import order_flow
from gateway.core.startofday import load_start_of_day
from gateway.matching import Trade
from gateway.risk.request import OrderRequest, OrdType, TimeInForce

RICH = {code: "1000000000.00" for code in DEPOSITS}
T0 = 1_795_000_000_000_000_000
HERE = Path(__file__).resolve().parent


def trade_number(trade_id: str) -> int:
    """Trade ids are <day>T<n>, numbered in the order they were printed."""
    return int(trade_id.split("T")[1])


def state_of(url):
    engine = make_engine(url)
    with transaction(engine) as session:
        state = load_start_of_day(session, DAY)
    return engine, state


def fresh_core(url):
    """A new venue database at `url` (every account rich), its start-of-day state and a core."""
    build_venue_db(url, RICH)
    engine, state = state_of(url)
    return engine, state, TradingCore(state)


def durable_seqs(engine, seq):
    """Whether another connection (committed rows only) sees journal entry `seq`."""
    with engine.connect() as connection:
        return connection.scalar(select(m.JournalEntry.seq).where(m.JournalEntry.seq == seq)) is not None


def assert_same_state(a: TradingCore, b: TradingCore) -> None:
    assert {code: book.snapshot() for code, book in a.books.items()} == {code: book.snapshot() for code, book in b.books.items()}
    assert a.risk.funds == b.risk.funds
    assert sorted(a.risk.positions.items(), key=repr) == sorted(b.risk.positions.items(), key=repr)
    assert [(r.order_id, r.status, r.cum_qty, r.leaves_qty, r.cl_ord_id, r.hold.leaves) for r in a.orders.values()] == [
        (r.order_id, r.status, r.cum_qty, r.leaves_qty, r.cl_ord_id, r.hold.leaves) for r in b.orders.values()
    ]


def test_outputs_are_released_only_after_their_command_is_committed(db_url):
    engine, state, core = fresh_core(db_url)  # SQLite and PostgreSQL
    writer = JournalWriter(engine, DAY, core.ticks)
    released = []
    not_yet_durable = []
    lock = threading.Lock()

    def release(seq, command, outputs):
        if not durable_seqs(engine, seq):
            not_yet_durable.append(seq)
        with lock:
            released.append((seq, outputs))

    service = OrderService(core, writer, release, next_seq=1)
    commands = list(order_flow(state, 4000, seed=3, start_ns=T0, step_ns=STEP))
    for command in commands:
        service.execute(command)
    service.close()
    assert not_yet_durable == []
    assert [seq for seq, _ in released] == list(range(1, len(commands) + 1))  # in order, none lost
    trades = [o for _, outputs in released for o in outputs if isinstance(o, Trade)]
    assert len(trades) > 30
    with transaction(engine) as session:
        rows = sorted(session.scalars(select(m.Trade)).all(), key=lambda r: trade_number(r.id))
        assert [(r.id, r.qty, r.source) for r in rows] == [(t.trade_id, t.qty, "core") for t in trades]
        first = rows[0]
        tick = core.ticks[first.instrument.code]
        assert first.price == trades[0].price * tick
        assert {(leg.side, leg.account.code, leg.offset_flag) for leg in first.legs} == {
            ("buy", trades[0].buy.account, "open"), ("sell", trades[0].sell.account, "open")}
    assert [c for _, c in journal_commands(engine, DAY)] == commands
    assert_same_state(rebuild(engine, state), core)


def test_journal_is_append_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'j.db'}"
    engine, state, core = fresh_core(url)
    service = OrderService(core, JournalWriter(engine, DAY, core.ticks), lambda *a: None)
    for command in order_flow(state, 10, start_ns=T0, step_ns=STEP):
        service.execute(command)
    service.close()
    with pytest.raises(Exception, match="append-only"):
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM journal")


def test_the_writer_gives_its_connection_back_when_the_service_closes(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine, state, core = fresh_core(url)
    released = []
    service = OrderService(core, JournalWriter(engine, DAY, core.ticks), lambda seq, *_: released.append(seq))
    commands = list(order_flow(state, 300, seed=5, start_ns=T0, step_ns=STEP))
    for command in commands:
        service.execute(command)
    service.close()
    assert released == list(range(1, len(commands) + 1))
    assert engine.pool.checkedout() == 0  # the writer's own connection, kept across batches, is back
    assert [c for _, c in journal_commands(engine, DAY)] == commands


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [1, 250, 1500])
def test_sigkill_mid_stream_loses_nothing_released_and_rebuilds_identically(tmp_path, kill_after):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    build_venue_db(url, RICH)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parents[1]), os.environ.get("PYTHONPATH", "")])}
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "journal_worker.py"), url, "100000", "11"],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    released = []
    assert worker.stdout is not None
    for line in worker.stdout:
        released.append(int(line))
        if len(released) >= kill_after:
            break
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    released += [int(line) for line in worker.stdout.read().split() if line.isdigit()]  # already printed
    assert worker.returncode == -signal.SIGKILL

    engine, state = state_of(url)
    journal = journal_commands(engine, DAY)
    seqs = [seq for seq, _ in journal]
    assert seqs == list(range(1, len(seqs) + 1))  # no gap
    assert set(released) <= set(seqs)  # everything released was durable

    # The same seeded flow, replayed in memory up to what the journal holds, is the truth.
    flow = list(order_flow(state, len(journal), seed=11, start_ns=T0, step_ns=STEP))[: len(journal)]
    assert [c for _, c in journal] == flow
    expected = TradingCore(state)
    expected_trades = [o for c in flow for o in expected.handle(c) if isinstance(o, Trade)]
    assert_same_state(rebuild(engine, state), expected)
    with engine.connect() as connection:
        stored = sorted(connection.execute(select(m.Trade.id, m.Trade.qty)).all(), key=lambda r: trade_number(r[0]))
    assert [tuple(r) for r in stored] == [(t.trade_id, t.qty) for t in expected_trades]


def test_without_a_writer_thread_the_caller_commits_and_releases_before_execute_returns(db_url):
    engine, state, core = fresh_core(db_url)  # SQLite and PostgreSQL: journal-only commits go straight to the driver
    released = []

    def release(seq, command, outputs):
        released.append((seq, threading.get_ident(), durable_seqs(engine, seq), outputs))

    service = OrderService(core, JournalWriter(engine, DAY, core.ticks), release, next_seq=1, writer_thread=False)
    commands = list(order_flow(state, 600, seed=3, start_ns=T0, step_ns=STEP))
    for command in commands:
        seq = service.execute(command)
        assert released[-1][:3] == (seq, threading.get_ident(), True)  # answered, on this thread, once committed
    service.close()
    assert [seq for seq, *_ in released] == list(range(1, len(commands) + 1))
    assert any(isinstance(o, Trade) for *_, outputs in released for o in outputs)  # trade rows take the other path
    assert engine.pool.checkedout() == 0
    assert [c for _, c in journal_commands(engine, DAY)] == commands
    assert_same_state(rebuild(engine, state), core)


def test_callers_on_several_threads_share_commits_and_release_everything_once_in_order(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    engine, state, core = fresh_core(url)
    released = []
    lock = threading.Lock()

    def release(seq, command, outputs):
        durable = durable_seqs(engine, seq)
        with lock:
            released.append((seq, durable))

    service = OrderService(core, JournalWriter(engine, DAY, core.ticks), release, next_seq=1, writer_thread=False)
    flow = list(order_flow(state, 2000, seed=9, start_ns=T0, step_ns=STEP))
    commands = iter(flow)
    feed = threading.Lock()

    def caller():
        while True:
            with feed:
                command = next(commands, None)
            if command is None:
                return
            service.execute(command)  # the core takes them in whatever order the threads arrive

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    service.close()
    assert released == [(seq, True) for seq in range(1, len(flow) + 1)]  # each once, in order, committed first
    assert sorted(c.time for _, c in journal_commands(engine, DAY)) == sorted(c.time for c in flow)
    assert_same_state(rebuild(engine, state), core)


def test_without_a_writer_thread_a_failed_commit_refuses_that_command_and_everything_after(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    engine, state, core = fresh_core(url)
    with engine.begin() as connection:  # seq 3 is taken: the service's third commit fails on the key
        connection.execute(insert(m.JournalEntry), [{"seq": 3, "trading_day": DAY, "kind": "end_of_day", "body": '{"t":1}'}])
    released = []
    service = OrderService(core, JournalWriter(engine, DAY, core.ticks), lambda seq, *_: released.append(seq), writer_thread=False)
    commands = list(order_flow(state, 5, seed=5, start_ns=T0, step_ns=STEP))
    service.execute(commands[0])
    service.execute(commands[1])
    with pytest.raises(RuntimeError, match="journal failed"):
        service.execute(commands[2])
    with pytest.raises(RuntimeError, match="accepts nothing more"):
        service.execute(commands[3])
    with pytest.raises(RuntimeError, match="journal failed"):
        service.close()
    assert released == [1, 2]
    assert [seq for seq, _ in journal_commands(engine, DAY)] == [1, 2, 3]


class CountingWriter(JournalWriter):
    """A real journal writer that remembers the size of each batch it committed."""

    def __init__(self, *args):
        super().__init__(*args)
        self.batches = []

    def write(self, entries):
        super().write(entries)
        self.batches.append(len(entries))


def deferring_service(tmp_path, more_input, **options):
    engine, state, core = fresh_core(f"sqlite:///{tmp_path / 'd.db'}")
    released = []

    def release(seq, command, outputs):
        released.append((seq, threading.get_ident(), durable_seqs(engine, seq)))

    writer = CountingWriter(engine, DAY, core.ticks)
    service = OrderService(core, writer, release, writer_thread=False, more_input=more_input, **options)
    return engine, state, service, writer, released


def test_while_more_input_waits_commands_are_left_for_the_last_caller_and_share_its_commit(tmp_path):
    waiting = [True]
    engine, state, service, writer, released = deferring_service(tmp_path, lambda: waiting[0])
    commands = list(order_flow(state, 29, seed=4, start_ns=T0, step_ns=STEP))  # the opening SetPhase and 29 orders
    assert len(commands) == 30
    for command in commands[:-1]:
        service.execute(command)
    assert released == [] and writer.batches == []  # nothing committed, nothing answered
    assert not durable_seqs(engine, 1)
    waiting[0] = False
    service.execute(commands[-1])  # no more input: this caller commits all thirty and answers them
    assert writer.batches == [30]
    assert released == [(seq, threading.get_ident(), True) for seq in range(1, 31)]
    service.close()
    assert [c for _, c in journal_commands(engine, DAY)] == commands


def test_at_most_max_batch_commands_wait(tmp_path):
    engine, state, service, writer, released = deferring_service(tmp_path, lambda: True, max_batch=8)
    for command in order_flow(state, 19, seed=4, start_ns=T0, step_ns=STEP):  # 20 commands
        service.execute(command)
    assert writer.batches == [8, 8]  # the eighth and the sixteenth caller wrote
    assert [seq for seq, *_ in released] == list(range(1, 17))
    service.close()  # writes the four still waiting
    assert writer.batches == [8, 8, 4]
    assert [seq for seq, _, durable in released] == list(range(1, 21)) and all(durable for *_, durable in released)


def test_flush_writes_what_waits_so_that_an_answer_from_elsewhere_comes_after_it(tmp_path):
    engine, state, service, writer, released = deferring_service(tmp_path, lambda: True)
    for command in order_flow(state, 4, seed=4, start_ns=T0, step_ns=STEP):  # 5 commands
        service.execute(command)
    assert released == []
    service.flush()
    assert writer.batches == [5] and [seq for seq, *_ in released] == [1, 2, 3, 4, 5]
    service.flush()  # nothing waits: nothing written
    assert writer.batches == [5]
    service.close()


class GatedWriter(CountingWriter):
    """Its first commit waits for `gate`: another caller's write under way, held open."""

    def __init__(self, *args):
        super().__init__(*args)
        self.gate = threading.Event()
        self.writing = threading.Event()

    def write(self, entries):
        if not self.batches:
            self.writing.set()
            assert self.gate.wait(10)
        super().write(entries)


def test_flush_waits_for_a_write_under_way_to_release_what_was_added_before_it(tmp_path):
    """A status request must not overtake an order that another connection's thread writes."""
    engine, state, core = fresh_core(f"sqlite:///{tmp_path / 'w.db'}")
    released = []
    writer = GatedWriter(engine, DAY, core.ticks)
    service = OrderService(core, writer, lambda seq, *_: released.append(seq), writer_thread=False, more_input=lambda: False)
    first, second = list(order_flow(state, 1, seed=4, start_ns=T0, step_ns=STEP))  # the opening SetPhase and one order
    other = threading.Thread(target=service.execute, args=(first,))  # another connection: it writes, held at the gate
    other.start()
    assert writer.writing.wait(10)
    service.execute(second)  # a write is under way: the command is left to it
    service.flush()  # without waiting: returns at once, nothing released yet
    assert released == []
    seen = []
    asker = threading.Thread(target=lambda: (service.flush(wait=True), seen.append(list(released))))
    asker.start()
    asker.join(0.3)
    assert asker.is_alive()  # waits for the write under way
    writer.gate.set()
    asker.join(10)
    other.join(10)
    assert seen == [[1, 2]]  # it returned once both commands before it were released
    assert writer.batches == [1, 1]  # the other caller wrote both, one batch after the other
    service.close()


def test_what_waits_for_input_that_brings_no_command_is_written_by_the_lingering_thread(tmp_path):
    engine, state, service, writer, released = deferring_service(tmp_path, lambda: True, linger_ns=50_000_000)
    for command in order_flow(state, 2, seed=4, start_ns=T0, step_ns=STEP):  # 3 commands
        service.execute(command)
    assert released == []
    deadline = time.monotonic() + 10
    while len(released) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer.batches == [3]
    assert [(seq, durable) for seq, _, durable in released] == [(1, True), (2, True), (3, True)]
    assert {thread for _, thread, _ in released} != {threading.get_ident()}  # not this thread: the lingering one
    service.close()
    assert writer.batches == [3]


def test_a_journal_body_is_the_compact_json_of_the_standard_library():
    """The stored text is what the entries written before (by `json`) look like, byte for byte."""
    request = OrderRequest("C000201", "IF2612", Side.BUY, OffsetFlag.OPEN, OrdType.LIMIT, Decimal("2"), Decimal("3799.8"), None, TimeInForce.DAY)
    command = NewOrder(1_795_000_000_123_456_789, "TOMS44", "Ö-1", request, None, {5001: "désk"})
    body = encode(command)
    assert body == json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
    assert body == ('{"t":1795000000123456789,"s":"TOMS44","c":"Ö-1","a":"C000201","i":"IF2612","side":"buy","o":"open",'
                    '"ot":"limit","q":"2","p":"3799.8","sp":null,"tif":"day","f":false,"tags":{"5001":"désk"}}')
    assert decode(kind_of(command), body) == command
