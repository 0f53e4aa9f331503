"""Acknowledge: someone owns it now. Acknowledging again changes nothing; a resolved one is refused."""

from __future__ import annotations

from backflow.app.core.deps import StoreDeps
from backflow.app.core.exception_actions import (
    ActionRefused,
    Refusal,
    clean_note,
    commit_or_404,
    load_exception,
)
from backflow.ports.exceptions import ExceptionRecord, ExceptionState


async def acknowledge_exception(
    exception_id: int, *, actor: str, note: str | None, store: StoreDeps
) -> ExceptionRecord:
    record = await load_exception(store, exception_id)
    if record.state == ExceptionState.RESOLVED:
        raise ActionRefused(
            Refusal.CONFLICT, "already_resolved", "a resolved exception cannot be acknowledged"
        )
    if record.state == ExceptionState.OPEN:
        async with store.unit_of_work() as uow:
            uow.exceptions.change_state(
                record.id, ExceptionState.ACKNOWLEDGED, actor=actor, note=clean_note(note)
            )
            await commit_or_404(uow)
    return await load_exception(store, exception_id)
