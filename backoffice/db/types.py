"""Column types that keep money exact and timestamps aware on every backend.

`Decimal` columns are NUMERIC(precision, scale) on PostgreSQL. SQLite has no exact decimal
storage: SQLAlchemy's plain Numeric would store a binary REAL there, so on SQLite the same
column holds the value as an integer count of the smallest unit (value x 10**scale). That
keeps SQLite exact, summable and sortable in SQL, and the Python side always sees Decimal.
A value with more decimals than the column's scale is refused rather than rounded: rounding
is a business rule and belongs in the domain, not in the storage layer.

`UTCDateTime` refuses naive datetimes and always returns aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class Amount(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC(precision, scale), scaled BIGINT on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 2) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"decimal column needs Decimal or int, got {type(value).__name__}: {value!r}")
        exact = Decimal(value)
        if exact != exact.quantize(self._unit):
            raise ValueError(f"{value} has more than {self.scale} decimals")
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def sqlite_converter(self, dialect: Dialect) -> Callable[[Any], Any]:
        """What `process_bind_param` does on SQLite (`dialect`), as a one-argument function for
        bulk writers, with a fast path for a Decimal: scaled to an int, refused unless the
        scaling was exact. Elsewhere bulk writers use the type's own bind processor."""
        assert dialect.name == "sqlite"
        scale, slow = self.scale, self.process_bind_param

        def scaled(value: Any) -> Any:
            if value.__class__ is not Decimal:
                return slow(value, dialect)
            shifted = value.scaleb(scale)
            stored = int(shifted)
            if stored != shifted:
                raise ValueError(f"{value} has more than {scale} decimals")
            return stored

        return scaled

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value).quantize(self._unit)

    @property
    def python_type(self) -> type:
        return Decimal


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"timestamps must be timezone-aware, got {value!r}")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
