"""The text, JSON and CSV files of a day's statements, built and written by forked workers.

A day has up to 100,000 client statements and three small files each, and the target is a
minute on two cores, so the work is spread over processes and each file is written once:

- Workers are forked, so they read the statement inputs (`build.StatementInput`: settlement
  results and reference data) the parent already holds in memory, and each builds and
  renders its share; sending inputs to a forkserver or spawned pool means pickling them,
  which made that path slower than one process. Only a single-threaded process forks
  (`processes.may_fork`); elsewhere the files are written in the calling process (the end
  of day, which has threads, writes its statements from a child process of their own:
  `cli.statements_process`). The cyclic garbage collector is paused while statements are
  made (they hold no cycles; rescanning the parent's millions of objects took a tenth of
  the time). PDFs have a pool of their own (`pdf.write_pdfs`): forked as well from a
  single-threaded process, from a forkserver otherwise.
- A member folder that does not exist yet is filled under a hidden staging name beside it
  (`.<member>.partial`) and renamed into place once all its files are there, so readers see
  either no folder or a complete one, with no temporary file and rename per file. Into a
  folder that already exists (a rerun, or some accounts only), each file is written to a
  temporary name and renamed over the old one.
- JSON and CSV share one `json_render.statement_dict` per statement.
- Files are created with os.open and os.write (`write_new`), by a writer thread of each task
  (`_FileWriter`) while the task renders the next statement. Creating a file costs this
  filesystem 50-70 us of kernel time, and two processes creating files at once wait for each
  other about as long again; the thread waits with the GIL released while rendering goes on.

Small batches (under `POOL_FROM` statements) or one process run in the calling process.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Sequence
from multiprocessing import get_context
from pathlib import Path
from queue import SimpleQueue

from backoffice.processes import die_with_parent, may_fork
from backoffice.settlement.core import paused_gc

from . import csv_render, json_render, text
from .build import StatementInput
from .model import ClientStatement

TEXT_FORMATS = ("txt", "json", "csv")
CHUNK = 250  # statements per task: small enough to show progress, large enough to amortise it
POOL_FROM = 1000
STAGING_SUFFIX = ".partial"
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC

_inputs: Sequence[StatementInput] = ()  # what tasks read (forked workers inherit it): set only while write_day runs


def render(statement: ClientStatement, formats: Sequence[str]) -> list[tuple[str, bytes]]:
    """(format, file bytes) of one statement in each of `formats` (txt, json, csv)."""
    data = json_render.statement_dict(statement) if "json" in formats or "csv" in formats else None
    out = []
    for fmt in formats:
        if fmt == "txt":
            out.append((fmt, text.render_text(statement).encode("utf-8")))
        elif fmt == "json":
            out.append((fmt, json_render.json_bytes(data)))  # type: ignore[arg-type]
        elif fmt == "csv":
            out.append((fmt, csv_render.render_csv_dict(data).encode(csv_render.ENCODING)))  # type: ignore[arg-type]
        else:
            raise ValueError(f"{fmt} is not one of {', '.join(TEXT_FORMATS)}")
    return out


def replace_file(path: Path, data: bytes) -> None:
    """Write `path` whole: a temporary file beside it, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + STAGING_SUFFIX)
    write_new(str(partial), data)
    os.replace(partial, path)


def write_new(path: str, data: bytes) -> None:
    """Create (or truncate) `path` and write `data`: with os.open and os.write, which take
    about half the time of open() and its buffered file object for files this small."""
    fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def write_day(
    inputs: Sequence[StatementInput], day_dir: Path, formats: Sequence[str], processes: int | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Write DAY_DIR/<member>/<account>.<fmt> for the statement of every input in every format;
    the number of files. `progress(done)` counts statements, after each task."""
    global _inputs
    by_member: dict[str, list[int]] = {}
    for index, source in enumerate(inputs):
        by_member.setdefault(source.member_code, []).append(index)
    tasks, pending, staged = [], {}, {}
    for member, indexes in by_member.items():
        folder = day_dir / member
        target = folder
        if not folder.exists():
            target = day_dir / f".{member}{STAGING_SUFFIX}"
            shutil.rmtree(target, ignore_errors=True)  # left by an interrupted run
            target.mkdir(parents=True)
            staged[member] = (target, folder)
        chunks = [indexes[i : i + CHUNK] for i in range(0, len(indexes), CHUNK)]
        pending[member] = len(chunks)
        tasks += [(member, chunk, str(target), member in staged, tuple(formats)) for chunk in chunks]
    workers = min(processes or os.cpu_count() or 1, len(tasks))
    if len(inputs) < POOL_FROM:
        workers = 1
    try:
        _inputs = inputs
        return _run(tasks, workers, pending, staged, progress)
    except BaseException:
        for target, _ in staged.values():
            shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        _inputs = ()


Task = tuple[str, list[int], str, bool, tuple[str, ...]]  # member, input indexes, folder, fresh, formats


def _run(
    tasks: list[Task], workers: int, pending: dict[str, int], staged: dict[str, tuple[Path, Path]],
    progress: Callable[[int], None],
) -> int:
    """Every task, on `workers` forked processes or in this one; the number of files. A staged
    member folder is renamed into place when its last task is done."""
    done = files = 0

    def finished(member: str, count: int, written: int) -> None:
        nonlocal done, files
        pending[member] -= 1
        if pending[member] == 0 and member in staged:
            target, folder = staged.pop(member)
            os.rename(target, folder)
        done, files = done + count, files + written
        progress(done)

    if workers == 1 or not may_fork():
        for task in tasks:
            finished(*_write_task(task))
    else:
        with get_context("fork").Pool(workers, initializer=die_with_parent) as pool:
            for result in pool.imap_unordered(_write_task, tasks):
                finished(*result)
    return files


def _write_task(task: Task) -> tuple[str, int, int]:
    """Build, render and write the statements of one task, in this process or a forked
    worker (the inputs are the caller's, by index): (member, statements, files)."""
    member, indexes, folder, fresh, formats = task
    writer = _FileWriter(fresh)
    try:
        with paused_gc():
            for index in indexes:
                statement = _inputs[index].build()
                name = f"{folder}/{statement.header.client_id}."
                writer.put([(name + fmt, data) for fmt, data in render(statement, formats)])
    finally:
        written = writer.close()
    return member, len(indexes), written


class _FileWriter:
    """A thread that writes the files put to it, in order: new files into a staging folder
    (`write_new`), or each replacing its predecessor (`replace_file`). `close` waits for the
    last of them and raises the first error met (the files after it are not written)."""

    def __init__(self, fresh: bool) -> None:
        self._fresh = fresh
        self._queue: SimpleQueue[list[tuple[str, bytes]] | None] = SimpleQueue()
        self._written = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="statement-files", daemon=True)
        self._thread.start()

    def put(self, files: list[tuple[str, bytes]]) -> None:
        self._queue.put(files)

    def close(self) -> int:
        """The number of files written, once all are."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._written

    def _run(self) -> None:
        while (files := self._queue.get()) is not None:
            if self._error is not None:
                continue
            try:
                for path, data in files:
                    if self._fresh:
                        write_new(path, data)
                    else:
                        replace_file(Path(path), data)
                    self._written += 1
            except BaseException as error:  # handed to close(), in the task's thread
                self._error = error
