"""What every exception action shares: finding the exception, refusing clearly, the actions allowed."""

from __future__ import annotations

import msgspec

from app.flows.context import FlowContext
from ports.errors import NotFoundError
from ports.exceptions import ExceptionRecord, ExceptionState
from ports.unit_of_work import UnitOfWork

DECIDABLE = frozenset({"refund_mismatch"})
REANCHORABLE = frozenset({"orphan_return", "return_order_mismatch"})
NOTE_LIMIT = 2000


class ActionRefused(Exception):
    """An action that cannot be done, with the HTTP status and code the admin API answers with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


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


async def load_exception(ctx: FlowContext, exception_id: int) -> ExceptionRecord:
    async with ctx.unit_of_work() as uow:
        record = await uow.exceptions.get(exception_id)
    if record is None:
        raise ActionRefused(404, "not_found", f"no exception {exception_id}")
    return record


def clean_note(note: str | None) -> str | None:
    text = (note or "").strip()
    return text[:NOTE_LIMIT] if text else None


async def commit_or_404(uow: UnitOfWork) -> None:
    try:
        await uow.commit()
    except NotFoundError as exc:
        raise ActionRefused(404, "not_found", str(exc)) from exc
