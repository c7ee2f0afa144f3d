"""The end of day's statements, written by a child process of their own (the caller has threads)."""

import threading
from datetime import date, datetime, timezone

import pytest

from backoffice.cli import clock
from backoffice.cli.statements_process import StatementsFailed, write_day_statements
from backoffice.db.engine import make_engine
from eod_venue import DAY, traded

CREATED = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def after_the_close(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc))


@pytest.fixture
def settled(venue, db_url):
    traded(venue, DAY)
    venue("settle", "run", "--date", DAY)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def files_under(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_threaded_caller_gets_the_files_statements_generate_writes(settled, venue, tmp_path):
    venue("statements", "generate", "--date", DAY, "--format", "txt,json,csv", "--out-dir", str(tmp_path / "cli"))
    seen = []
    busy = threading.Event()
    other = threading.Thread(target=busy.wait)  # as the lock heartbeat or the scheduler's threads
    other.start()
    try:
        counts = write_day_statements(settled, date.fromisoformat(DAY), 1, CREATED, tmp_path / "child" / DAY,
                                      ["txt", "json", "csv"], 2, progress=lambda done, total: seen.append((done, total)))
    finally:
        busy.set()
        other.join()
    assert counts == (7, 21)
    assert seen[-1] == (7, 7)
    expected = {k: v for k, v in files_under(tmp_path / "cli" / DAY).items() if k != "RUN"}
    assert files_under(tmp_path / "child" / DAY) == expected


def test_a_run_that_is_no_longer_current_writes_nothing(settled, tmp_path):
    with pytest.raises(StatementsFailed, match=r"2026-11-23 was settled again meanwhile \(run 7 is no longer current\)"):
        write_day_statements(settled, date.fromisoformat(DAY), 7, CREATED, tmp_path / DAY, ["txt"])
    assert not (tmp_path / DAY).exists()


def test_the_childs_error_reaches_the_caller(settled, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StatementsFailed, match=r"NotADirectoryError: .* \(at .*\.py:\d+ in \w+"):
        write_day_statements(settled, date.fromisoformat(DAY), 1, CREATED, tmp_path / "file" / DAY, ["txt"])
