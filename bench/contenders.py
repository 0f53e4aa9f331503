"""What the surge benchmark compares Backflow with, each a process of its own:

contenders.py bare PORT            answers 200 to every webhook, stores nothing (the intake ceiling)
contenders.py naive PORT CT_URL    a quick in-house build: checks the signature, then calls
                                   commercetools inside the request (find the order, add return
                                   info) and answers 200, or 502 when commercetools failed; no store
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web

from backflow.adapters.rebound import signature
from backflow.devtools.shop import CT_CLIENT, CT_PROJECT
from backflow.devtools.stack.launcher import BENCH_SECRETS

SECRETS = BENCH_SECRETS


async def bare(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=200)


class Naive:
    def __init__(self, ct_url: str) -> None:
        self.ct_url = ct_url
        self.api = f"{ct_url}/{CT_PROJECT}"
        self.token: str | None = None
        self.session: aiohttp.ClientSession | None = None

    async def start(self, _: web.Application) -> None:
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self, _: web.Application) -> None:
        assert self.session is not None
        await self.session.close()

    async def _headers(self) -> dict[str, str]:
        assert self.session is not None
        if self.token is None:
            auth = aiohttp.BasicAuth(CT_CLIENT, SECRETS.ctp_client_secret)
            async with self.session.post(
                f"{self.ct_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth
            ) as response:
                self.token = (await response.json())["access_token"]
        return {"Authorization": f"Bearer {self.token}"}

    async def handle(self, request: web.Request) -> web.Response:
        assert self.session is not None
        body = await request.read()
        try:
            signature.verify(
                request.headers.get(signature.SIGNATURE_HEADER),
                body,
                (SECRETS.webhook_secret,),
                now=time.time(),
            )
        except signature.SignatureError:
            return web.Response(status=401)
        event: dict[str, Any] = json.loads(body)
        number = event["data"]["order"]["clientOrderId"]
        try:
            headers = await self._headers()
            where = f'orderNumber="{number}"'
            async with self.session.get(f"{self.api}/orders", params={"where": where}, headers=headers) as r:
                r.raise_for_status()
                order = (await r.json())["results"][0]
            items = [
                {
                    "quantity": i["quantityExpected"],
                    "lineItemId": i["clientItemId"],
                    "shipmentState": "Advised",
                }
                for i in event["data"]["items"]
            ]
            action = {"action": "addReturnInfo", "items": items}
            update = {"version": order["version"], "actions": [action]}
            async with self.session.post(
                f"{self.api}/orders/{order['id']}", json=update, headers=headers
            ) as r:
                r.raise_for_status()
        except (aiohttp.ClientError, TimeoutError, KeyError, IndexError):
            return web.Response(status=502)
        return web.Response(status=200)


def main() -> None:
    mode, port = sys.argv[1], int(sys.argv[2])
    app = web.Application()
    if mode == "bare":
        app.router.add_post("/webhooks/rebound", bare)
    else:
        naive = Naive(sys.argv[3])
        app.on_startup.append(naive.start)
        app.on_cleanup.append(naive.stop)
        app.router.add_post("/webhooks/rebound", naive.handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
