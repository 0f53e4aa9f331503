"""Exponential backoff with full jitter, capped; the policy is pure so the schedule is exact."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backflow.ports.outbox import RetryPolicy


def test_ceiling_doubles_from_base_until_the_cap() -> None:
    policy = RetryPolicy(base_seconds=2.0, cap_seconds=60.0, max_attempts=10)
    assert [policy.ceiling(n) for n in range(1, 8)] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_full_jitter_scales_the_ceiling_by_the_random_draw() -> None:
    policy = RetryPolicy(base_seconds=1.0, cap_seconds=100.0)
    assert policy.delay(4, lambda: 0.25) == 2.0
    assert policy.delay(4, lambda: 0.0) == 0.0


def test_exhausted_only_at_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [policy.exhausted(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    base=st.floats(min_value=0.001, max_value=100.0),
    cap=st.floats(min_value=0.001, max_value=10_000.0),
)
def test_delay_stays_between_zero_and_the_cap(attempt: int, draw: float, base: float, cap: float) -> None:
    delay = RetryPolicy(base_seconds=base, cap_seconds=cap).delay(attempt, lambda: draw)
    assert 0.0 <= delay <= cap
