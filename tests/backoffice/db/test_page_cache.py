"""sqlite_page_cache: a larger SQLite page cache for one block, restored after."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.db.engine import make_engine, sqlite_page_cache


def test_the_cache_is_enlarged_for_the_block_and_restored_after_success_or_failure(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    with engine.begin() as db:
        before = db.exec_driver_sql("PRAGMA cache_size").scalar()
        assert before != -64 * 1024
        with sqlite_page_cache(db, 64):
            assert db.exec_driver_sql("PRAGMA cache_size").scalar() == -64 * 1024
        assert db.exec_driver_sql("PRAGMA cache_size").scalar() == before
        with pytest.raises(RuntimeError), sqlite_page_cache(db, 64):
            raise RuntimeError("the settlement failed")
        assert db.exec_driver_sql("PRAGMA cache_size").scalar() == before
    engine.dispose()


def test_the_cache_is_restored_after_a_rollback_closed_the_callers_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'cache.db'}", pool_size=1, max_overflow=0)
    with engine.connect() as db:
        before = db.exec_driver_sql("PRAGMA cache_size").scalar()
        with sqlite_page_cache(db, 64):
            db.close()
    with engine.connect() as db:  # the pool's one driver connection again
        assert db.exec_driver_sql("PRAGMA cache_size").scalar() == before
    engine.dispose()
