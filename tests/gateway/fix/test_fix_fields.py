"""Splitting a FIX message into fields: the fast split and the careful scanner agree, data
fields keep the SOH inside their value, and malformed text is refused (None), never raised.
Times and dates go out as FIX text the same from a datetime or from nanoseconds."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from gateway.core.timestamps import to_nanoseconds
from gateway.fix.fields import (
    FieldView,
    _scan_fields,
    local_date,
    split_fields,
    utc_timestamp,
)

ORDER = "8=FIX.4.4\x019=70\x0135=D\x0134=12\x0111=L1\x0144=3799.8\x0158=a=b\x0148=IFZ6 Index\x0110=123\x01"


def test_plain_message_splits_in_order_with_equals_inside_a_value():
    assert split_fields(ORDER) == [
        (8, "FIX.4.4"), (9, "70"), (35, "D"), (34, "12"), (11, "L1"), (44, "3799.8"), (58, "a=b"), (48, "IFZ6 Index"), (10, "123"),
    ]


def test_data_field_keeps_the_delimiter_inside_its_length():
    raw = "35=D\x0195=5\x0196=ab\x01cd\x0111=X\x01"
    assert split_fields(raw) == [(35, "D"), (95, "5"), (96, "ab\x01cd"), (11, "X")]
    assert FieldView.of(raw).get(96) == "ab\x01cd"


@pytest.mark.parametrize("raw", [
    "35=D\x0111=X",  # last field not terminated
    "35=D\x01\x0111=X\x01",  # empty field
    "35=D\x01=X\x01",  # no tag
    "35=D\x01A1=X\x01",  # tag not a number
    "35=D\x01\u00b2=X\x01",  # a digit to str.isdigit, not to int()
    "35=D\x0195=9\x0196=ab\x01",  # data field shorter than its length
])
def test_malformed_text_is_none(raw):
    assert split_fields(raw) is None


def test_fast_split_agrees_with_the_scanner_on_random_text():
    pieces = ["=", "\x01", "1", "9", "5", "0", "a", "\u00b2", "35=D\x01", "58=x=y\x01", "95=3\x0196=a\x01b\x01", "90=2\x0191="]
    chooser = random.Random(20261123)
    well_formed = 0
    for _ in range(20_000):
        raw = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 10)))
        expected = _scan_fields(raw)
        assert split_fields(raw) == expected, raw
        well_formed += expected is not None
    assert well_formed > 1_000  # the comparison covered real messages, not only refusals


def test_timestamps_from_datetimes_and_from_nanoseconds_agree_to_the_millisecond():
    moment = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)
    assert utc_timestamp(moment) == "20261123-01:02:03.456"
    assert utc_timestamp(moment.astimezone(timezone(timedelta(hours=8)))) == "20261123-01:02:03.456"
    assert utc_timestamp(to_nanoseconds(moment) + 999) == "20261123-01:02:03.456"  # truncated, never rounded up
    for step in range(0, 3000, 7):  # across second boundaries: the cached second must not go stale
        later = moment + timedelta(milliseconds=step)
        assert utc_timestamp(to_nanoseconds(later)) == utc_timestamp(later)
    with pytest.raises(ValueError):
        utc_timestamp(datetime(2026, 11, 23, 1, 2, 3))


def test_local_date():
    assert local_date(date(2026, 11, 3)) == "20261103"
