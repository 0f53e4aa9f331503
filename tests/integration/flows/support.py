"""Driving the flows without actors: run inbox handlers for stored events, then drain the outbox."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import msgspec

from backflow.app.bootstrap.wiring import Wiring
from backflow.app.core.declarations import EVENT_PROCESSED, ROW_COMPLETED, FlowRegistry, ScheduledJob
from backflow.ports.exceptions import ExceptionRecord
from backflow.ports.inbox import InboundEvent, InboxStatus
from backflow.ports.outbox import OutboxStatus

if TYPE_CHECKING:
    from tests.integration.flows.conftest import World

OWNER = "test-drain"
T = TypeVar("T")


class ShiftClock:
    """The real time plus an offset the test moves (the simulators keep their own clocks)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


async def process_inbox(wiring: Wiring, registry: FlowRegistry, *, limit: int = 200) -> int:
    """Every pending inbox event through its handler, in arrival order; an error fails the test."""
    done = 0
    for stored in await wiring.inbox.pending(limit=limit):
        result = await wiring.dependencies().run(registry.inbox_handlers[stored.event.source], stored)
        if result is EVENT_PROCESSED:
            # A handler that says its commit marked the event really did.
            now = await wiring.inbox.get(stored.event.source, stored.event.source_id)
            assert now is not None and now.status == InboxStatus.PROCESSED, now
            assert not await wiring.inbox.mark_processed(stored.seq), "nothing left to mark"
        else:
            assert await wiring.inbox.mark_processed(stored.seq)
        done += 1
    return done


async def _completed(wiring: Wiring, row_id: str) -> bool:
    """A handler that says its commit completed the row really did: the row's last move is to done."""
    history = await wiring.outbox.history(row_id)
    return bool(history) and history[-1].to_status == OutboxStatus.DONE


async def drain(wiring: Wiring, registry: FlowRegistry, *, rounds: int = 40) -> list[str]:
    """Claim → handler → complete/fail until no row is due (bounded). Returns the errors seen."""
    errors: list[str] = []
    for _ in range(rounds):
        rows = await wiring.outbox.claim(OWNER, limit=20, lease_seconds=30)
        if not rows:
            return errors
        for row in rows:
            try:
                result = await wiring.dependencies().run(registry.outbox_handlers[row.kind], row)
            except Exception as exc:
                errors.append(f"{row.kind}: {exc!r}")
                await wiring.outbox.fail(row.id, OWNER, repr(exc))
            else:
                # As the actor does: a handler whose own commit completed the row leaves nothing to do.
                assert (
                    await _completed(wiring, row.id)
                    if result is ROW_COMPLETED
                    else await wiring.outbox.complete(row.id, OWNER)
                )
    raise AssertionError("the outbox did not drain")


async def drain_wide(wiring: Wiring, registry: FlowRegistry, *, workers: int = 4) -> list[str]:
    """`drain` with `workers` claimers at once, as the actors run: only the rows' lock keys keep the
    jobs of one order apart. Fails the test if two jobs of one key ever run at once."""
    errors: list[str] = []
    running: dict[str, str] = {}  # lock key → the row running under it
    in_flight = 0

    async def worker(name: str) -> None:
        nonlocal in_flight
        for _ in range(400):
            [row] = await wiring.outbox.claim(name, limit=1, lease_seconds=30) or [None]
            if row is None:
                if in_flight == 0:
                    return
                await anyio.sleep(0.01)
                continue
            in_flight += 1
            if row.lock_key is not None:
                assert row.lock_key not in running, f"{row.kind} ran beside {running[row.lock_key]}"
                running[row.lock_key] = row.kind
            try:
                result = await wiring.dependencies().run(registry.outbox_handlers[row.kind], row)
            except Exception as exc:
                errors.append(f"{row.kind}: {exc!r}")
                await wiring.outbox.fail(row.id, name, repr(exc))
            else:
                assert (
                    await _completed(wiring, row.id)
                    if result is ROW_COMPLETED
                    else await wiring.outbox.complete(row.id, name)
                )
            finally:
                running.pop(row.lock_key or "", None)
                in_flight -= 1
        raise AssertionError("the outbox did not drain")

    async with anyio.create_task_group() as tg:
        for n in range(workers):
            tg.start_soon(worker, f"{OWNER}-{n}")
    return errors


async def settle(wiring: Wiring, registry: FlowRegistry, *, workers: int = 1) -> list[str]:
    """Inbox, then outbox, until both are quiet; `workers` > 1 drains the outbox as wide actors do."""
    errors: list[str] = []
    for _ in range(10):
        handled = await process_inbox(wiring, registry)
        errors += await (
            drain(wiring, registry) if workers == 1 else drain_wide(wiring, registry, workers=workers)
        )
        if not handled and not await wiring.inbox.pending(limit=1):
            return errors
    raise AssertionError("the inbox did not settle")


async def run_job(wiring: Wiring, job: ScheduledJob) -> None:
    """One run of a scheduled job, its dependencies bound the way the daemon binds them."""
    await wiring.dependencies().run(job)


async def run_use_case(wiring: Wiring, use_case: Callable[..., Awaitable[T]], *args: Any, **given: Any) -> T:
    """One use case (finance's decision, an operator's action) with its dependencies bound the way the
    daemon and the HTTP layer bind them; `given` are its own keyword arguments."""
    return await wiring.dependencies().run(functools.partial(use_case, **given), *args)


async def store_rebound_events(wiring: Wiring, bodies: list[bytes]) -> None:
    for body in bodies:
        event = msgspec.json.decode(body)
        await wiring.inbox.store(
            InboundEvent(
                source="rebound",
                source_id=event["id"],
                kind=event["type"],
                received_at=wiring.store.clock.now(),
                body=body,
            )
        )


async def exceptions(wiring: Wiring, kind: str | None = None) -> list[ExceptionRecord]:
    async with wiring.store.unit_of_work() as uow:
        found = await uow.exceptions.unresolved(limit=500)
    return [e for e in found if kind is None or e.type == kind]


def evidence(record: ExceptionRecord) -> dict[str, Any]:
    return msgspec.json.decode(record.evidence)


def order_number() -> str:
    return f"CT-{uuid.uuid4().hex[:8]}"


async def edit_order(world: World, order_id: str, actions: list[dict[str, Any]]) -> None:
    """An order edit applied in commercetools (the simulator), on the order's current version."""
    version = (await world.ct_order(order_id))["version"]
    draft = {"resource": {"typeId": "order", "id": order_id}, "stagedActions": actions}
    edit = await world.ct.call("POST", "/orders/edits", draft, expect=(201,))
    body = {"editVersion": edit["version"], "resourceVersion": version}
    await world.ct.call("POST", f"/orders/edits/{edit['id']}/apply", body, expect=(200,))
