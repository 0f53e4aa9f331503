"""Exact integer allocation: split an amount over weights, or over units, without losing a unit.

Both functions work on integer minor units only, so whatever is split adds up to exactly the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def largest_remainder(total: int, weights: Sequence[int | Fraction]) -> list[int]:
    """Split `total` (≥ 0) in proportion to `weights` (≥ 0); the parts sum to exactly `total`.

    Each part is floor(total * weight / Σweights), and the units left over go one each to the
    parts with the largest remainders; equal remainders go to the earlier weight, so the result is
    deterministic. With all weights zero the split is even (earlier parts first), so no unit is lost.
    """
    if total < 0:
        raise ValueError(f"cannot allocate a negative amount: {total}")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    if not weights:
        if total:
            raise ValueError("cannot allocate an amount over no weights")
        return []
    if sum(weights) == 0:
        weights = [1] * len(weights)
    whole = Fraction(sum(weights))
    parts = [int(total * weight // whole) for weight in weights]
    remainders = [Fraction(total * weight) % whole for weight in weights]
    leftover = total - sum(parts)
    # Largest remainder first; on a tie the lower index wins (sorted() is stable).
    order = sorted(range(len(weights)), key=lambda index: -remainders[index])
    for index in order[:leftover]:
        parts[index] += 1
    return parts


def cumulative_share(total: int, units: int, of_units: int) -> int:
    """What the first `units` of `of_units` units carry of `total`: floor(total * units / of_units).

    Refunding units k+1..k+n as `cumulative_share(total, k+n, q) - cumulative_share(total, k, q)`
    never gives a negative part (the share is monotone) and all q units together give exactly
    `total`, however the units are grouped. Floor keeps every partial refund at or below its exact
    value; the last unit returned carries the remainder.
    """
    if of_units <= 0:
        raise ValueError(f"a line must have at least one unit, not {of_units}")
    if not 0 <= units <= of_units:
        raise ValueError(f"units must be within 0..{of_units}, not {units}")
    if total < 0:
        raise ValueError(f"cannot share a negative amount: {total}")
    return total * units // of_units
