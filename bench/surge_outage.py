"""The surge benchmark's comparisons: a bare aiohttp handler (the intake ceiling) and, through a
commercetools outage, Backflow against a naive integration (`contenders.py naive`)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from backflow.devtools.net import free_port, listening, wait_for
from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack, bench_stack
from bench.surge_traffic import (
    CT_LATENCY,
    DAEMON_ENV,
    blast,
    event_bodies,
    orders_in_rebound,
    script_returns,
    seed_shop,
)

ROOT = Path(__file__).resolve().parent.parent


def start_contender(mode: str, ct_url: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [sys.executable, str(Path(__file__).with_name("contenders.py")), mode, str(port)]
    if ct_url:
        argv.append(ct_url)
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: listening(port), 30, f"the {mode} contender")
    return process, f"http://127.0.0.1:{port}/webhooks/rebound"


def bare_intake(count: int) -> float:
    """2xx answers per second of a handler that reads each of `count` webhook bodies and drops it."""
    process, url = start_contender("bare")
    try:
        seconds, statuses = asyncio.run(blast(url, _sample_bodies(count), "unused", 600))
        return round(statuses.get(200, 0) / seconds, 1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def outage_comparison(workdir: Path, returns: int, outage: float, rng: Any) -> dict[str, Any]:
    """The same created-webhooks into Backflow and into the naive integration while commercetools is down
    for `outage` seconds in the middle; each webhook is sent once (a retrying sender would mask both)."""
    results: dict[str, Any] = {
        name: _outage_run(name, workdir / name, returns, outage, rng) for name in ("backflow", "naive")
    }
    results["outage_seconds"] = outage
    return results


async def _paced(stack: Stack, url: str, created: list[bytes], outage: float) -> dict[int, int]:
    """A third before, a third during, a third after the outage, so each side sees all phases."""
    third = len(created) // 3
    total: dict[int, int] = {}
    for index, part in enumerate((created[:third], created[third : 2 * third], created[2 * third :])):
        if index == 1:
            stack.ct_faults([{"path": "^/(?!oauth)", "error_rate": 1.0, "error_status": 503}])
            await asyncio.sleep(1)
        _, statuses = await blast(url, part, stack.secrets.webhook_secret, 600)
        for key, value in statuses.items():
            total[key] = total.get(key, 0) + value
        if index == 1:
            await asyncio.sleep(max(0.0, outage - 1))
            stack.ct_faults([{"path": "^/(?!oauth)", "latency": CT_LATENCY}])
    return total


def _outage_run(contender: str, workdir: Path, returns: int, outage: float, rng: Any) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    stack = bench_stack(workdir, env=DAEMON_ENV)
    naive: subprocess.Popen[bytes] | None = None
    try:
        stack.prepare()
        stack.start_simulators()
        stack.ct_faults([{"path": "^/(?!oauth)", "latency": CT_LATENCY}])
        stack.start_daemon()
        asyncio.run(seed_shop(stack))
        numbers = asyncio.run(orders_in_rebound(stack, returns, rng.randrange(2**32)))
        script_returns(stack, numbers)
        created = [b for b in event_bodies(stack) if json.loads(b)["type"] == "return_order.created"]
        url = f"{stack.url}/webhooks/rebound"
        if contender == "naive":
            stack.stop_daemon()
            naive, url = start_contender("naive", stack.ct)
        statuses = asyncio.run(_paced(stack, url, created, outage))
        if contender == "backflow":
            wait_for(lambda: _anchored_count(stack) >= len(created), 600, "every return anchored", every=0.2)
        anchored = _anchored_count(stack)
        return {
            "webhooks": len(created),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "returns_in_commercetools": anchored,
            "lost": len(created) - anchored,
        }
    finally:
        if naive is not None:
            naive.terminate()
            naive.wait(timeout=10)
        stack.stop()


def _anchored_count(stack: Stack) -> int:
    _, state = request("GET", f"{stack.ct}/_sim/state", timeout=120)
    return sum(1 for o in state["resources"].get("order", []) if o.get("returnInfo"))


def _sample_bodies(count: int) -> list[bytes]:
    """Webhook-sized bodies for the bare handler (it reads and drops them)."""
    template = json.dumps(
        {"id": "x", "type": "return_order.created", "data": {"order": {}, "items": []}}
    ).encode()
    return [template.replace(b'"x"', f'"evt-{n}"'.encode()) for n in range(count)]
