"""BulkInsert stores exactly what SQLAlchemy's own INSERT stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Column, Date, Engine, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.orm import Session

from backoffice.db.bulk import BulkInsert
from backoffice.db.types import Amount, UTCDateTime

meta = MetaData()
sample = Table(
    "bulk_sample", meta,
    Column("id", Integer, primary_key=True), Column("name", String(16)), Column("money", Amount(20, 2)),
    Column("price", Amount(20, 6)), Column("ratio", Amount(12, 4), nullable=True), Column("day", Date),
    Column("at", UTCDateTime), Column("flag", Boolean),
)
COLUMNS = ("id", "name", "money", "price", "ratio", "day", "at", "flag")
SHANGHAI = timezone(timedelta(hours=8))
ROWS = [
    (1, "a", Decimal("1234567.89"), Decimal("3800.2"), Decimal("0.0121"), date(2026, 3, 2), datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI), True),
    (2, "b", Decimal("-0.01"), Decimal("0.000001"), None, date(2026, 2, 27), datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=timezone.utc), False),
    (3, "c", Decimal("0"), Decimal("108.5"), Decimal("1"), date(2026, 3, 2), datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI), False),
    (4, "d", Decimal("5.1"), Decimal("3800.2"), Decimal("0"), date(2026, 2, 27), datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI), True),
]


def _bulk_write(session: Session, rows: list[tuple]) -> None:
    bulk = BulkInsert(session, sample, COLUMNS)
    money, price, ratio = bulk.storage("money"), bulk.storage("price", repeating=True), bulk.storage("ratio")
    day, at, flag = bulk.storage("day", repeating=True), bulk.storage("at", repeating=True), bulk.storage("flag")
    bulk.write((i, name, money(a), price(b), ratio(c), day(d), at(e), flag(f)) for i, name, a, b, c, d, e, f in rows)


def _stored(engine: Engine) -> list[tuple]:
    with engine.connect() as db:
        return [tuple(row) for row in db.execute(text("SELECT * FROM bulk_sample ORDER BY id"))]


@pytest.fixture
def table(engine: Engine) -> Engine:
    meta.create_all(engine)
    return engine


def test_bulk_rows_are_stored_and_read_back_as_sqlalchemy_stores_them(table: Engine) -> None:
    with Session(table) as session, session.begin():
        session.execute(insert(sample), [dict(zip(COLUMNS, row)) for row in ROWS])
    through_sqlalchemy = _stored(table)
    with table.begin() as db:
        db.execute(sample.delete())
    with Session(table) as session, session.begin():
        _bulk_write(session, ROWS)
    assert _stored(table) == through_sqlalchemy
    with table.connect() as db:
        read = [tuple(row) for row in db.execute(select(sample).order_by(sample.c.id))]
    assert [r[:6] + (r[7],) for r in read] == [r[:6] + (r[7],) for r in ROWS]
    assert [r[6] for r in read] == [r[6].astimezone(timezone.utc) for r in ROWS]


@pytest.mark.parametrize(("value", "error"), [(Decimal("1.005"), ValueError), (1.5, TypeError), ("1.00", TypeError)])
def test_a_value_the_column_cannot_hold_exactly_is_refused_and_nothing_is_written(table: Engine, value: object, error: type) -> None:
    rows = [ROWS[0], (9, "x", value, Decimal(1), None, date(2026, 3, 2), datetime(2026, 3, 2, tzinfo=timezone.utc), True)]
    with pytest.raises(error), Session(table) as session, session.begin():
        _bulk_write(session, rows)
    assert _stored(table) == []


def test_rows_are_part_of_the_callers_transaction(table: Engine) -> None:
    with Session(table) as session:
        session.begin()
        _bulk_write(session, ROWS)
        session.rollback()
    assert _stored(table) == []
