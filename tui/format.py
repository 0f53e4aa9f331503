"""How numbers, ages and money read on screen (pure functions, so snapshots and tests are stable)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

# ISO 4217 currencies without minor units, or with three; everything else has two.
_EXPONENTS = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}


def money(amount_minor: int, currency: str) -> str:
    exponent = _EXPONENTS.get(currency.upper(), 2)
    sign = "-" if amount_minor < 0 else ""
    whole, part = divmod(abs(amount_minor), 10**exponent)
    fraction = f".{part:0{exponent}d}" if exponent else ""
    return f"{sign}{whole:,}{fraction} {currency}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m{seconds % 60:02.0f}s"
    if seconds < 86400:
        return f"{seconds // 3600:.0f}h{(seconds % 3600) // 60:02.0f}m"
    return f"{seconds // 86400:.0f}d{(seconds % 86400) // 3600:02.0f}h"


def ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "never"
    return f"{duration((now - then).total_seconds())} ago"


def stamp(at: datetime | None) -> str:
    return "—" if at is None else at.strftime("%Y-%m-%d %H:%M:%S")


def short(text: str | None, width: int) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def pretty_json(value: Any) -> str:
    return msgspec.json.format(msgspec.json.encode(value), indent=2).decode()


def label(name: str) -> str:
    """`refund_mismatch` → `refund mismatch`."""
    return name.replace("_", " ").replace("-", " ")
