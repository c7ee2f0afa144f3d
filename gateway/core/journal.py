"""The durable journal: every command the core processed, committed before its events leave.

`OrderService` runs commands through the core one at a time (a lock: QuickFIX calls in from
its own threads), commits each command with its outputs, whatever has accumulated in one
transaction (group commit: while one batch is being written the next one fills up), then
releases the outputs of that batch, in order, to the `release` callback; a writer thread
does the writing, or, for the gateway, the callers themselves (see `OrderService`). Nothing
leaves the service before the command that caused it is committed, so a process killed at
any instant loses nothing that anyone saw. Trades are written as rows in the same transaction
as the command that printed them.

Committed means what the database guarantees on commit. SQLite runs in WAL mode with
synchronous=NORMAL (`backoffice.db.engine`): a commit is in the operating system's page
cache when it returns, so it survives the process (a crash, SIGKILL) but not an operating
system crash or a power cut, which may lose the last commits. On PostgreSQL (synchronous
commit on) it is on disk.

`rebuild` replays a day's journal through a fresh core: the result is the identical state
(same orders, same priority, same holds), because the core is deterministic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Connection, Engine, func, insert, select

from backoffice.db import models as m
from gateway.matching import Trade
from gateway.risk.state import StartOfDayState

from .commands import Command, decode, encode, kind_of
from .service import Output, TradingCore
from .timestamps import from_nanoseconds

Release = Callable[[int, Command, list[Output]], None]
T = TypeVar("T")

# Commands left for a later caller (`more_input`): at most this many wait for one commit, so a
# long stream still gets its answers every few dozen orders.
MAX_BATCH = 64
# How long what waits may go without another command before the lingering thread writes it.
LINGER_NS = 20_000_000
NS_PER_SECOND = 1_000_000_000


@dataclass(frozen=True, slots=True)
class _Entry:
    seq: int
    command: Command
    outputs: list[Output]


class JournalWriter:
    """Writes journal entries and their trades in batches, one transaction per batch."""

    def __init__(self, engine: Engine, trading_day: date, ticks: dict[str, Decimal]) -> None:
        self.engine = engine
        self.trading_day = trading_day
        self.ticks = ticks  # instrument -> tick size, to turn book ticks into prices
        sqlite = engine.dialect.name == "sqlite"
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._insert_journal = f"INSERT INTO journal (seq, trading_day, kind, body) VALUES ({', '.join([marker] * 4)})"
        self._day_param = trading_day.isoformat() if sqlite else trading_day  # SQLite stores dates as ISO text
        # The engine runs SQLite's driver in autocommit mode and begins every transaction itself
        # (BEGIN IMMEDIATE); other drivers begin one implicitly.
        self._begin = "BEGIN IMMEDIATE" if sqlite else None
        with engine.connect() as connection:
            self.instrument_ids = dict(connection.execute(select(m.Instrument.code, m.Instrument.id)).all())
            self.account_ids = dict(connection.execute(select(m.Account.code, m.Account.id)).all())
        # The writer's own connection, kept from its first batch to `close`: a pool checkout
        # and the reset on return cost as much as a small batch's inserts.
        self._connection: Connection | None = None

    def last_seq(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.coalesce(func.max(m.JournalEntry.seq), 0))).scalar_one()

    def write(self, entries: list[_Entry]) -> None:
        journal_rows = []
        trade_rows: list[dict] = []
        leg_rows: list[dict] = []
        day = self._day_param
        for entry in entries:
            journal_rows.append((entry.seq, day, kind_of(entry.command), encode(entry.command)))
            for output in entry.outputs:
                if isinstance(output, Trade):
                    self._trade_rows(entry.seq, output, trade_rows, leg_rows)
        if self._connection is None:
            self._connection = self.engine.connect()
        connection = self._connection
        if not trade_rows:
            self._write_journal(connection, journal_rows)
            return
        with connection.begin():  # trades need the ORM's column types (amounts, UTC timestamps)
            connection.exec_driver_sql(self._insert_journal, journal_rows)
            connection.execute(insert(m.Trade), trade_rows)
            connection.execute(insert(m.TradeLeg), leg_rows)

    def _write_journal(self, connection: Connection, rows: list[tuple]) -> None:
        """Journal rows alone, in one transaction straight on the driver's connection.

        Most batches are only journal rows (orders that rest, cancels). Through SQLAlchemy a
        one-row transaction costs about four times what the driver takes for it (begin event,
        execution context, commit), and with a commit per order that is most of the journal's
        share of an ack. On SQLite, whose driver runs in autocommit mode here, a single row is
        one INSERT that is its own transaction: no BEGIN and COMMIT statements around it."""
        driver = connection.connection.dbapi_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            if self._begin is not None and len(rows) == 1:
                cursor.execute(self._insert_journal, rows[0])
                return
            if self._begin is not None:
                cursor.execute(self._begin)
            cursor.executemany(self._insert_journal, rows)
            driver.commit()
        except BaseException:
            driver.rollback()
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        """Give the writer's connection back (a later `write` opens another)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _trade_rows(self, seq: int, trade: Trade, trades: list[dict], legs: list[dict]) -> None:
        tick = self.ticks[trade.instrument]
        trades.append({
            "id": trade.trade_id,
            "trading_day": trade.trading_day,
            "instrument_id": self.instrument_ids[trade.instrument],
            "price": trade.price * tick,
            "qty": trade.qty,
            "executed_at": from_nanoseconds(trade.time),
            "aggressor": trade.aggressor.value if trade.aggressor else None,
            "source": "core",
            "journal_seq": seq,
        })
        for side_name, side in (("buy", trade.buy), ("sell", trade.sell)):
            legs.append({
                "trade_id": trade.trade_id,
                "side": side_name,
                "account_id": self.account_ids[side.account],
                "order_id": side.order_id,
                "cl_ord_id": side.cl_ord_id,
                "offset_flag": side.offset.value,
                "forced": side.forced,
            })


class OrderService:
    """The core behind a lock, with its outputs released only once journalled.

    Who writes the journal depends on the callers. With `writer_thread` (the default, for
    callers that submit a stream of commands and do not wait for each answer: the market
    simulation, the end of day) a writer thread commits whatever has accumulated and releases
    it. Without it (the gateway) the caller whose command finds no write under way writes
    itself: it commits its command, releases it, and goes on with whatever other callers
    added meanwhile, who return at once and leave their commands to it. Group commit either
    way, but the gateway's commands are not handed to another thread: in one interpreter that
    handoff (waking the writer, then the two threads trading the interpreter lock at every
    call into QuickFIX) cost more than the commit itself.

    `more_input` (the gateway's `InboundWatch.waiting`) lets a caller leave its command for
    a later one when more input is already waiting: a client with orders in flight gets them
    committed together, up to `max_batch`, by the caller of the last one. Whoever answers
    without the journal calls `flush(wait=True)` first, so answers leave in the order of the
    requests and an answer sees the commands before it, even those another caller is writing.
    If the waiting input brings no command (a heartbeat, half a message), a lingering thread
    writes what waits once no command has come for `linger_ns`.
    """

    def __init__(
        self, core: TradingCore, writer: JournalWriter | None, release: Release, *, next_seq: int = 1, writer_thread: bool = True,
        more_input: Callable[[], bool] | None = None, max_batch: int = MAX_BATCH, linger_ns: int = LINGER_NS,
    ) -> None:
        self.core = core
        self.writer = writer
        self.release = release
        self._seq = next_seq - 1
        self._lock = threading.Lock()
        self._pending: list[_Entry] = []
        guard = threading.RLock()  # guards _pending, _writing, _stopping, _failure, _last_deferred, _appended, _released
        self._wake = threading.Condition(guard)  # a write ended, a command arrived, or stop
        self._armed = threading.Condition(guard)  # for the lingering thread: a command was left waiting, or stop
        self._writing = False  # without a writer thread: a caller is writing and releasing
        self._appended = self._seq  # the last command added to _pending
        self._released = self._seq  # the last command released (commands are released in order)
        self._stopping = False
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._more_input = more_input if writer is not None and not writer_thread else None
        self._max_batch = max_batch
        self._linger_ns = linger_ns
        self._last_deferred: int | None = None  # monotonic ns when the last command was left waiting
        self._lingerer: threading.Thread | None = None
        if writer is not None and writer_thread:
            self._thread = threading.Thread(target=self._write_loop, name="journal-writer", daemon=True)
            self._thread.start()
        if self._more_input is not None:
            self._lingerer = threading.Thread(target=self._linger_loop, name="journal-linger", daemon=True)
            self._lingerer.start()

    def execute(self, command: Command) -> int:
        """Process `command`; its outputs reach `release` once it is durable. Returns its seq.

        Without a writer thread the outputs may be released before this returns, on this thread."""
        with self._lock:
            if self._failure is not None:
                raise RuntimeError("the journal failed; the service accepts nothing more") from self._failure
            self._seq += 1
            seq = self._seq
            outputs = self.core.handle(command)
            if self.writer is None:
                self.release(seq, command, outputs)
                return seq
            with self._wake:
                self._pending.append(_Entry(seq, command, outputs))
                self._appended = seq
                if self._thread is not None:
                    self._wake.notify()
                    return seq
                if self._writing:
                    return seq  # the caller writing now takes it with its next batch
                if self._more_input is not None and len(self._pending) < self._max_batch and self._more_input():
                    if self._last_deferred is None:
                        self._armed.notify()
                    self._last_deferred = time.monotonic_ns()
                    return seq  # the caller of a later command writes it along with its own
                self._writing = True
        if not self._write_pending(self.writer):  # outside the core's lock: other callers go on meanwhile
            raise RuntimeError("the journal failed; the service accepts nothing more") from self._failure
        return seq

    def flush(self, *, wait: bool = False) -> None:
        """Write and release what was left for a later command; a write under way takes it.
        For answers that do not go through the journal: they must not overtake the answers of
        the commands before them, nor miss those commands' effects.

        With `wait`, when another caller is writing, this returns only once that caller has
        released every command added before this call. Without it, this returns at once: for
        callers that hold a lock the writer's release may need (QuickFIX calls `onLogout`
        holding the session's lock, and releasing sends to the session)."""
        if self.writer is None or self._thread is not None:
            return
        with self._wake:
            if wait:
                added_before = self._appended
                while self._writing and self._released < added_before and self._failure is None:
                    self._wake.wait()
            if self._writing or not self._pending:
                return
            self._writing = True
        self._write_pending(self.writer)  # a failure is recorded: the next command is refused

    def read(self, query: Callable[[TradingCore], T]) -> T:
        """Run a read-only `query` on the core between two commands (never during one)."""
        with self._lock:
            return query(self.core)

    def close(self) -> None:
        """Write what is pending, release it, and stop the writer."""
        if self.writer is None:
            return
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
            self._armed.notify_all()
            while self._writing:
                self._wake.wait()
        if self._lingerer is not None:
            self._lingerer.join()
            self._lingerer = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        else:
            self.flush()  # what was left for a later command
            self.writer.close()
        if self._failure is not None:
            raise RuntimeError("the journal failed") from self._failure

    def _write_pending(self, writer: JournalWriter) -> bool:
        """The caller that set `_writing`: write batches until none is left; False when the
        journal failed."""
        try:
            while (batch := self._next_batch(wait=False)) is not None:
                if not self._write(writer, batch):
                    return False
            return True
        finally:
            with self._wake:
                self._writing = False
                self._wake.notify_all()

    def _linger_loop(self) -> None:
        """Write what was left waiting once no command has come for `linger_ns`: the input
        that made it wait may have been no command at all (a heartbeat, half a message)."""
        assert self.writer is not None
        while True:
            with self._wake:
                while not self._stopping and self._last_deferred is None:
                    self._armed.wait()
                if self._stopping:
                    return
                idle = time.monotonic_ns() - self._last_deferred
                if idle < self._linger_ns:
                    self._armed.wait((self._linger_ns - idle) / NS_PER_SECOND)
                    continue
                if self._writing:  # that writer takes what waits
                    self._armed.wait()
                    continue
                self._writing = True
            self._write_pending(self.writer)

    def _write_loop(self) -> None:
        assert self.writer is not None
        try:
            while (batch := self._next_batch(wait=True)) is not None and self._write(self.writer, batch):
                pass
        finally:
            self.writer.close()

    def _next_batch(self, *, wait: bool) -> list[_Entry] | None:
        """Everything pending, or None when there is nothing (more) to write."""
        with self._wake:
            while wait and not self._pending and not self._stopping:
                self._wake.wait()
            if self._failure is not None or not self._pending:
                return None
            batch, self._pending = self._pending, []
            self._last_deferred = None
            return batch

    def _write(self, writer: JournalWriter, batch: list[_Entry]) -> bool:
        """Commit `batch`, then release it in order; False when the journal failed."""
        try:
            writer.write(batch)
        except BaseException as exc:  # the journal is down: stop accepting, release nothing, never write again
            with self._wake:
                self._failure = exc
            return False
        for entry in batch:
            self.release(entry.seq, entry.command, entry.outputs)
        with self._wake:
            self._released = batch[-1].seq
            self._wake.notify_all()  # a `flush(wait=True)` may wait for these
        return True


def journal_commands(engine: Engine, trading_day: date) -> list[tuple[int, Command]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(m.JournalEntry.seq, m.JournalEntry.kind, m.JournalEntry.body)
            .where(m.JournalEntry.trading_day == trading_day)
            .order_by(m.JournalEntry.seq)
        ).all()
    return [(seq, decode(kind, body)) for seq, kind, body in rows]


def rebuild(engine: Engine, state: StartOfDayState) -> TradingCore:
    """A core in exactly the state the day's journal left it in."""
    core = TradingCore(state)
    for _, command in journal_commands(engine, state.trading_day):
        core.handle(command)
    return core
