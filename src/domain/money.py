"""Money as an integer count of 10^-digits units of a currency. No floats, ever.

`digits` is the precision of the amount, not of the currency: commercetools' high-precision prices
carry up to 20 fraction digits (`preciseAmount`, `fractionDigits`), and a refund computation may keep
that precision until the final rounding to the currency's minor unit.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Literal

import msgspec

from backflow.domain.currencies import currency_digits, is_currency_code
from backflow.domain.errors import CurrencyMismatch, InvalidAmount
from backflow.domain.rounding import RoundingMode, round_fraction

MAX_DIGITS = 20
_DECIMAL = re.compile(r"^(-)?(\d+)(?:\.(\d+))?$")


class Money(msgspec.Struct, frozen=True, order=False):
    amount: int
    currency: str
    digits: int

    def __post_init__(self) -> None:
        if not is_currency_code(self.currency):
            raise InvalidAmount(f"not an ISO 4217 currency code: {self.currency!r}")
        if not 0 <= self.digits <= MAX_DIGITS:
            raise InvalidAmount(f"fraction digits must be 0..{MAX_DIGITS}, not {self.digits}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidAmount(f"amount must be an integer count of minor units, not {self.amount!r}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def minor(cls, amount: int, currency: str) -> Money:
        """An amount in the currency's own minor unit (cents for EUR, yen for JPY)."""
        return cls(amount, currency, currency_digits(currency))

    @classmethod
    def zero(cls, currency: str, digits: int | None = None) -> Money:
        return cls(0, currency, currency_digits(currency) if digits is None else digits)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal string such as `"35.00"` exactly, keeping its digits (at least the currency's)."""
        match = _DECIMAL.match(text.strip())
        if match is None:
            raise InvalidAmount(f"not a decimal amount: {text!r}")
        sign, whole, fraction = match.groups()
        fraction = fraction or ""
        digits = max(len(fraction), currency_digits(currency))
        if digits > MAX_DIGITS:
            raise InvalidAmount(f"too many fraction digits in {text!r}")
        amount = int(whole + fraction.ljust(digits, "0"))
        return cls(-amount if sign else amount, currency, digits)

    # ------------------------------------------------------------------ precision
    @property
    def currency_digits(self) -> int:
        return currency_digits(self.currency)

    def as_fraction(self) -> Fraction:
        """The value in major units (35.00 GBP → 35), exactly."""
        return Fraction(self.amount, 10**self.digits)

    def rescale(self, digits: int, mode: RoundingMode = RoundingMode.HALF_EVEN) -> Money:
        """The same value at another precision, rounded with `mode` when precision is lost."""
        if digits == self.digits:
            return self
        if digits > self.digits:
            return Money(self.amount * 10 ** (digits - self.digits), self.currency, digits)
        return Money(
            round_fraction(Fraction(self.amount, 10 ** (self.digits - digits)), mode), self.currency, digits
        )

    def to_currency_precision(self, mode: RoundingMode = RoundingMode.HALF_EVEN) -> Money:
        return self.rescale(self.currency_digits, mode)

    @property
    def minor_units(self) -> int:
        """The amount in the currency's minor unit; only exact amounts have one."""
        if self.digits > self.currency_digits:
            exact = self.rescale(self.currency_digits)
            if exact.rescale(self.digits) != self:
                raise InvalidAmount(f"{self} has no exact amount in {self.currency} minor units")
            return exact.amount
        return self.rescale(self.currency_digits).amount

    # ------------------------------------------------------------------ arithmetic
    def _aligned(self, other: Money) -> tuple[int, int, int]:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        digits = max(self.digits, other.digits)
        return self.rescale(digits).amount, other.rescale(digits).amount, digits

    def __add__(self, other: Money) -> Money:
        a, b, digits = self._aligned(other)
        return Money(a + b, self.currency, digits)

    def __sub__(self, other: Money) -> Money:
        a, b, digits = self._aligned(other)
        return Money(a - b, self.currency, digits)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency, self.digits)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency, self.digits)

    def compare(self, other: Money) -> int:
        """-1, 0 or 1; equal values at different precisions compare equal."""
        a, b, _ = self._aligned(other)
        return (a > b) - (a < b)

    def same_value(self, other: Money) -> bool:
        return self.compare(other) == 0

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    # ------------------------------------------------------------------ formatting
    def to_decimal_string(self) -> str:
        """`"35.00"`: at least the currency's digits, more only if the amount carries them."""
        digits = max(self.digits, self.currency_digits)
        amount = self.rescale(digits).amount
        sign = "-" if amount < 0 else ""
        text = str(abs(amount)).rjust(digits + 1, "0")
        if digits == 0:
            return sign + text
        return f"{sign}{text[:-digits]}.{text[-digits:]}"

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"


class TypedMoney(msgspec.Struct, frozen=True):
    """commercetools' read model for money (`centPrecision` or `highPrecision`)."""

    currencyCode: str  # commercetools field names are camelCase
    centAmount: int
    fractionDigits: int | None = None
    type: Literal["centPrecision", "highPrecision"] = "centPrecision"
    preciseAmount: int | None = None

    def to_money(self) -> Money:
        """The exact amount: `preciseAmount` at `fractionDigits` for high precision, else cents."""
        if self.type == "highPrecision":
            if self.preciseAmount is None or self.fractionDigits is None:
                raise InvalidAmount("highPrecision money needs preciseAmount and fractionDigits")
            return Money(self.preciseAmount, self.currencyCode, self.fractionDigits)
        digits = currency_digits(self.currencyCode) if self.fractionDigits is None else self.fractionDigits
        return Money(self.centAmount, self.currencyCode, digits)

    @classmethod
    def from_money(cls, money: Money) -> TypedMoney:
        """The draft form commercetools accepts (`centAmount` at the currency's precision)."""
        cents = money.to_currency_precision()
        return cls(currencyCode=money.currency, centAmount=cents.amount, fractionDigits=cents.digits)
