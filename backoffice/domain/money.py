"""Decimal-only value types for money, prices, rates and quantities.

Binary floats cannot represent most decimal fractions, so a float anywhere in a money path
silently corrupts cents. Every constructor here refuses a float with a TypeError; the only
way in is an int, a Decimal or a decimal string. `Money`, `Price` and `Rate` are Decimal
subclasses so they flow into ordinary Decimal arithmetic; `Quantity` is an int subclass
because futures trade in whole lots.

Rounding is explicit: amounts are rounded to 0.01 half-up (`round_money`), the rule the
exchanges and the CTP statements use for fees and P&L per trade line.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


def _to_decimal(value: object, kind: str) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(f"{kind} cannot be a bool: {value!r}")
    if isinstance(value, float):
        raise TypeError(f"{kind} must not be a float ({value!r}); use Decimal or a string")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{kind} is not a decimal number: {value!r}") from None
    else:
        raise TypeError(f"{kind} must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{kind} must be finite: {value!r}")
    return result


class Money(Decimal):
    """An amount of currency. Any scale is kept; round with `round_money` where rules say."""

    __slots__ = ()

    def __new__(cls, value: object = 0) -> "Money":
        return super().__new__(cls, _to_decimal(value, "money"))


class Price(Decimal):
    """A price per unit of the underlying (multiply by the contract multiplier for value)."""

    __slots__ = ()

    def __new__(cls, value: object) -> "Price":
        return super().__new__(cls, _to_decimal(value, "price"))


class Rate(Decimal):
    """A ratio such as a margin rate (0.12) or a fee rate by money (0.000023)."""

    __slots__ = ()

    def __new__(cls, value: object) -> "Rate":
        result = _to_decimal(value, "rate")
        if result < 0:
            raise ValueError(f"rate must not be negative: {value!r}")
        return super().__new__(cls, result)


class Quantity(int):
    """A number of lots: whole, never a float."""

    __slots__ = ()

    def __new__(cls, value: object) -> "Quantity":
        if isinstance(value, int) and not isinstance(value, bool):
            return super().__new__(cls, value)
        result = _to_decimal(value, "quantity")
        if result != result.to_integral_value():
            raise ValueError(f"quantity must be a whole number of lots: {value!r}")
        return super().__new__(cls, int(result))


def round_money(value: Decimal) -> Decimal:
    """Round an amount to the cent, half-up (fees and amounts are rounded per trade line).

    On the hot paths of risk and settlement; the result is a plain Decimal (a float has no
    `quantize`, so one cannot get through here either).
    """
    if isinstance(value, float):
        raise TypeError("round_money refuses floats")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_to_tick(value: Decimal, tick: Decimal) -> Price:
    """Round a price to the nearest multiple of `tick`, half-up (settlement-price rule)."""
    if isinstance(value, float) or isinstance(tick, float):
        raise TypeError("round_to_tick refuses floats")
    if tick <= 0:
        raise ValueError(f"tick must be positive: {tick}")
    ticks = (value / tick).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Price(ticks * tick)


def is_on_tick(value: Decimal, tick: Decimal) -> bool:
    """True when `value` is an exact multiple of `tick`."""
    return value % tick == 0


def parse_amount(text: str) -> Money:
    """Parse an operator-entered cash amount: positive, plain digits, at most 2 decimals.

    Exponents, signs, thousands separators and a third decimal are refused rather than
    guessed at, so that what is recorded is exactly what the operator meant.
    """
    raw = text.strip()
    if not _AMOUNT.fullmatch(raw):
        raise ValueError(f"amount must be a positive number with at most 2 decimals, got {text!r}")
    amount = Decimal(raw)
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {text!r}")
    return Money(amount.quantize(CENT))
