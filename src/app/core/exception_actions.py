"""What every exception action shares: finding the exception, refusing clearly, the actions allowed."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from backflow.app.core.deps import Recorder
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionRecord, ExceptionState
from backflow.ports.unit_of_work import UnitOfWork

DECIDABLE = frozenset({"refund_mismatch"})
REANCHORABLE = frozenset({"orphan_return", "return_order_mismatch"})
NOTE_LIMIT = 2000


class Refusal(StrEnum):
    """Why an action was refused, in the domain's words; the HTTP layer maps each to a status."""

    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    """The exception (or its return) is not in a state that allows the action."""
    INVALID = "invalid"
    """The request itself is wrong (a missing note, an unknown decision, a malformed order number)."""


class ActionRefused(Exception):
    """An action that cannot be done: the kind of refusal, a stable code and a message for a person."""

    def __init__(self, kind: Refusal, code: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.code, self.message = kind, code, message


class RetrySpec(msgspec.Struct, frozen=True, kw_only=True):
    """`evidence.retry` of an exception that can be retried: the outbox row to append again."""

    kind: str
    payload: msgspec.Raw
    idempotency_key: str


class _RetryEvidence(msgspec.Struct, frozen=True):
    retry: RetrySpec | None = None


def retry_spec(record: ExceptionRecord) -> RetrySpec | None:
    try:
        return msgspec.json.decode(record.evidence, type=_RetryEvidence).retry
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def has_retry(record: ExceptionRecord) -> bool:
    return retry_spec(record) is not None


def allowed_actions(record: ExceptionRecord) -> list[str]:
    """Exactly what this exception allows now; a resolved one allows nothing."""
    if record.state == ExceptionState.RESOLVED:
        return []
    actions = ["ack", "resolve"] if record.state == ExceptionState.OPEN else ["resolve"]
    if has_retry(record):
        actions.append("retry")
    if record.type in DECIDABLE and record.return_id is not None:
        actions.append("decide")
    if record.type in REANCHORABLE and record.return_id is not None:
        actions.append("reanchor")
    return actions


async def load_exception(store: Recorder, exception_id: int) -> ExceptionRecord:
    async with store.unit_of_work() as uow:
        record = await uow.exceptions.get(exception_id)
    if record is None:
        raise ActionRefused(Refusal.NOT_FOUND, "not_found", f"no exception {exception_id}")
    return record


def clean_note(note: str | None) -> str | None:
    text = (note or "").strip()
    return text[:NOTE_LIMIT] if text else None


async def commit_or_404(uow: UnitOfWork) -> None:
    try:
        await uow.commit()
    except NotFoundError as exc:
        raise ActionRefused(Refusal.NOT_FOUND, "not_found", str(exc)) from exc
