"""Fixtures for the FIX tests; the helpers and sample data live in fix_support.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fix_support import CALENDAR, RECORDS, TRADING_DAY, profile
from gateway.fix.codec import DecodeContext
from gateway.fix.symbology import Symbology


@pytest.fixture(scope="session")
def symbology() -> Symbology:
    return Symbology.build(RECORDS)


@pytest.fixture
def context(symbology: Symbology) -> Callable[..., DecodeContext]:
    def make(begin_string: str = "FIX.4.2", **changes: object) -> DecodeContext:
        return DecodeContext(profile(begin_string, **changes), symbology, CALENDAR, TRADING_DAY)

    return make
