"""The day's text/JSON/CSV files: the same bytes as the renderers, whichever way they are written."""

from __future__ import annotations

import dataclasses
import os
import threading

import pytest

from backoffice.statements import csv_render, day_files, json_render, text
from backoffice.statements.build import StatementInput


def _many(busy: StatementInput, worked_example: StatementInput, count: int) -> list[StatementInput]:
    """`count` statement inputs over two members, each with its own client id."""
    out = []
    for n in range(count):
        base = busy if n % 2 else worked_example
        result = dataclasses.replace(base.result, account=f"C{n:05d}")
        out.append(dataclasses.replace(base, result=result, member_code=("0188", "0200")[n % 3 == 0]))
    return out


def _expected(source: StatementInput) -> dict[str, bytes]:
    statement = source.build()
    return {
        "txt": text.render_text(statement).encode("utf-8"),
        "json": json_render.render_json(statement).encode("utf-8"),
        "csv": csv_render.csv_bytes(statement),
    }


@pytest.mark.parametrize("processes", [1, 2])
def test_every_file_holds_what_the_renderers_make(tmp_path, busy_input, worked_example_input, monkeypatch, processes):
    monkeypatch.setattr(day_files, "POOL_FROM", 10)  # through the forked pool with 2
    monkeypatch.setattr(day_files, "CHUNK", 7)
    inputs = _many(busy_input, worked_example_input, 40)
    seen: list[int] = []
    assert threading.active_count() == 1  # else the pool is not used (see the next test)
    files = day_files.write_day(inputs, tmp_path, ["txt", "json", "csv"], processes, progress=seen.append)
    assert files == 120
    assert max(seen) == 40 and len(seen) == len(set(seen))
    for source in inputs:
        folder = tmp_path / source.member_code
        for fmt, data in _expected(source).items():
            assert (folder / f"{source.client_id}.{fmt}").read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0188", "0200"]  # no staging folder left


def test_a_process_with_other_threads_writes_in_place_and_never_forks(tmp_path, busy_input, worked_example_input, monkeypatch):
    monkeypatch.setattr(day_files, "POOL_FROM", 10)

    def no_fork(method):
        raise AssertionError(f"forked ({method}) with other threads alive")

    monkeypatch.setattr(day_files, "get_context", no_fork)
    inputs = _many(busy_input, worked_example_input, 40)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert day_files.write_day(inputs, tmp_path, ["txt"], 2) == 40
    finally:
        release.set()
        other.join()
    assert (tmp_path / "0188" / "C00001.txt").read_bytes() == _expected(inputs[1])["txt"]


def test_an_existing_member_folder_gets_each_file_replaced(tmp_path, busy_input, worked_example_input):
    inputs = _many(busy_input, worked_example_input, 4)
    folder = tmp_path / "0188"
    folder.mkdir()
    (folder / "C00001.txt").write_text("old")
    (folder / "keep.txt").write_text("untouched")
    inode = folder.stat().st_ino
    day_files.write_day(inputs, tmp_path, ["txt"])
    assert folder.stat().st_ino == inode  # written into, not swapped
    assert (folder / "C00001.txt").read_bytes() == _expected(inputs[1])["txt"]
    assert (folder / "keep.txt").read_text() == "untouched"
    assert not [p for p in folder.iterdir() if p.name.endswith(day_files.STAGING_SUFFIX)]


def test_a_failed_batch_leaves_no_staging_folder_and_no_half_member(tmp_path, busy_input, worked_example_input, monkeypatch):
    inputs = _many(busy_input, worked_example_input, 6)
    real = day_files.render

    def broken(statement, formats):
        if statement.header.client_id == "C00004":
            raise RuntimeError("disk full")
        return real(statement, formats)

    monkeypatch.setattr(day_files, "render", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        day_files.write_day(inputs, tmp_path, ["txt", "json"])
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]
    assert not (tmp_path / "0188").exists()  # C00004's member never appeared, half-written


def test_a_file_that_cannot_be_written_fails_the_batch_and_leaves_nothing_half_written(tmp_path, busy_input, worked_example_input, monkeypatch):
    # Files are written by each task's writer thread: its error must reach the caller.
    inputs = _many(busy_input, worked_example_input, 6)
    real = day_files.write_new

    def full_disk(path, data):
        if path.endswith("C00004.json"):
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(day_files, "write_new", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        day_files.write_day(inputs, tmp_path, ["txt", "json"])
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]
    assert not (tmp_path / "0188").exists()
    assert threading.active_count() == 1  # the writer thread ended too
