"""Raising operational exceptions with an owner, evidence, a stable dedupe key and a retry action."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from backflow.app.core.deps import Recorder
from backflow.app.core.messages import kind_of, payload_json
from backflow.domain.commands import Command
from backflow.ports.exceptions import NewException, Severity
from backflow.ports.unit_of_work import UnitOfWork


def retry_action(payload: Command, idempotency_key: str) -> dict[str, object]:
    """What the admin API's retry re-appends to the outbox."""
    return {
        "kind": kind_of(type(payload)),
        "payload": payload_json(payload),
        "idempotency_key": idempotency_key,
    }


def raise_exception(
    uow: UnitOfWork,
    store: Recorder,
    exception_type: str,
    *,
    dedupe_key: str,
    severity: Severity,
    evidence: Mapping[str, object],
    return_id: str | None = None,
    order_ref: str | None = None,
    retry: dict[str, object] | None = None,
) -> None:
    """Stage the exception; the same dedupe key seen again counts a sighting on the open one."""
    body = dict(evidence)
    if retry is not None:
        body["retry"] = retry
    uow.exceptions.raise_exception(
        NewException(
            type=exception_type,
            owner=store.owners.owner_of(exception_type),
            severity=severity,
            dedupe_key=dedupe_key,
            return_id=return_id,
            order_ref=order_ref,
            evidence=msgspec.json.encode(body),
        )
    )
