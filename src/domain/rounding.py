"""Exact rounding of rationals with commercetools' rounding modes.

commercetools names three modes (RAML `types/cart/RoundingMode.raml`): `HalfEven` (the default),
`HalfUp` and `HalfDown`. Like Java's `RoundingMode`, which the platform runs on, ties round away
from zero for `HalfUp` and towards zero for `HalfDown`; anything that is not a tie rounds to the
nearest integer.
"""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction


class RoundingMode(StrEnum):
    HALF_EVEN = "HalfEven"
    HALF_UP = "HalfUp"
    HALF_DOWN = "HalfDown"


def round_fraction(value: Fraction | int, mode: RoundingMode = RoundingMode.HALF_EVEN) -> int:
    """Round an exact rational to an integer with `mode`."""
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    floor = magnitude.numerator // magnitude.denominator
    remainder = magnitude - floor
    half = Fraction(1, 2)
    if remainder > half:
        result = floor + 1
    elif remainder < half:
        result = floor
    elif mode is RoundingMode.HALF_UP:
        result = floor + 1
    elif mode is RoundingMode.HALF_DOWN:
        result = floor
    else:
        result = floor + (floor % 2)
    return sign * result


def divide_rounded(numerator: int, denominator: int, mode: RoundingMode = RoundingMode.HALF_EVEN) -> int:
    """`numerator / denominator` rounded with `mode`, computed without any float."""
    if denominator == 0:
        raise ZeroDivisionError("division by zero in money arithmetic")
    return round_fraction(Fraction(numerator, denominator), mode)
