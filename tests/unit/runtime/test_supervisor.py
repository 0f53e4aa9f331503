from __future__ import annotations

from datetime import UTC, datetime

import anyio
import pytest
from anyio.abc import TaskStatus

from backflow.app.runtime.health import ActorHealth, ActorState
from backflow.app.runtime.supervisor import RestartPolicy, supervise

pytestmark = pytest.mark.anyio

FAST = RestartPolicy(initial_delay=0.001, max_delay=0.004, stable_after=60)


class StillClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 29, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0


async def test_a_crashing_actor_is_restarted_and_the_crashes_are_visible() -> None:
    health = ActorHealth(StillClock())
    runs = 0
    done = anyio.Event()

    async def flaky(*, task_status: TaskStatus[None]) -> None:
        nonlocal runs
        runs += 1
        task_status.started()
        if runs <= 3:
            raise RuntimeError(f"boom {runs}")
        done.set()
        await anyio.sleep_forever()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(supervise, "flaky", flaky, health, FAST)
            await done.wait()
            status = health.status("flaky")
            assert status.restarts == 3
            assert status.last_error == "RuntimeError: boom 3"
            assert status.state is ActorState.RUNNING
            assert health.all_running()
            tg.cancel_scope.cancel()


async def test_a_failure_before_the_first_start_propagates() -> None:
    health = ActorHealth(StillClock())

    async def broken(*, task_status: TaskStatus[None]) -> None:
        raise ValueError("bad configuration")

    with anyio.fail_after(5), pytest.raises(ExceptionGroup) as caught:
        async with anyio.create_task_group() as tg:
            await tg.start(supervise, "broken", broken, health, FAST)
    assert caught.group_contains(ValueError, match="bad configuration")


async def test_an_actor_that_returns_is_stopped_not_restarted() -> None:
    health = ActorHealth(StillClock())

    async def finite(*, task_status: TaskStatus[None]) -> None:
        task_status.started()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(supervise, "finite", finite, health, FAST)
    assert health.status("finite").state is ActorState.STOPPED
    assert health.status("finite").restarts == 0


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RestartPolicy(initial_delay=0.5, max_delay=4)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]
