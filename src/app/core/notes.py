"""Timeline entries: what was received, called and decided, so a person can follow one return."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from backflow.app.core.completion import complete_in
from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import Recorder
from backflow.ports.outbox import OutboxRow
from backflow.ports.timeline import TimelineEntry
from backflow.ports.unit_of_work import UnitOfWork


def note(
    uow: UnitOfWork,
    store: Recorder,
    return_id: str,
    *,
    source: str,
    action: str,
    outcome: str,
    detail: Mapping[str, object] | None = None,
    order_ref: str | None = None,
) -> None:
    uow.timeline.add(
        TimelineEntry(
            return_id=return_id,
            at=store.clock.now(),
            source=source,
            action=action,
            outcome=outcome,
            detail=msgspec.json.encode(dict(detail or {})),
            order_ref=order_ref,
        )
    )


async def note_now(
    store: Recorder, return_id: str, *, completing: OutboxRow | None = None, **fields: object
) -> RowCompleted | None:
    """A timeline entry in a unit of its own (for outcomes that change nothing else); with
    `completing`, the handler's outbox row is completed in the same commit (see `completion`)."""
    async with store.unit_of_work() as uow:
        note(uow, store, return_id, **fields)  # type: ignore[arg-type]
        done = complete_in(uow, completing)
        await uow.commit()
    return done
