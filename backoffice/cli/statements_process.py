"""A day's statement files written by a child process of their own, for threaded callers.

`statements.day_files` spreads the work over forked workers, and forks only from a
single-threaded process (a child forked while another thread holds a lock can wait for it
forever). The end of day is never single-threaded: `fixbroker eod run` keeps its lock alive
with a heartbeat thread, and the scheduler runs its jobs in threads. So the statements step
starts one child from a forkserver (a clean, single-threaded process), which reads the day's
statement inputs from the database itself and writes the files with forked workers; only the
database URL, the run and the paths go to it, and progress and the result come back over a
pipe. Sending the inputs instead would mean pickling 100,000 settlement results, which takes
longer than the child's own read. The child and its workers die with the caller
(`processes.die_with_parent`): a scheduler killed during the step and started again must be
the only one writing the day's files.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from datetime import date
from multiprocessing import get_context, parent_process
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import Engine

from backoffice.db.engine import make_engine, transaction
from backoffice.processes import die_with_parent
from backoffice.statements.source import current_run, statement_inputs

from .statements import write_statements


class StatementsFailed(Exception):
    """The child could not write the day's statements; the message says why."""


def write_day_statements(
    engine: Engine, day: date, run_id: int, created: date, day_dir: Path, formats: list[str],
    processes: int | None = None, progress: Callable[[int, int], None] = lambda done, total: None,
) -> tuple[int, int]:
    """Write every client statement of `day` (settled by run `run_id`) under `day_dir` from a
    child process; (statements, files). StatementsFailed when the child fails or dies."""
    context = get_context("forkserver")
    receive, send = context.Pipe(duplex=False)
    url = engine.url.render_as_string(hide_password=False)
    child = context.Process(
        target=_child, args=(url, day, run_id, created, day_dir, formats, processes, send), name="fixbroker-statements"
    )
    child.start()
    send.close()
    outcome: tuple | None = None
    try:
        while outcome is None:
            try:
                message = receive.recv()
            except EOFError:
                break
            if message[0] == "progress":
                progress(*message[1:])
            else:
                outcome = message
    finally:
        if outcome is None and child.is_alive():  # the caller was interrupted
            child.terminate()
        child.join()
        receive.close()
    if outcome is None:
        raise StatementsFailed(f"the statements process ended with exit code {child.exitcode} before writing all files")
    if outcome[0] == "failed":
        raise StatementsFailed(outcome[1])
    return outcome[1], outcome[2]


def _child(
    url: str, day: date, run_id: int, created: date, day_dir: Path, formats: list[str], processes: int | None,
    send: Connection,
) -> None:
    die_with_parent()  # the forkserver, which ends with the caller: a killed end of day stops here too
    if not parent_process().is_alive():  # the caller ended before that took effect
        return
    try:
        engine = make_engine(url)
        with transaction(engine) as session:
            run = current_run(session, day)
            if run is None or run.id != run_id:
                raise StatementsFailed(f"{day} was settled again meanwhile (run {run_id} is no longer current)")
            inputs = statement_inputs(session, run, created)
        engine.dispose()
        files = write_statements(inputs, day_dir, formats, processes, progress=lambda done, total: send.send(("progress", done, total)))
        send.send(("done", len(inputs), files))
    except StatementsFailed as error:
        send.send(("failed", str(error)))
    except Exception as error:  # reported to the parent, which raises StatementsFailed
        send.send(("failed", f"{type(error).__name__}: {error} (at {_where(error)})"))
    finally:
        send.close()


def _where(error: BaseException) -> str:
    """Where `error` was raised, for the operator's message: the child's log is not the
    caller's, so its traceback would be lost. The innermost frame, and the innermost of
    fixbroker's own when that is another (an OSError from deep in the standard library)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    shown = [frames[-1]]
    ours = [frame for frame in frames if f"{os.sep}backoffice{os.sep}" in frame.filename]
    if ours and ours[-1] is not frames[-1]:
        shown.append(ours[-1])
    return ", called from ".join(f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in shown)
