"""A daemon process with a tiny registry, run the way `backflow run` runs one (`commands.run.serve`).

Each ReBound webhook becomes one outbox row; its handler marks its start, takes TEST_HANDLER_SECONDS,
then appends the row's key to done.log in TEST_MARKS.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import msgspec

from backflow.app.core.declarations import ActorSpec, FlowRegistry
from backflow.app.core.deps import StoreDeps
from backflow.app.entrypoints.cli.common import load_settings
from backflow.app.entrypoints.cli.run import serve
from backflow.ports.inbox import StoredInboundEvent
from backflow.ports.outbox import OutboxMessage, OutboxRow

MARKS = Path(os.environ["TEST_MARKS"])
SECONDS = float(os.environ.get("TEST_HANDLER_SECONDS", "1"))
CONCURRENCY = int(os.environ.get("TEST_CONCURRENCY", "4"))


async def intake(stored: StoredInboundEvent, *, store: StoreDeps) -> None:
    async with store.unit_of_work() as uow:
        payload = msgspec.json.encode({"event": stored.event.source_id})
        uow.outbox.add(OutboxMessage(kind="slow", payload=payload, idempotency_key=stored.event.source_id))
        await uow.commit()


async def slow(row: OutboxRow) -> None:
    await anyio.Path(MARKS / f"start-{row.idempotency_key}").touch()
    await anyio.sleep(SECONDS)
    async with await anyio.open_file(MARKS / "done.log", "a") as log:
        await log.write(row.idempotency_key + "\n")


REGISTRY = FlowRegistry(
    outbox_handlers={"slow": slow},
    actors=[ActorSpec("slow", ("slow",), concurrency=CONCURRENCY)],
    inbox_handlers={"rebound": intake},
    jobs=[],
)


if __name__ == "__main__":
    settings = load_settings()
    sys.exit(2 if settings is None else serve(settings, REGISTRY))
