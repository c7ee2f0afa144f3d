"""The text, JSON and CSV files of a day's statements, written over forked worker processes.

A day has up to 100,000 client statements and three small files each, and the target is a
minute on two cores, so the work is spread over processes and each file is written once:

- Workers are forked, so they read the statements the parent already holds in memory; sending
  them to a forkserver or spawned pool means pickling them, which takes longer (about 0.4 ms
  a statement each way) than rendering them. Only a single-threaded process forks: a child
  forked while another thread holds a lock (the scheduler's threads: logging, the database
  driver, the lock heartbeat) can wait for it forever, so there the files are written in the
  calling process. PDFs keep their forkserver pool (`pdf.write_pdfs`).
- A member folder that does not exist yet is filled under a hidden staging name beside it
  (`.<member>.partial`) and renamed into place once all its files are there, so readers see
  either no folder or a complete one, with no temporary file and rename per file. Into a
  folder that already exists (a rerun, or some accounts only), each file is written to a
  temporary name and renamed over the old one.
- JSON and CSV share one `json_render.statement_dict` per statement.

Small batches (under `POOL_FROM` statements) or one process run in the calling process.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Sequence
from multiprocessing import get_context
from pathlib import Path

from . import csv_render, json_render, text
from .model import ClientStatement

TEXT_FORMATS = ("txt", "json", "csv")
CHUNK = 250  # statements per task: small enough to show progress, large enough to amortise it
POOL_FROM = 1000
STAGING_SUFFIX = ".partial"

_statements: Sequence[ClientStatement] = ()  # what forked workers read: set only around the pool


def render(statement: ClientStatement, formats: Sequence[str]) -> list[tuple[str, bytes]]:
    """(format, file bytes) of one statement in each of `formats` (txt, json, csv)."""
    data = json_render.statement_dict(statement) if "json" in formats or "csv" in formats else None
    out = []
    for fmt in formats:
        if fmt == "txt":
            out.append((fmt, text.render_text(statement).encode("utf-8")))
        elif fmt == "json":
            out.append((fmt, (json_render.dumps(data) + "\n").encode("utf-8")))
        elif fmt == "csv":
            out.append((fmt, csv_render.render_csv_dict(data).encode(csv_render.ENCODING)))  # type: ignore[arg-type]
        else:
            raise ValueError(f"{fmt} is not one of {', '.join(TEXT_FORMATS)}")
    return out


def replace_file(path: Path, data: bytes) -> None:
    """Write `path` whole: a temporary file beside it, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + STAGING_SUFFIX)
    partial.write_bytes(data)
    os.replace(partial, path)


def write_day(
    statements: Sequence[ClientStatement], day_dir: Path, formats: Sequence[str], processes: int | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Write DAY_DIR/<member>/<account>.<fmt> for every statement and format; the number of
    files. `progress(done)` counts statements, after each task."""
    global _statements
    by_member: dict[str, list[int]] = {}
    for index, statement in enumerate(statements):
        by_member.setdefault(statement.header.member_code, []).append(index)
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
    done = files = 0
    try:
        _statements = statements
        if workers > 1 and len(statements) >= POOL_FROM and threading.active_count() == 1:
            with get_context("fork").Pool(workers) as pool:
                for member, count, written in pool.imap_unordered(_write_task, tasks):
                    done, files = _finished(member, count, written, done, files, pending, staged, progress)
        else:
            for task in tasks:
                done, files = _finished(*_write_task(task), done, files, pending, staged, progress)
    except BaseException:
        for target, _ in staged.values():
            shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        _statements = ()
    return files


def _finished(
    member: str, count: int, written: int, done: int, files: int, pending: dict[str, int],
    staged: dict[str, tuple[Path, Path]], progress: Callable[[int], None],
) -> tuple[int, int]:
    pending[member] -= 1
    if pending[member] == 0 and member in staged:
        target, folder = staged.pop(member)
        os.rename(target, folder)
    progress(done + count)
    return done + count, files + written


def _write_task(task: tuple[str, list[int], str, bool, tuple[str, ...]]) -> tuple[str, int, int]:
    member, indexes, folder, fresh, formats = task
    root = Path(folder)
    written = 0
    for index in indexes:
        statement = _statements[index]
        for fmt, data in render(statement, formats):
            path = root / f"{statement.header.client_id}.{fmt}"
            if fresh:
                with open(path, "wb") as file:
                    file.write(data)
            else:
                replace_file(path, data)
            written += 1
    return member, len(indexes), written
