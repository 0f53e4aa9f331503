"""Subscription delivery: every new message POSTed as a Google Pub/Sub push request, at least once.

Like a commercetools Subscription's `messages` filter, `push_types` (when set) limits the messages
pushed to those types; the rest are still stored and returned by the Messages API.

A failed delivery (connection error or a status Pub/Sub would not take as an ack) is retried with a
growing delay, up to `push_max_attempts`. Like Pub/Sub, several pushes are outstanding at once
(`push_concurrency`): one request at a time would make the subscriber's answer time the ceiling of
the whole feed. The messages of one resource keep their creation order (one at a time per resource,
as with an ordering key), so a message never overtakes an earlier one about the same order.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import deque
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
        self._by_resource: dict[str, deque[Resource]] = {}
        """The messages of each resource with a delivery under way, oldest (the one being sent) first."""
        state.listeners.append(self._enqueue)

    def _enqueue(self, message: Resource) -> None:
        options = self.state.options
        if options.push_url and (not options.push_types or message["type"] in options.push_types):
            self.queue.put_nowait(message)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="commercetools-sim push")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=5)
        slots = asyncio.Semaphore(max(1, self.state.options.push_concurrency))
        async with aiohttp.ClientSession(timeout=timeout) as session, asyncio.TaskGroup() as deliveries:
            while True:
                message = await self.queue.get()
                key = message["resource"]["id"]
                waiting = self._by_resource.get(key)
                if waiting is not None:
                    waiting.append(message)  # sent after the ones before it, by the task already on it
                    continue
                self._by_resource[key] = deque([message])
                deliveries.create_task(self._deliver_in_order(session, key, slots))

    async def _deliver_in_order(
        self, session: aiohttp.ClientSession, key: str, slots: asyncio.Semaphore
    ) -> None:
        waiting = self._by_resource[key]
        try:
            while waiting:
                async with slots:
                    await self._deliver(session, waiting[0])
                waiting.popleft()
        finally:
            del self._by_resource[key]

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
