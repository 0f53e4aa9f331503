"""Post one queued alert to the webhook; a failure is raised so the outbox retries it with backoff."""

from __future__ import annotations

import logging

from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import SendAlert, decode_payload
from backflow.ports.alerts import Alert, AlertSender
from backflow.ports.exceptions import ExceptionRecord, ExceptionState
from backflow.ports.outbox import OutboxRow

log = logging.getLogger(__name__)

_WHY = {"opened": "opened", "age_limit": "still unresolved past its age limit"}


def alert_for(record: ExceptionRecord, reason: str) -> Alert:
    subject = " ".join(
        part
        for part in (
            f"return {record.return_id}" if record.return_id else "",
            f"order {record.order_ref}" if record.order_ref else "",
        )
        if part
    )
    text = (
        f"[{record.severity}] {record.type} for {record.owner}: {_WHY.get(reason, reason)}"
        + (f" ({subject})" if subject else "")
        + f", exception {record.id}, seen {record.count}x"
    )
    return Alert(
        exception_id=record.id,
        reason=reason,
        type=record.type,
        owner=record.owner,
        severity=record.severity,
        return_id=record.return_id,
        order_ref=record.order_ref,
        first_seen=record.first_seen.isoformat(),
        count=record.count,
        text=text,
    )


async def send_alert(row: OutboxRow, *, store: StoreDeps, alerts: AlertSender | None) -> None:
    command = decode_payload(row, SendAlert)
    async with store.unit_of_work() as reads:
        record = await reads.exceptions.get(command.exception_id)
    if record is None or record.state == ExceptionState.RESOLVED:
        log.info("alert not sent: exception resolved", extra={"exception_id": command.exception_id})
        return
    if alerts is None:
        raise RuntimeError("an alert is queued but no alert webhook is configured (alerts.webhook-url)")
    alert = alert_for(record, command.reason)
    extra = {"exception_id": record.id, "reason": command.reason, "attempt": row.attempts}
    try:
        with store.tracer.start_as_current_span("send_alert", attributes={"exception.id": record.id}):
            await alerts.send(alert)
    except Exception as error:
        log.warning("alert not delivered: will retry", extra={**extra, "error": repr(error)})
        raise
    log.info("alert sent: %s", alert.text, extra=extra)
