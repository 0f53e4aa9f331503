"""UUIDv7 ids (RFC 9562): 48-bit unix milliseconds, then a counter, then randomness; sorts by time."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable

_COUNTER_BITS = 12
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1


class Uuid7Generator:
    """Strictly increasing within a process: the 12-bit `rand_a` field counts ids within one millisecond
    (RFC 9562 method 1), and a clock that steps back keeps using the last millisecond."""

    def __init__(
        self,
        time_ns: Callable[[], int] = time.time_ns,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._time_ns = time_ns
        self._random_bytes = random_bytes
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def new_id(self) -> str:
        with self._lock:
            ms = self._time_ns() // 1_000_000
            if ms > self._last_ms:
                self._last_ms, self._counter = ms, 0
            elif self._counter < _COUNTER_MAX:
                self._counter += 1
            else:
                # 4,096 ids in one millisecond: borrow the next millisecond rather than repeat an id.
                self._last_ms, self._counter = self._last_ms + 1, 0
            ms, counter = self._last_ms, self._counter
        rand_b = int.from_bytes(self._random_bytes(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
        return str(uuid.UUID(int=value))
