"""The cumulative rules behind partial refunds (domain.allocation), on their own."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backflow.domain.allocation import cumulative_share, cumulative_split
from backflow.domain.rounding import RoundingMode, round_fraction

MODES = st.sampled_from(list(RoundingMode))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [(RoundingMode.HALF_EVEN, 2), (RoundingMode.HALF_UP, 3), (RoundingMode.HALF_DOWN, 2)],
)
def test_a_tie_rounds_with_the_orders_mode(mode: RoundingMode, expected: int) -> None:
    # 5 * 1/2 = 2.5
    assert cumulative_share(5, 1, 2, mode) == expected


def test_a_share_is_rounded_to_nearest_not_down() -> None:
    # 2000 * 2/3 = 1333.33 -> 1333; 4980 / 2 = 2490; 6297 / 4 = 1574.25 -> 1574; 125.00 * 2/3 -> 8333
    assert cumulative_share(2000, 2, 3, RoundingMode.HALF_EVEN) == 1333
    assert cumulative_share(2000, 1, 3, RoundingMode.HALF_EVEN) == 667  # floor would give 666
    assert cumulative_share(6297, 1, 4, RoundingMode.HALF_EVEN) == 1574
    assert cumulative_share(12500, 2, 3, RoundingMode.HALF_EVEN) == 8333


def test_out_of_range_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one unit"):
        cumulative_share(10, 0, 0, RoundingMode.HALF_EVEN)
    with pytest.raises(ValueError, match=r"within 0\.\.2"):
        cumulative_share(10, 3, 2, RoundingMode.HALF_EVEN)
    with pytest.raises(ValueError, match="negative"):
        cumulative_share(-1, 1, 2, RoundingMode.HALF_EVEN)
    with pytest.raises(ValueError, match=r"within 0\.\.3"):
        cumulative_split(3, 4, 1, 2, mode=RoundingMode.HALF_EVEN, part_mode=RoundingMode.HALF_EVEN)


def test_the_part_gives_way_when_its_own_rounding_would_take_the_rest_below_zero() -> None:
    # 3 minor units over 4 units, 2 of them tax (net 1), HalfEven:
    # gross R(3m/4) = 0, 1, 2, 2, 3; tax R(2m/4) = 0, 0, 1, 2, 2. Taken as they are, unit 3 would
    # refund 0 gross = 1 tax - 1 net. The tax holds at 1 there, then takes its last unit with unit 4.
    even = RoundingMode.HALF_EVEN
    split = [cumulative_split(3, 2, m, 4, mode=even, part_mode=even) for m in range(5)]
    assert split == [(0, 0), (1, 0), (2, 1), (2, 1), (3, 2)]


@given(st.integers(0, 10**9), st.integers(1, 500), st.data(), MODES)
def test_a_cumulative_share_is_the_exact_share_rounded_with_the_mode(
    total: int, of_units: int, data: st.DataObject, mode: RoundingMode
) -> None:
    units = data.draw(st.integers(0, of_units))
    assert cumulative_share(total, units, of_units, mode) == round_fraction(
        Fraction(total * units, of_units), mode
    )
    # Ties too: half of an odd amount.
    assert cumulative_share(2 * total + 1, 1, 2, mode) == round_fraction(Fraction(2 * total + 1, 2), mode)


@st.composite
def amounts(draw: st.DrawFn) -> tuple[int, int, int, RoundingMode, RoundingMode]:
    total = draw(st.one_of(st.integers(0, 12), st.integers(0, 10**7)))
    part = draw(st.integers(0, total))
    return total, part, draw(st.integers(1, 60)), draw(MODES), draw(MODES)


@given(amounts())
def test_cumulative_split_is_whole_monotone_and_the_rule_whenever_the_rule_can_be(
    case: tuple[int, int, int, RoundingMode, RoundingMode],
) -> None:
    total, part, units, mode, part_mode = case
    split = [
        cumulative_split(total, part, m, units, mode=mode, part_mode=part_mode) for m in range(units + 1)
    ]
    assert split[0] == (0, 0) and split[-1] == (total, part)
    rule = [
        (
            round_fraction(Fraction(total * m, units), mode),
            round_fraction(Fraction(part * m, units), part_mode),
        )
        for m in range(units + 1)
    ]
    assert [whole for whole, _ in split] == [whole for whole, _ in rule]
    for (whole_a, part_a), (whole_b, part_b) in itertools.pairwise(split):
        assert 0 <= part_b - part_a <= whole_b - whole_a  # neither the part nor the rest goes back
    feasible = all(
        0 <= part_b - part_a <= whole_b - whole_a
        for (whole_a, part_a), (whole_b, part_b) in itertools.pairwise(rule)
    )
    if feasible:
        assert split == rule
