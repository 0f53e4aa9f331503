"""The held-returns job looks for a missing order on every tick, but the timeline records a change of
state (held, then orphan past the horizon), not every look."""

from __future__ import annotations

import anyio
import pytest

from backflow.app.returns.held_returns import sweep_held_returns
from tests.integration.flows.conftest import World
from tests.integration.flows.support import drain, exceptions, run_job, settle, store_rebound_events


async def _looks(world: World, return_id: str) -> list[str]:
    entries = await world.wiring.timeline.for_return(return_id)
    return [e.outcome for e in entries if e.action == "find order"]


@pytest.mark.anyio
async def test_a_return_held_for_its_order_has_one_row_per_change_of_state(world: World) -> None:
    with anyio.fail_after(60):
        rid, bodies = world.script(
            "CT-NEVER-COMES",
            [{"clientItemId": "x", "sku": "S", "quantity": 1, "unitPrice": "1.00"}],
            [{"event": "created"}],
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        for _ in range(10):  # ten ticks of the job within the horizon: looked up ten more times
            world.clock.advance(60)
            await run_job(world.wiring, sweep_held_returns)
            assert await drain(world.wiring, world.registry) == []
        assert await _looks(world, rid) == ["held"]

        world.clock.advance(3601)  # past the horizon: an orphan, recorded once
        for _ in range(3):
            await run_job(world.wiring, sweep_held_returns)
            assert await drain(world.wiring, world.registry) == []
        assert await _looks(world, rid) == ["held", "orphan"]
        [orphan] = await exceptions(world.wiring, "orphan_return")
        assert orphan.count == 3, "the exception still counts every sighting"
