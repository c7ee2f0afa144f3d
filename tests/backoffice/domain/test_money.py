from decimal import Decimal

import pytest

from backoffice.domain.money import Money, Price, Quantity, Rate, is_on_tick, parse_amount, round_money, round_to_tick


@pytest.mark.parametrize("kind", [Money, Price, Rate, Quantity])
def test_a_float_is_refused_with_type_error(kind):
    with pytest.raises(TypeError, match="float"):
        kind(0.1)


@pytest.mark.parametrize("kind", [Money, Price, Rate])
def test_decimal_int_and_string_are_exact(kind):
    assert kind("0.1") + kind("0.2") == Decimal("0.3")
    assert kind(Decimal("12.345")) == Decimal("12.345")
    assert kind(7) == Decimal(7)


def test_bools_and_other_types_are_refused():
    with pytest.raises(TypeError):
        Money(True)
    with pytest.raises(TypeError):
        Price([1])


def test_non_numbers_and_infinities_are_refused():
    with pytest.raises(ValueError):
        Money("abc")
    with pytest.raises(ValueError):
        Price("Infinity")


def test_quantity_is_whole_lots():
    assert Quantity("3") == 3 and isinstance(Quantity(Decimal("3.0")), int)
    with pytest.raises(ValueError, match="whole"):
        Quantity(Decimal("1.5"))


def test_negative_rates_are_refused():
    with pytest.raises(ValueError):
        Rate("-0.01")


def test_round_money_is_half_up_to_the_cent():
    assert round_money(Decimal("0.125")) == Decimal("0.13")
    assert round_money(Decimal("0.135")) == Decimal("0.14")  # banker's rounding would give 0.14 too
    assert round_money(Decimal("2.345")) == Decimal("2.35")  # banker's rounding would give 2.34
    assert round_money(Decimal("-2.345")) == Decimal("-2.35")
    with pytest.raises(TypeError):
        round_money(2.345)


def test_round_to_tick_reference_example():
    # (100 x 10 + 101 x 20 + 102 x 30) / 60 = 6080 / 60 = 101.3333... -> tick 0.005 -> 101.335
    vwap = (Decimal(100) * 10 + Decimal(101) * 20 + Decimal(102) * 30) / 60
    assert round_to_tick(vwap, Decimal("0.005")) == Decimal("101.335")
    assert round_to_tick(Decimal("3800.1"), Decimal("0.2")) == Decimal("3800.2")  # half a tick rounds up
    assert is_on_tick(Decimal("3800.2"), Decimal("0.2")) and not is_on_tick(Decimal("3800.1"), Decimal("0.2"))


@pytest.mark.parametrize("text, expected", [("1000000.00", "1000000.00"), ("5", "5.00"), ("0.5", "0.50"), (" 12.3 ", "12.30")])
def test_parse_amount_accepts_plain_positive_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["0", "0.00", "-5", "1.005", "1e3", "1,000", "", "abc", "١٢", "+5", ".5"])
def test_parse_amount_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_amount(text)
