"""Tax rates arrive as JSON numbers (0.19); read them as exact rationals from their decimal text."""

from __future__ import annotations

import re
from fractions import Fraction

import msgspec

from backflow.domain.errors import InvalidAmount

_NUMBER = re.compile(r"^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$")


def parse_rate(raw: msgspec.Raw | bytes | str) -> Fraction:
    """`0.19` → Fraction(19, 100) exactly: the text is parsed, never passed through binary floating point."""
    text = bytes(raw).decode() if isinstance(raw, msgspec.Raw | bytes) else raw
    match = _NUMBER.match(text.strip())
    if match is None:
        raise InvalidAmount(f"not a decimal rate: {text!r}")
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    value = Fraction(int(whole + fraction), 10 ** len(fraction)) * Fraction(10) ** int(exponent or 0)
    return -value if sign else value
