"""The devtools load balancer forwards each request unchanged to a live replica, skips one that
refuses the connection, and answers 502 when none answers, as a real one does."""

from __future__ import annotations

from collections import Counter

import aiohttp
import anyio
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from backflow.devtools.net import free_ports
from backflow.devtools.stack.balancer import Balancer

pytestmark = pytest.mark.anyio


def echo(name: str) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        seen = {"replica": name, "path": request.path_qs, "method": request.method, "body": body.decode()}
        seen["signature"] = request.headers.get("X-Signature", "")
        return web.json_response(seen, status=202, headers={"X-Replica": name})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def test_requests_reach_live_replicas_unchanged_and_a_refused_one_is_skipped() -> None:
    refused, front = free_ports(2)  # nothing listens on `refused`: a killed replica
    with anyio.fail_after(60):
        async with TestServer(echo("a"), host="127.0.0.1") as a, TestServer(echo("b"), host="127.0.0.1") as b:
            targets = [
                str(a.make_url("")).rstrip("/"),
                f"http://127.0.0.1:{refused}",
                str(b.make_url("")).rstrip("/"),
            ]
            balancer = Balancer(front, targets, seed=3)
            await anyio.to_thread.run_sync(balancer.start)
            try:
                replicas: Counter[str] = Counter()
                async with aiohttp.ClientSession() as http:
                    for n in range(30):
                        body = f'{{"n": {n}}}'.encode()
                        async with http.post(
                            f"{balancer.url}/webhooks/rebound?token=t{n}",
                            data=body,
                            headers={"X-Signature": f"s{n}"},
                        ) as answer:
                            assert answer.status == 202
                            seen = await answer.json()
                            assert answer.headers["X-Replica"] == seen["replica"]
                        assert seen["path"] == f"/webhooks/rebound?token=t{n}"
                        assert (seen["method"], seen["body"], seen["signature"]) == (
                            "POST",
                            body.decode(),
                            f"s{n}",
                        )
                        replicas[seen["replica"]] += 1
                assert set(replicas) == {"a", "b"}, replicas  # random: both take a share
                assert balancer.counts["forwarded"] == 30 and balancer.counts["skipped"] > 0, balancer.counts
            finally:
                await anyio.to_thread.run_sync(balancer.stop)


async def test_no_live_replica_is_a_502() -> None:
    down, front = free_ports(2)
    balancer = Balancer(front, [f"http://127.0.0.1:{down}"])
    with anyio.fail_after(60):
        await anyio.to_thread.run_sync(balancer.start)
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{balancer.url}/readyz") as answer:
                assert answer.status == 502
            assert balancer.counts["no_replica"] == 1
        finally:
            await anyio.to_thread.run_sync(balancer.stop)
