"""`/healthz` and `/readyz`: a crashed actor and an unwritable database make the daemon not ready; a
failing upstream API is reported in `/healthz` but leaves it ready (intake stays open)."""

from __future__ import annotations

import contextlib
from typing import Any

import anyio
import pytest

from backflow.app.core.declarations import ActorSpec
from backflow.ports.outbox import OutboxRow
from tests.integration.runtime.conftest import DaemonFactory, eventually, registry

pytestmark = pytest.mark.anyio


async def test_ready_when_everything_runs_and_not_while_an_actor_is_restarting(
    daemon: DaemonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def noop(row: OutboxRow) -> None:
        return None

    flows = registry(outbox_handlers={"work": noop}, actors=[ActorSpec("worker", ("work",))])
    with anyio.fail_after(20):
        async with daemon(flows) as run:
            status, health = await run.get("/healthz", headers={})
            assert (status, health["status"]) == (200, "ok")
            assert health["instance"]["role"] == "active"
            status, body = await run.get("/readyz", headers={})
            assert (status, body) == (200, {"ready": True, "reasons": []})

            store_outbox = run.daemon.composition.store.outbox
            real_claim = store_outbox.claim_batch  # the relay's claim: one transaction a round
            crashes = 0

            async def broken_claim(*args: Any, **kwargs: Any) -> Any:
                nonlocal crashes
                if crashes < 2:
                    crashes += 1
                    raise OSError("disk on fire")
                return await real_claim(*args, **kwargs)

            monkeypatch.setattr(store_outbox, "claim_batch", broken_claim)
            run.daemon.runtime.wakeups.relay.nudge()
            status, body = await eventually(lambda: _not_ready(run))
            assert any(
                "actor outbox-relay is restarting" in r and "disk on fire" in r for r in body["reasons"]
            )
            # The supervisor restarts it with backoff; once claims work again it is ready again.
            await eventually(lambda: _ready(run))
            assert run.daemon.runtime.health.status("outbox-relay").restarts == 2


async def test_not_ready_when_the_database_cannot_be_written(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            run.daemon.composition.store.writer.close()  # the writer refuses everything from now on
            status, body = await run.get("/readyz", headers={})
            assert status == 503
            assert any(r.startswith("database not writable") for r in body["reasons"])


async def test_still_ready_while_an_api_keeps_failing_which_healthz_reports(
    daemon: DaemonFactory, sims: Any
) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            health = run.daemon.composition.api_health
            assert {"commercetools", "rebound"} <= set(health.apis)  # start-up calls noted
            await sims.rebound.close()
            for _ in range(2):
                with contextlib.suppress(Exception):
                    await run.daemon.wiring.platform.get_sales_order("nope")
            health.apis["rebound"].last_success_at = None  # as if it never answered within the window
            status, body = await run.get("/readyz", headers={})
            assert (status, body) == (200, {"ready": True, "reasons": []}), "intake stays open"
            status, health = await run.get("/healthz", headers={})
            [rebound] = [api for api in health["upstream"] if api["name"] == "rebound"]
            assert status == 200 and not rebound["ok"] and rebound["detail"].startswith("rebound:")


async def _not_ready(run: Any) -> tuple[int, Any] | None:
    status, body = await run.get("/readyz", headers={})
    return (status, body) if status == 503 else None


async def _ready(run: Any) -> bool:
    status, _ = await run.get("/readyz", headers={})
    return bool(status == 200)
