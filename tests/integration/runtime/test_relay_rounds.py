"""The relay against a real SQLite store: one claim transaction a round, only for actors that may have
work (their kinds were committed, their last claim was cut short, or the poll came round)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest
from anyio.abc import TaskGroup

from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.core.declarations import ActorSpec
from backflow.app.runtime.relay import Mailbox, run_outbox_relay
from backflow.app.runtime.wakeup import Lifecycle, Nudge
from backflow.ports.outbox import ClaimRequest, Outbox, OutboxRow
from tests.integration.runtime.conftest import eventually
from tests.integration.store.support import FakeClock, message

pytestmark = pytest.mark.anyio


class CountingOutbox:
    """The real outbox, with each claim round's owners written down."""

    def __init__(self, inner: Outbox) -> None:
        self.inner = inner
        self.rounds: list[list[str]] = []

    async def claim_batch(
        self, requests: Sequence[ClaimRequest], *, lease_seconds: float
    ) -> list[list[OutboxRow]]:
        self.rounds.append([request.owner for request in requests])
        return await self.inner.claim_batch(requests, lease_seconds=lease_seconds)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


async def _start_relay(
    tg: TaskGroup, outbox: CountingOutbox, mailboxes: list[Mailbox], lifecycle: Lifecycle, poll_seconds: float
) -> Nudge:
    """The relay over `mailboxes`, running in `tg` until `lifecycle` stops; its wake-up nudge."""
    wake = lifecycle.nudge_for_loop()
    await tg.start(
        lambda task_status: run_outbox_relay(
            outbox,  # type: ignore[arg-type]
            mailboxes,
            lifecycle,
            wake,
            lease_seconds=30,
            poll_seconds=poll_seconds,
            task_status=task_status,
        )
    )
    return wake


async def test_a_round_claims_only_for_the_actors_whose_kinds_were_committed(tmp_path: Path) -> None:
    async with SqliteStore.open(tmp_path / "db.sqlite", clock=FakeClock(), ids=Uuid7Generator()) as store:
        outbox = CountingOutbox(store.outbox)
        lifecycle = Lifecycle()
        refunds = Mailbox.open(ActorSpec("refund", ("refund",), concurrency=2), "run")
        restock = Mailbox.open(ActorSpec("restock", ("restock",), concurrency=1), "run")
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                # No poll round during the test (an hour): only nudges make rounds.
                wake = await _start_relay(tg, outbox, [refunds, restock], lifecycle, poll_seconds=3600)
                await eventually(lambda: len(outbox.rounds) == 1)
                assert outbox.rounds == [["refund@run", "restock@run"]]  # the first round is for everyone

                # Two restock rows for a mailbox with room for one: the claim is cut short, so the
                # actor stays wanted and the next round (a `room` nudge) claims the second row.
                first = await store.outbox.append(message("s1", kind="restock"))
                second = await store.outbox.append(message("s2", kind="restock"))
                wake.work(["restock"])
                await eventually(lambda: len(outbox.rounds) == 2)
                assert outbox.rounds[1] == ["restock@run"]
                assert (await restock.receive.receive()).row.id == first.id
                wake.room()
                await eventually(lambda: len(outbox.rounds) == 3)
                assert outbox.rounds[2] == ["restock@run"]
                assert (await restock.receive.receive()).row.id == second.id

                # A refund row: the refund actor is claimed for, and the restock actor once more (its
                # last claim filled its room, so more may be due); both in one round.
                refund = await store.outbox.append(message("r1", kind="refund"))
                wake.work(["refund"])
                await eventually(lambda: len(outbox.rounds) == 4)
                assert outbox.rounds[3] == ["refund@run", "restock@run"]
                assert (await refunds.receive.receive()).row.id == refund.id

                # Room alone, with nothing announced and every claim short of its room: no claim at all.
                wake.room()
                await anyio.sleep(0.2)
                assert len(outbox.rounds) == 4

                # A plain nudge (another replica's notice, an operator's retry): everyone again.
                wake.nudge()
                await eventually(lambda: len(outbox.rounds) == 5)
                assert outbox.rounds[4] == ["refund@run", "restock@run"]
                lifecycle.stop()


async def test_the_poll_claims_for_every_actor(tmp_path: Path) -> None:
    """A row nobody announced (a retry come due, another process's) is found by the poll round."""
    async with SqliteStore.open(tmp_path / "db.sqlite", clock=FakeClock(), ids=Uuid7Generator()) as store:
        outbox = CountingOutbox(store.outbox)
        lifecycle = Lifecycle()
        restock = Mailbox.open(ActorSpec("restock", ("restock",), concurrency=1), "run")
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                await _start_relay(tg, outbox, [restock], lifecycle, poll_seconds=0.1)
                unannounced = await store.outbox.append(message("s1", kind="restock"))
                assert (await restock.receive.receive()).row.id == unannounced.id
                lifecycle.stop()
