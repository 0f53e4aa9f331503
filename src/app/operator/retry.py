"""Retry now: append the exception's `evidence.retry` to the outbox again, recorded on the exception.

The row gets a key of its own (so it is not mistaken for the original row) that is the same on every
retry of this exception (so repeating the request while the retry is queued adds nothing).
"""

from __future__ import annotations

from backflow.app.core.deps import StoreDeps
from backflow.app.core.exception_actions import ActionRefused, Refusal, clean_note, load_exception, retry_spec
from backflow.app.core.traced_outbox import with_trace
from backflow.ports.admin import AdminStore
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionRecord, ExceptionState
from backflow.ports.outbox import AppendResult, OutboxMessage


async def retry_exception(
    exception_id: int, *, actor: str, note: str | None, store: StoreDeps, admin: AdminStore
) -> tuple[AppendResult, ExceptionRecord]:
    record = await load_exception(store, exception_id)
    spec = retry_spec(record)
    if spec is None:
        raise ActionRefused(
            Refusal.CONFLICT, "not_retryable", f"exception {record.id} ({record.type}) has no retry"
        )
    if record.state == ExceptionState.RESOLVED:
        raise ActionRefused(Refusal.CONFLICT, "already_resolved", "a resolved exception cannot be retried")
    message = with_trace(
        OutboxMessage(
            kind=spec.kind,
            payload=bytes(spec.payload),
            idempotency_key=f"{spec.idempotency_key}#retry-{record.id}",
        )
    )
    text = clean_note(note) or f"retry of {spec.kind} queued"
    try:
        result = await admin.retry_exception(record.id, message, actor=actor, note=text)
    except NotFoundError as exc:
        raise ActionRefused(Refusal.NOT_FOUND, "not_found", str(exc)) from exc
    return result, await load_exception(store, exception_id)
