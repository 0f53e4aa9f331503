from __future__ import annotations

from fractions import Fraction

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backflow.domain.errors import CurrencyMismatch, InvalidAmount
from backflow.domain.money import Money, TypedMoney
from backflow.domain.rounding import RoundingMode, divide_rounded, round_fraction


@pytest.mark.parametrize(
    ("value", "even", "up", "down"),
    [
        (Fraction(5, 2), 2, 3, 2),
        (Fraction(7, 2), 4, 4, 3),
        (Fraction(-5, 2), -2, -3, -2),
        (Fraction(-7, 2), -4, -4, -3),
        (Fraction(26, 10), 3, 3, 3),
        (Fraction(24, 10), 2, 2, 2),
        (Fraction(-26, 10), -3, -3, -3),
        (Fraction(0), 0, 0, 0),
    ],
)
def test_rounding_modes_on_ties_and_non_ties(value: Fraction, even: int, up: int, down: int) -> None:
    assert round_fraction(value, RoundingMode.HALF_EVEN) == even
    assert round_fraction(value, RoundingMode.HALF_UP) == up
    assert round_fraction(value, RoundingMode.HALF_DOWN) == down


@given(st.integers(-(10**30), 10**30), st.integers(1, 10**12), st.sampled_from(list(RoundingMode)))
def test_divide_rounded_is_within_half_a_unit(numerator: int, denominator: int, mode: RoundingMode) -> None:
    result = divide_rounded(numerator, denominator, mode)
    assert abs(Fraction(numerator, denominator) - result) <= Fraction(1, 2)


def test_parse_and_format_round_trip_per_currency() -> None:
    assert Money.parse("35.00", "GBP") == Money(3500, "GBP", 2)
    assert Money.parse("35", "GBP").to_decimal_string() == "35.00"
    assert Money.parse("1200", "JPY") == Money(1200, "JPY", 0)
    assert Money.parse("1.250", "KWD") == Money(1250, "KWD", 3)
    assert Money(1250, "KWD", 3).to_decimal_string() == "1.250"
    assert Money(-5, "EUR", 2).to_decimal_string() == "-0.05"
    assert Money(7, "JPY", 0).to_decimal_string() == "7"
    assert Money(123456, "EUR", 7).to_decimal_string() == "0.0123456"


@pytest.mark.parametrize("text", ["", "1,00", "1.", ".5", "1e3", "NaN", "--1", "1.0.0", "ten"])
def test_parse_refuses_what_is_not_a_decimal(text: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.parse(text, "EUR")


def test_money_refuses_bad_currency_and_precision() -> None:
    with pytest.raises(InvalidAmount):
        Money(1, "eur", 2)
    with pytest.raises(InvalidAmount):
        Money(1, "EUR", 21)


def test_arithmetic_aligns_precision_and_refuses_mixed_currencies() -> None:
    total = Money(123456, "EUR", 7) + Money(100, "EUR", 2)
    assert total == Money(10123456, "EUR", 7)
    assert total.to_currency_precision() == Money(101, "EUR", 2)
    assert Money(100, "EUR", 2).same_value(Money(1000, "EUR", 3))
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR", 2) + Money(1, "GBP", 2)


def test_typed_money_decodes_both_commercetools_kinds() -> None:
    cent = msgspec.json.decode(
        b'{"type":"centPrecision","currencyCode":"EUR","centAmount":4200,"fractionDigits":2}', type=TypedMoney
    )
    assert cent.to_money() == Money(4200, "EUR", 2)
    high = msgspec.json.decode(
        b'{"type":"highPrecision","currencyCode":"EUR","centAmount":1,"preciseAmount":123456,"fractionDigits":7}',
        type=TypedMoney,
    )
    assert high.to_money() == Money(123456, "EUR", 7)
    assert high.to_money().to_currency_precision(RoundingMode.HALF_EVEN) == Money(1, "EUR", 2)
    assert TypedMoney.from_money(Money(123456, "EUR", 7)).centAmount == 1


@given(
    st.integers(-(10**15), 10**15),
    st.sampled_from(["EUR", "JPY", "KWD", "GBP", "USD", "BHD"]),
    st.integers(0, 20),
)
def test_decimal_string_round_trips_exactly(amount: int, currency: str, digits: int) -> None:
    money = Money(amount, currency, digits)
    parsed = Money.parse(money.to_decimal_string(), currency)
    assert parsed.same_value(money)


@given(st.integers(0, 10**12), st.integers(0, 10), st.sampled_from(list(RoundingMode)))
def test_rescaling_down_then_up_is_within_half_a_minor_unit(
    amount: int, extra: int, mode: RoundingMode
) -> None:
    precise = Money(amount, "EUR", 2 + extra)
    rounded = precise.to_currency_precision(mode)
    assert abs(rounded.as_fraction() - precise.as_fraction()) <= Fraction(1, 200)
