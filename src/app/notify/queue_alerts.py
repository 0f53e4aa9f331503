"""Scheduled: find exceptions that opened or outlived their age limit and queue one `SendAlert` each.

Queued through the outbox (so an alert survives restarts and backs off while the webhook is down)
in the same unit of work that marks the exception alerted for that reason, so it is queued once.
Without a webhook URL nothing is queued; exceptions older than the age limit when alerts are first
configured get only the age-limit alert, not a flood of "opened" ones.
"""

from __future__ import annotations

from datetime import timedelta

from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import SendAlert, outbox_message
from backflow.app.core.settings import AlertSettings

BATCH = 200


async def queue_alerts(*, store: StoreDeps, alert_policy: AlertSettings) -> None:
    alerts = alert_policy
    if alerts.webhook_url is None:
        return
    now = store.clock.now()
    shortest = min([alerts.age_limit_seconds, *alerts.age_limit_by_type.values()])
    with store.tracer.start_as_current_span("job.queue_alerts"):
        async with store.unit_of_work() as uow:
            found = await uow.exceptions.alert_candidates(
                opened_after=now - timedelta(seconds=alerts.age_limit_seconds),
                first_seen_before=now - timedelta(seconds=shortest),
                limit=BATCH,
            )
            for record, reason in found:
                age = (now - record.first_seen).total_seconds()
                if reason == "age_limit" and age < alerts.age_limit(record.type):
                    continue
                uow.exceptions.mark_alerted(record.id, reason)
                uow.exceptions.record_action(record.id, "alert_queued", actor="backflow", note=reason)
                command = SendAlert(exception_id=record.id, reason=reason)
                uow.outbox.add(outbox_message(command, f"alert:{record.id}:{reason}"))
            await uow.commit()
