"""Pure parts of the runtime: registry validation, API readiness, the recording proxy, the nudge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from backflow.app.core.declarations import ActorSpec, FlowRegistry
from backflow.app.runtime.api_health import ApiHealth, recording
from backflow.app.runtime.daemon import RegistryError, check_registry
from backflow.app.runtime.wakeup import Nudge
from backflow.ports.errors import NotFoundError, TransientError
from backflow.ports.outbox import OutboxRow


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 29, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.at.timestamp()


async def handler(row: OutboxRow) -> None:
    return None


def flows(actors: list[ActorSpec], kinds: tuple[str, ...] = ("a", "b")) -> FlowRegistry:
    return FlowRegistry(
        outbox_handlers=dict.fromkeys(kinds, handler), actors=actors, inbox_handlers={}, jobs=[]
    )


def test_a_runnable_registry_passes() -> None:
    check_registry(flows([ActorSpec("one", ("a",)), ActorSpec("two", ("b",), concurrency=1)]))


@pytest.mark.parametrize(
    ("actors", "message"),
    [
        ([ActorSpec("one", ("a", "b")), ActorSpec("two", ("b",))], "claimed by 'one' and 'two'"),
        ([ActorSpec("one", ("a", "b", "c"))], "no handler is registered"),
        ([ActorSpec("one", ("a",))], "no actor to run them: b"),
        ([ActorSpec("one", ("a", "b"), concurrency=0)], "concurrency"),
    ],
)
def test_an_unrunnable_registry_is_refused_at_start(actors: list[ActorSpec], message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        check_registry(flows(actors))


class Port:
    def __init__(self) -> None:
        self.fail: Exception | None = None

    async def read(self) -> str:
        if self.fail:
            raise self.fail
        return "ok"

    def pages(self) -> AsyncIterator[int]:
        async def generate() -> AsyncIterator[int]:
            yield 1
            if self.fail:
                raise self.fail
            yield 2

        return generate()


@pytest.mark.anyio
async def test_the_recording_proxy_notes_answers_and_failures() -> None:
    clock = Clock()
    health = ApiHealth(clock)
    port = Port()
    proxy = recording(port, "api", health)
    with anyio.fail_after(5):
        assert await proxy.read() == "ok"
        port.fail = NotFoundError("no such order")  # an answer: the API works
        with pytest.raises(NotFoundError):
            await proxy.read()
        status = health.status("api")
        assert (status.calls, status.errors) == (2, 0)
        assert status.ready(clock.now(), 60) == (True, None)

        port.fail = TransientError("503")
        with pytest.raises(TransientError):
            await proxy.read()
        with pytest.raises(TransientError):
            assert [x async for x in proxy.pages()]
        assert (status.errors, status.recent_errors, status.last_error) == (2, 2, "TransientError: 503")
        assert status.ready(clock.now(), 60)[0], "a blip within the window is tolerated"
        clock.at += timedelta(seconds=61)
        ok, reason = status.ready(clock.now(), 60)
        assert not ok and reason is not None and "failing for 61s" in reason

        port.fail = None
        assert [x async for x in proxy.pages()] == [1, 2]
        assert status.ready(clock.now(), 60) == (True, None)


def test_an_api_never_reached_is_not_ready() -> None:
    health = ApiHealth(Clock())
    health.failure("rebound", ConnectionError("refused"))
    ok, reason = health.status("rebound").ready(Clock().now(), 60)
    assert not ok and reason == "rebound: no successful call yet (last error: ConnectionError: refused)"


@pytest.mark.anyio
async def test_a_follower_is_nudged_with_its_leader_and_neither_takes_the_other_s_nudge() -> None:
    leader = Nudge()
    follower = leader.follower()
    with anyio.fail_after(5):
        leader.nudge()
        await leader.wait(10)  # the leader's loop re-arms its own nudge...
        await follower.wait(10)  # ...and the follower's is still there: returns at once
        leader.nudge()
        await follower.wait(10)
        await leader.wait(10)
        follower.nudge()  # a follower's own nudge does not wake the leader
        with anyio.move_on_after(0.05) as waited:
            await leader._event.wait()
        assert waited.cancelled_caught


@pytest.mark.anyio
async def test_a_nudge_during_the_work_is_not_lost() -> None:
    nudge = Nudge()
    with anyio.fail_after(5):
        nudge.nudge()
        await nudge.wait(10)  # returns at once
        nudge.nudge()  # arrives while the caller "works"
        began = anyio.current_time()
        await nudge.wait(10)
        assert anyio.current_time() - began < 1
        await nudge.wait(0.05)  # nothing pending: waits out the poll
