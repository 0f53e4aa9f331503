"""UUIDv7 ids: right version and variant, the time in front, strictly increasing in one process."""

from __future__ import annotations

import uuid

from backflow.adapters.uuid7 import Uuid7Generator


def test_version_variant_and_timestamp() -> None:
    value = uuid.UUID(Uuid7Generator(time_ns=lambda: 1_700_000_000_123_456_789).new_id())
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert value.int >> 80 == 1_700_000_000_123


def test_ids_in_the_same_millisecond_still_increase() -> None:
    ids = Uuid7Generator(time_ns=lambda: 5_000_000).new_id
    made = [ids() for _ in range(10_000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_a_clock_stepping_back_does_not_break_the_order() -> None:
    times = iter([10_000_000, 9_000_000, 8_000_000])
    ids = Uuid7Generator(time_ns=lambda: next(times)).new_id
    made = [ids(), ids(), ids()]
    assert made == sorted(made)
