"""Child process of the crash test: stores inbox events and works the outbox until it is SIGKILLed.

It prints `I <source_id>` only after `store()` returned (the event was acknowledged, so it must be
durable) and `C <outbox_id>` only after `complete()` returned True. Run: python crash_child.py DB TAG
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import anyio

from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.ports.inbox import InboundEvent
from backflow.ports.outbox import OutboxMessage

PRODUCERS = 4
LEASE_SECONDS = 0.3


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def produce(store: SqliteStore, tag: str, producer: int) -> None:
    for n in range(1_000_000):
        source_id = f"{tag}-{producer}-{n}"
        event = InboundEvent(
            source="crash",
            source_id=source_id,
            kind="test",
            received_at=datetime.now(UTC),
            body=source_id.encode() * 20,
        )
        await store.inbox.store(event)
        say(f"I {source_id}")
        message = OutboxMessage(kind="test", payload=b"{}", idempotency_key=source_id)
        await store.outbox.append(message)


async def work(store: SqliteStore, owner: str) -> None:
    for _ in range(1_000_000):
        rows = await store.outbox.claim(owner, limit=8, lease_seconds=LEASE_SECONDS)
        for row in rows:
            if await store.outbox.complete(row.id, owner):
                say(f"C {row.id}")
        if not rows:
            await anyio.sleep(0.002)


async def main(path: Path, tag: str) -> None:
    async with SqliteStore.open(path, clock=SystemClock(), ids=Uuid7Generator()) as store:
        say("ready")
        async with anyio.create_task_group() as tg:
            for producer in range(PRODUCERS):
                tg.start_soon(produce, store, tag, producer)
            tg.start_soon(work, store, f"worker-{tag}-a")
            tg.start_soon(work, store, f"worker-{tag}-b")


if __name__ == "__main__":
    anyio.run(main, Path(sys.argv[1]), sys.argv[2], backend="asyncio")
