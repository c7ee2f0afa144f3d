"""How commands print numbers: prices without exponent or trailing zeros (5000, 108.505)."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
