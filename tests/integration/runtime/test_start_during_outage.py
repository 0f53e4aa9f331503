"""A daemon (re)started while commercetools is down starts, takes webhooks, stays ready (intake open) and
says in `/healthz` that commercetools is failing."""

from __future__ import annotations

import pytest

from backflow.devtools.commercetools_sim.faults import FaultRule
from backflow.devtools.commercetools_sim.keys import STATE
from tests.integration.runtime.conftest import DaemonFactory, Sims, registry
from tests.rebound_support import envelope, signed_headers

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


async def test_commercetools_down_at_start_up_does_not_stop_the_daemon(
    sims: Sims, daemon: DaemonFactory
) -> None:
    state = sims.commercetools.app[STATE]
    state.options.faults = [FaultRule(path="^/(?!oauth)", error_rate=1.0, error_status=503)]
    async with daemon(registry()) as running:
        body = envelope("evt-outage-1")
        async with running.http.post(
            running.url + "/webhooks/rebound", data=body, headers=signed_headers(body)
        ) as response:
            assert response.status == 202
        async with running.http.get(running.url + "/readyz") as response:
            assert response.status == 200, "an upstream outage never closes intake"
        async with running.http.get(running.url + "/healthz") as response:
            upstream = {api["name"]: api for api in (await response.json())["upstream"]}
            assert not upstream["commercetools"]["ok"]
            assert "commercetools" in upstream["commercetools"]["detail"]
    assert state.stats.get("fault.503", 0) >= 1
