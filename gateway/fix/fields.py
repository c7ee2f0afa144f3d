"""Reading a FIX message's fields as text and writing Decimals and times as text: no float anywhere.

Why not the binding's field classes: `fix.Price`, `fix.OrderQty` and friends convert through
a C double, so 3890.2 might come back as 3890.1999999; and reading a missing field raises
`FieldNotFound`, which inside a callback must never escape. Instead a message is serialised
once (`toString`, done in C++) and split here into (tag, value) pairs, respecting the
length-prefixed data fields that may contain the SOH delimiter; values are parsed into
`Decimal` by the FIX float grammar, and outgoing numbers are set as string fields.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Protocol

from .tags import CLOSE_TODAY_YESTERDAY, USER_DEFINED_MIN

SOH = "\x01"

# Length field -> the data field whose value it measures (the data may contain SOH).
DATA_FIELDS = {
    90: 91, 93: 89, 95: 96, 212: 213, 348: 349, 350: 351, 352: 353, 354: 355, 356: 357,
    358: 359, 360: 361, 362: 363, 364: 365, 445: 446, 618: 619, 621: 622,
}

# FIX "float": optional minus, digits with an optional decimal point; no exponent, no plus.
_FIX_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_MAX_NUMBER_LENGTH = 32
NS_PER_SECOND = 1_000_000_000
NS_PER_MS = 1_000_000

# Tags at or above USER_DEFINED_MIN that the codec interprets itself (not kept as opaque tags).
INTERPRETED_USER_TAGS = frozenset({CLOSE_TODAY_YESTERDAY})


class HasToString(Protocol):
    def toString(self) -> str: ...


def split_fields(raw: str) -> list[tuple[int, str]] | None:
    """Every (tag, value) of a tag=value message in order; None if it is not well formed."""
    # The common message has no data field: one C-level split, one partition per field. Any
    # data field (its value may hold SOH) or anything unusual goes to the careful scanner.
    pieces = raw.split(SOH)
    if pieces.pop() != "":
        return None  # the last field is not terminated
    pairs: list[tuple[int, str]] = []
    for piece in pieces:
        tag_text, equals, value = piece.partition("=")
        if not equals or not (tag_text.isascii() and tag_text.isdigit()):
            return _scan_fields(raw)
        tag = int(tag_text)
        if tag in DATA_FIELDS:
            return _scan_fields(raw)
        pairs.append((tag, value))
    return pairs


def _scan_fields(raw: str) -> list[tuple[int, str]] | None:
    """`split_fields` field by field, honouring the length of each data field."""
    pairs: list[tuple[int, str]] = []
    position = 0
    data_length: int | None = None
    data_tag: int | None = None
    end = len(raw)
    while position < end:
        equals = raw.find("=", position)
        if equals <= position:
            return None
        tag_text = raw[position:equals]
        if not (tag_text.isascii() and tag_text.isdigit()):
            return None
        tag = int(tag_text)
        if tag == data_tag and data_length is not None:
            value_end = equals + 1 + data_length
            if value_end >= end or raw[value_end] != SOH:
                return None
        else:
            value_end = raw.find(SOH, equals + 1)
            if value_end < 0:
                return None
        value = raw[equals + 1 : value_end]
        pairs.append((tag, value))
        data_tag = DATA_FIELDS.get(tag)
        data_length = int(value) if data_tag is not None and value.isascii() and value.isdigit() else None
        position = value_end + 1
    return pairs


@dataclass(frozen=True, slots=True)
class FieldView:
    """A message's fields by tag (the first occurrence wins; header, body and trailer alike)."""

    values: Mapping[int, str]
    user_defined: Mapping[int, str]  # tags >= 5000 the codec does not interpret, as sent

    @classmethod
    def parse(cls, raw: str) -> "FieldView | None":
        pairs = split_fields(raw)
        if pairs is None:
            return None
        values = dict(reversed(pairs))  # the first occurrence of a tag wins
        user = {tag: values[tag] for tag, _ in pairs if tag >= USER_DEFINED_MIN and tag not in INTERPRETED_USER_TAGS}
        return cls(MappingProxyType(values), MappingProxyType(user))

    @classmethod
    def of(cls, message: "HasToString | str") -> "FieldView | None":
        """From a quickfix.Message (serialised once) or a raw tag=value string."""
        return cls.parse(message if isinstance(message, str) else message.toString())

    def get(self, tag: int) -> str | None:
        """The value, or None when the tag is absent or empty."""
        value = self.values.get(tag)
        return value if value else None


def parse_decimal(text: str) -> Decimal | None:
    """A FIX float as an exact Decimal; None for anything else (exponents, NaN, garbage)."""
    if len(text) > _MAX_NUMBER_LENGTH or _FIX_FLOAT.fullmatch(text) is None:
        return None
    return Decimal(text)


def format_decimal(value: Decimal | int) -> str:
    """A number as FIX float text, fixed-point, never in exponent form."""
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise ValueError(f"cannot send {value} in a FIX field")
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def utc_timestamp(moment: datetime | int) -> str:
    """FIX UTCTimestamp with milliseconds (YYYYMMDD-HH:MM:SS.sss) of an aware datetime or of
    nanoseconds since the epoch (the core's times, `time.time_ns`)."""
    if isinstance(moment, int):
        seconds, fraction = divmod(moment, NS_PER_SECOND)
        return f"{_utc_second(seconds)}.{fraction // NS_PER_MS:03d}"
    if moment.tzinfo is None:
        raise ValueError("a FIX timestamp needs a timezone-aware datetime")
    u = moment.astimezone(UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}-{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond // 1000:03d}"


@lru_cache(maxsize=64)
def _utc_second(seconds: int) -> str:
    """Every report and log line carries a timestamp, and most fall in a second already seen:
    `strftime` runs once a second instead of once a message."""
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(seconds))


@lru_cache(maxsize=64)
def local_date(day: date) -> str:
    """FIX LocalMktDate (YYYYMMDD); reports repeat the few dates of the day (TradeDate)."""
    return day.strftime("%Y%m%d")
