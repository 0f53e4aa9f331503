"""Two `backflow run` processes on one SQLite file: one works, the other stands by (ready: no, intake:
yes) and takes over when the active one is SIGKILLed mid-run, twice. Checked from the simulators'
own state: every refund, restock and return info exactly once. And a backup taken mid-run, restored
after the run, resumes with nothing done twice."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import aiohttp
import anyio
import pytest

from backflow.devtools.net import free_port
from backflow.devtools.stack import processes
from backflow.devtools.stack.processes import Child
from tests.e2e.stack import Stack, eventually, running_stack
from tests.e2e.test_restart_and_shadow import all_done, book, refunded

pytestmark = pytest.mark.anyio
RETURNS = 10


async def readyz(stack: Stack, url: str) -> tuple[int, dict[str, object]]:
    try:
        async with stack.http.get(f"{url}/readyz") as response:
            return response.status, await response.json()
    except aiohttp.ClientConnectionError:  # not listening (yet, or any more)
        return 0, {}


async def exactly_once(stack: Stack, return_ids: list[str]) -> None:
    per_interaction = await stack.refund_transactions()
    assert len(per_interaction) == len(return_ids) and set(per_interaction.values()) == {1}
    _, markers = await stack.stock_added()
    assert set(markers.values()) == {1}, "each restock marker applied once"
    # One return per order was booked: each of those orders carries exactly one return info.
    infos = Counter(
        len(order["returnInfo"])
        for order in (await stack.ct_state())["resources"].get("order", [])
        if order.get("orderNumber", "").startswith("E2E-")
    )
    assert infos == Counter({1: len(return_ids)}), f"return infos per order: {infos}"


def spawn_standby(stack: Stack, name: str, port: int) -> Child:
    env = stack.launched.child_env() | {"BACKFLOW_HTTP_PORT": str(port)}
    return processes.spawn(name, ["run"], env, stack.layout.log(name))


async def takeover_seconds(stack: Stack, killed: int, standby_url: str) -> float:
    processes.stop([Child("active", killed)], sig=signal.SIGKILL)
    killed_at = time.monotonic()

    async def serving() -> bool:
        return (await readyz(stack, standby_url))[0] == 200

    await eventually(serving, within=15, every=0.05)
    return time.monotonic() - killed_at


async def test_a_standby_takes_over_from_a_killed_active_daemon_with_each_effect_once(tmp_path: Path) -> None:
    with anyio.fail_after(150):
        async with running_stack(tmp_path) as stack:
            port_b = free_port()
            url_a, url_b = stack.ends.daemon, f"http://127.0.0.1:{port_b}"
            b = spawn_standby(stack, "daemon-b", port_b)
            try:
                await eventually(lambda: _standby(stack, url_b), within=20)
                overview_b = await stack.admin.get("/api/overview")  # A's view: active
                assert overview_b["instance"]["role"] == "active"
                first, units = await book(stack, "E2E-HA-A", RETURNS)
                await eventually(lambda: _some(stack, 2), within=30, every=0.05)
                first_takeover = await takeover_seconds(stack, stack.launched.daemon.pid, url_b)  # type: ignore[union-attr]
                # A comes back on its port as the standby; ReBound keeps delivering there.
                stack.launched.ready_path = "/healthz"
                await stack.restart_daemon()
                await eventually(lambda: _standby(stack, url_a), within=20)
                second, more = await book(stack, "E2E-HA-B", RETURNS)
                await eventually(lambda: _some(stack, len(first) + 2), within=40, every=0.05)
                second_takeover = await takeover_seconds(stack, b.pid, url_a)
                everything = first + second
                await eventually(lambda: all_done(stack, everything, units + more), within=60, every=0.5)
                await exactly_once(stack, everything)
                print(f"takeover after SIGKILL: {first_takeover:.2f}s, {second_takeover:.2f}s (lease 3s)")
                assert max(first_takeover, second_takeover) < 3 + 1.5, "within one lease period (+ poll)"
            finally:
                processes.stop([b], grace=5)


async def test_a_backup_taken_mid_run_restores_and_resumes_with_nothing_done_twice(tmp_path: Path) -> None:
    with anyio.fail_after(120):
        async with running_stack(tmp_path) as stack:
            ids, units = await book(stack, "E2E-BACKUP", RETURNS)
            await eventually(lambda: _some(stack, 2), within=30, every=0.05)
            taken = stack.backflow("backup", str(tmp_path / "mid-run.sqlite3"))
            assert taken.returncode == 0, taken.stderr
            refused = stack.backflow("restore", str(tmp_path / "mid-run.sqlite3"))
            assert refused.returncode == 1 and "a daemon holds" in refused.stderr, refused.stderr
            await eventually(lambda: all_done(stack, ids, units), within=60, every=0.5)
            assert stack.stop_daemon(signal.SIGTERM) == 0
            restored = stack.backflow("restore", str(tmp_path / "mid-run.sqlite3"))
            assert restored.returncode == 0, restored.stderr
            await stack.restart_daemon()  # resumes from the backup's state: the work after it again
            await eventually(lambda: all_done(stack, ids, units), within=60, every=0.5)
            await anyio.sleep(2)  # anything re-run would show by now
            await exactly_once(stack, ids)


async def _standby(stack: Stack, url: str) -> bool:
    status, body = await readyz(stack, url)
    reasons = body.get("reasons", [])
    return status == 503 and any(str(r).startswith("standby: the lease is held by") for r in reasons)  # type: ignore[union-attr]


async def _some(stack: Stack, at_least: int) -> bool:
    return await refunded(stack) >= at_least
