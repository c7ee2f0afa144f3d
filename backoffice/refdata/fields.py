"""Typed reading of TOML tables that collects every problem instead of stopping at the first.

Each table is read against a dict of `Field`s; unknown keys, missing keys and values of the
wrong type each become an `Issue` naming the key path, so the operator sees all mistakes
of a file in one run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

_TIME_RANGE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")
MISSING = object()


@dataclass(frozen=True, slots=True)
class Issue:
    path: str
    message: str

    def render(self, source: str) -> str:
        return f"{source}: {self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class Field:
    read: Callable[[Any], Any]  # raises ValueError with a message for a bad value
    required: bool = True
    default: Any = None


def read_table(data: Any, fields: dict[str, Field], path: str, issues: list[Issue]) -> dict[str, Any] | None:
    """Read `data` as a table of `fields`; None when it is not a table at all."""
    if not isinstance(data, dict):
        issues.append(Issue(path, f"expected a table, got {_kind(data)}"))
        return None
    result: dict[str, Any] = {}
    for key in data:
        if key not in fields:
            issues.append(Issue(f"{path}.{key}", f"unknown key (expected one of: {', '.join(fields)})"))
    for key, spec in fields.items():
        if key not in data:
            if spec.required:
                issues.append(Issue(f"{path}.{key}", "missing required key"))
                result[key] = MISSING
            else:
                result[key] = spec.default
            continue
        try:
            result[key] = spec.read(data[key])
        except ValueError as exc:
            issues.append(Issue(f"{path}.{key}", str(exc)))
            result[key] = MISSING
    return result


def table_list(data: Any, path: str, issues: list[Issue]) -> list[Any]:
    """An array of tables (`[[name]]`), or [] with an issue when it is something else."""
    if data is None:
        return []
    if not isinstance(data, list):
        issues.append(Issue(path, f"expected an array of tables ([[{path}]]), got {_kind(data)}"))
        return []
    return data


def complete(row: dict[str, Any] | None) -> bool:
    """True when every field was read without a problem."""
    return row is not None and all(value is not MISSING for value in row.values())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, (int, Decimal)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {_kind(value)}")
    return value.strip()


def optional_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {_kind(value)}")
    return value.strip()


def decimal(value: Any) -> Decimal:
    """A decimal written as a TOML number or string (TOML floats are parsed as Decimal)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expected a number, got {_kind(value)}")
    try:
        result = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except ArithmeticError:
        raise ValueError(f"expected a number, got {_kind(value)}") from None
    if not result.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return result


def positive_decimal(value: Any) -> Decimal:
    result = decimal(value)
    if result <= 0:
        raise ValueError(f"must be positive, got {result}")
    return result


def non_negative_decimal(value: Any) -> Decimal:
    result = decimal(value)
    if result < 0:
        raise ValueError(f"must not be negative, got {result}")
    return result


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {_kind(value)}")
    return value


def port(value: Any) -> int:
    result = integer(value)
    if not 1 <= result <= 65535:
        raise ValueError(f"expected a TCP port 1-65535, got {result}")
    return result


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


def a_date(value: Any) -> date:
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ValueError(f"expected a date such as 2026-11-23, got {_kind(value)}")
    return value


def a_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    raise ValueError(f"expected a local time such as 18:00:00, got {_kind(value)}")


def text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"expected an array of strings, got {_kind(value)}")
    return tuple(v.strip() for v in value)


def date_list(value: Any) -> tuple[date, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected an array of dates, got {_kind(value)}")
    return tuple(a_date(v) for v in value)


def time_ranges(value: Any) -> tuple[tuple[time, time], ...]:
    """["09:30-11:30", "13:00-15:00"] -> ((09:30, 11:30), (13:00, 15:00))."""
    if not isinstance(value, list):
        raise ValueError(f"expected an array of \"HH:MM-HH:MM\" strings, got {_kind(value)}")
    periods = []
    for item in value:
        match = _TIME_RANGE.fullmatch(item) if isinstance(item, str) else None
        if match is None:
            raise ValueError(f"expected \"HH:MM-HH:MM\", got {item!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        periods.append((time(h1, m1), time(h2, m2)))
    return tuple(periods)


def choice(enum: type[StrEnum]) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        try:
            return enum(value)
        except ValueError:
            raise ValueError(f"expected one of {', '.join(e.value for e in enum)}, got {_kind(value)}") from None

    return read


_ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")
_FIGI = re.compile(r"BBG[B-DF-HJ-NP-TV-Z0-9]{8}[0-9]")


def isin(value: Any) -> str:
    """An ISIN: 12 characters with a valid Luhn check digit."""
    code = text(value)
    if not _ISIN.fullmatch(code):
        raise ValueError(f"expected a 12-character ISIN, got {code!r}")
    digits = "".join(str(int(c, 36)) for c in code)
    total = sum(sum(divmod(int(d) * (2 if i % 2 else 1), 10)) for i, d in enumerate(reversed(digits)))
    if total % 10:
        raise ValueError(f"{code!r} has a wrong ISIN check digit")
    return code


def figi(value: Any) -> str:
    """A FIGI: BBG + 8 consonants/digits + a check digit (format checked)."""
    code = text(value)
    if not _FIGI.fullmatch(code):
        raise ValueError(f"expected a 12-character FIGI such as BBG000BLNNH6, got {code!r}")
    return code
