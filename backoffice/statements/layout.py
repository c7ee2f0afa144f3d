"""Formatting shared by the printed renderers (text and PDF): numbers and display width.

Printed statements show amounts with thousands separators and two decimals, risk degree as
a percentage with two decimals, prices as stored. Fixed-width text is aligned by display
width, not by len(): a CJK character (East Asian Width W or F) takes two terminal columns,
so 张伟 is 4 columns wide though its len() is 2. Combining marks take none.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from datetime import date
from decimal import Decimal

HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.01")


def amount(value: Decimal) -> str:
    """1000599 -> '1,000,599.00' (the value is already rounded to the cent)."""
    return f"{value:,.2f}"


def price(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,f}"


def percent(fraction: Decimal | None) -> str:
    """0.0121 -> '1.21%'; None (risk undefined, equity <= 0) -> 'n/a'."""
    if fraction is None:
        return "n/a"
    return f"{(fraction * HUNDRED).quantize(PERCENT_PLACES):,f}%"


@lru_cache(maxsize=4096)
def day(value: date) -> str:
    """Dates as the CTP statements print them: 20261120 (a statement prints a dozen, of a
    few distinct days: strftime is slow enough to show)."""
    return value.strftime("%Y%m%d")


@lru_cache(maxsize=65536)
def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def width(text: str) -> int:
    """Terminal columns `text` takes (ASCII, most cells, is one column a character)."""
    if text.isascii():
        return len(text)
    return _wide_width(text)


@lru_cache(maxsize=65536)
def _wide_width(text: str) -> int:
    """Non-ASCII text is mostly headings, legends and names, printed again and again."""
    return sum(map(char_width, text))


def ljust(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def rjust(text: str, columns: int) -> str:
    return " " * (columns - width(text)) + text


def center(text: str, columns: int) -> str:
    room = columns - width(text)
    left = room // 2
    return " " * left + text + " " * (room - left)
