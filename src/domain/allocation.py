"""Exact integer allocation: split an amount over weights, or over units, without losing a unit.

Every function works on integer minor units only, so whatever is split adds up to exactly the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from backflow.domain.rounding import RoundingMode


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


def _rounded_ratio(numerator: int, denominator: int, mode: RoundingMode) -> int:
    """`numerator / denominator` (both >= 0) rounded with `mode`, in integers only: the same result as
    `rounding.round_fraction`, fast enough to run once per unit of a line of thousands."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator:
        return quotient + 1
    if twice < denominator or mode is RoundingMode.HALF_DOWN:
        return quotient
    if mode is RoundingMode.HALF_UP:
        return quotient + 1
    return quotient + quotient % 2


def cumulative_share(total: int, units: int, of_units: int, mode: RoundingMode) -> int:
    """What the first `units` of `of_units` units carry of `total`: total * units / of_units, rounded
    once to an integer with `mode` (the order's rounding mode).

    Refunding units k+1..k+n as `cumulative_share(total, k+n, q) - cumulative_share(total, k, q)`:
    - the first refund of a line is its exact share rounded to nearest (k = 0, and R(0) = 0);
    - every later one is within one unit of its exact share (two roundings, each within half a unit);
    - no part is negative (rounding is monotone) and all q units, however grouped, give exactly
      `total` (R(total) = total).
    """
    if of_units <= 0:
        raise ValueError(f"a line must have at least one unit, not {of_units}")
    if not 0 <= units <= of_units:
        raise ValueError(f"units must be within 0..{of_units}, not {units}")
    if total < 0:
        raise ValueError(f"cannot share a negative amount: {total}")
    return _rounded_ratio(total * units, of_units, mode)


def cumulative_split(
    total: int, part: int, units: int, of_units: int, *, mode: RoundingMode, part_mode: RoundingMode
) -> tuple[int, int]:
    """What the first `units` of `of_units` units carry of `total` and of `part` of it (a line's gross
    and its tax): `(cumulative_share(total, ...), cumulative share of part)`.

    The part follows the same rule (rounded once, with `part_mode`), kept where both it and the rest
    (total - part: the net) stay monotone unit by unit: each unit's part is between 0 and that unit's
    share of `total`, and neither the part nor the rest ever exceeds what there is of it. The two
    roundings only disagree that way on amounts of a few minor units spread over more units; then the
    part gives way by the unit that keeps both sides whole. The result depends only on `units`, never on
    how earlier units were grouped, so any sequence of refunds adds up to exactly `total` and `part`.
    """
    if not 0 <= part <= total:
        raise ValueError(f"the part {part} must be within 0..{total}")
    rest = total - part
    whole = cumulative_share(total, units, of_units, mode)
    previous_whole = carried = 0
    for unit in range(1, units + 1):
        now = cumulative_share(total, unit, of_units, mode)
        low = max(carried, now - rest)
        high = min(carried + now - previous_whole, part)
        carried = min(max(cumulative_share(part, unit, of_units, part_mode), low), high)
        previous_whole = now
    return whole, carried
