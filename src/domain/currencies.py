"""ISO 4217 minor-unit digits for the currencies that differ from the common two."""

from __future__ import annotations

# Currencies whose minor unit is not 1/100 (ISO 4217 list, "minor unit" column).
_ZERO_DIGITS = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
_THREE_DIGITS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_FOUR_DIGITS = frozenset({"CLF", "UYW"})


def currency_digits(code: str) -> int:
    """How many fraction digits the currency's minor unit has (JPY 0, EUR 2, KWD 3)."""
    if code in _ZERO_DIGITS:
        return 0
    if code in _THREE_DIGITS:
        return 3
    if code in _FOUR_DIGITS:
        return 4
    return 2


def is_currency_code(code: str) -> bool:
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()
