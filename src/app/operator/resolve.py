"""Resolve with a note saying what was done; resolving a resolved exception changes nothing."""

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


async def resolve_exception(exception_id: int, *, actor: str, note: str, store: StoreDeps) -> ExceptionRecord:
    text = clean_note(note)
    if text is None:
        raise ActionRefused(Refusal.INVALID, "note_required", "resolving needs a note saying what was done")
    record = await load_exception(store, exception_id)
    if record.state != ExceptionState.RESOLVED:
        async with store.unit_of_work() as uow:
            uow.exceptions.change_state(record.id, ExceptionState.RESOLVED, actor=actor, note=text)
            await commit_or_404(uow)
    return await load_exception(store, exception_id)
