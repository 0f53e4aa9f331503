"""Subscription delivery: every new message POSTed as a Google Pub/Sub push request, at least once.

A failed delivery (connection error or a status Pub/Sub would not take as an ack) is retried with a
growing delay, up to `push_max_attempts`; messages are sent in creation order by one worker.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import aiohttp

from backflow.devtools.commercetools_sim.state import Resource, SimState

ACK_STATUSES = (102, 200, 201, 202, 204)


def platform_payload(message: Resource, project_key: str) -> Resource:
    return {**message, "notificationType": "Message", "projectKey": project_key}


def cloudevent(message: Resource, project_key: str) -> Resource:
    type_id = message["resource"]["typeId"]
    return {
        "specversion": "1.0",
        "id": message["id"],
        "type": f"com.commercetools.{type_id}.message.{message['type']}",
        "source": f"/{project_key}/{type_id}s",
        "subject": message["resource"]["id"],
        "time": message["createdAt"],
        "sequence": str(message["sequenceNumber"]),
        "sequencetype": "Integer",
        "dataref": f"/{project_key}/messages/{message['id']}",
        "data": platform_payload(message, project_key),
    }


def envelope(state: SimState, message: Resource, attempt_id: str) -> dict[str, Any]:
    options = state.options
    if options.push_format == "CloudEvents":
        data = cloudevent(message, options.project_key)
    else:
        data = platform_payload(message, options.project_key)
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    published = state.now()
    return {
        "message": {
            "data": encoded,
            "attributes": {},
            "messageId": attempt_id,
            "message_id": attempt_id,
            "publishTime": published,
            "publish_time": published,
        },
        "subscription": options.push_subscription,
    }


class Pusher:
    def __init__(self, state: SimState) -> None:
        self.state = state
        self.queue: asyncio.Queue[Resource] = asyncio.Queue()
        self.delivered: list[str] = []
        self._task: asyncio.Task[None] | None = None
        state.listeners.append(self._enqueue)

    def _enqueue(self, message: Resource) -> None:
        if self.state.options.push_url:
            self.queue.put_nowait(message)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="commercetools-sim push")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                message = await self.queue.get()
                await self._deliver(session, message)

    async def _deliver(self, session: aiohttp.ClientSession, message: Resource) -> None:
        options = self.state.options
        for attempt in range(1, options.push_max_attempts + 1):
            url = options.push_url
            if not url:
                return
            body = envelope(self.state, message, self.state.new_id())
            try:
                async with session.post(url, json=body) as response:
                    if response.status in ACK_STATUSES:
                        self.delivered.append(message["id"])
                        self.state.count("push.delivered")
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            self.state.count("push.failed")
            await asyncio.sleep(min(options.push_retry_delay * 2 ** (attempt - 1), 10.0))
        self.state.count("push.abandoned")
