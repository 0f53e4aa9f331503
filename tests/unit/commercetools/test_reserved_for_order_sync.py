"""The commercetools limiter keeps slots for order sync: a surge of returns holding every general
slot never makes an order sync wait."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from backflow.adapters.commercetools.limiter import ReservingLimiter
from backflow.ports.upstream_priority import critical_path

pytestmark = pytest.mark.anyio


async def test_with_every_general_slot_busy_an_order_sync_call_still_proceeds() -> None:
    with anyio.fail_after(5):
        limiter = ReservingLimiter(general=3, reserved=1)
        release = anyio.Event()
        holding = 0

        async def general_call() -> None:
            nonlocal holding
            async with limiter.slot():
                holding += 1
                await release.wait()

        async with anyio.create_task_group() as tg:
            for _ in range(5):  # three hold the general slots, two more queue behind them
                tg.start_soon(general_call)
            while holding < 3:
                await anyio.lowlevel.checkpoint()
            with critical_path():
                async with limiter.slot():
                    synced = True
            assert synced and holding == 3
            # A general call never takes the reserve.
            with anyio.move_on_after(0.05) as scope:
                async with limiter.slot():
                    pass
            assert scope.cancelled_caught
            release.set()


async def test_an_order_sync_call_takes_a_free_general_slot_first() -> None:
    with anyio.fail_after(5):
        limiter = ReservingLimiter(general=2, reserved=1)
        with critical_path():
            async with limiter.slot(), limiter.slot(), limiter.slot():
                pass  # two general slots and the reserved one at once


async def test_the_reserve_is_the_critical_paths_own_bound() -> None:
    with anyio.fail_after(5):
        limiter = ReservingLimiter(general=1, reserved=1)
        with critical_path():
            async with limiter.slot(), limiter.slot():
                with anyio.move_on_after(0.05) as scope:
                    async with limiter.slot():
                        pass
                assert scope.cancelled_caught
