"""The commercetools call limiter: general slots for every flow plus a reserve for the critical path.

Calls on the critical path (`ports.upstream_priority`: order sync) take a free general slot if there
is one, otherwise a reserved slot, so however many returns hold the general slots an order sync
still goes out at once; other calls never touch the reserve.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from backflow.ports.upstream_priority import on_critical_path


class ReservingLimiter:
    def __init__(self, general: int, reserved: int) -> None:
        self._general = anyio.Semaphore(general)
        self._reserved = anyio.Semaphore(reserved) if reserved > 0 else None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        semaphore = self._general
        if self._reserved is not None and on_critical_path():
            try:
                self._general.acquire_nowait()
            except anyio.WouldBlock:
                semaphore = self._reserved
                await semaphore.acquire()
        else:
            await semaphore.acquire()
        try:
            yield
        finally:
            semaphore.release()
