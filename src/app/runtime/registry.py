"""The flows wired for the runtime: outbox handlers by kind, actors, inbox handlers by source, jobs."""

from __future__ import annotations

from dataclasses import replace

from app.core import messages as kinds
from app.core.context import ActorSpec, FlowRegistry, JobSpec
from app.core.settings import ConfigError, Settings
from app.monitors.order_drift import check_orders_missing_in_rebound
from app.monitors.received_not_refunded import check_received_not_refunded
from app.monitors.refund_drift import check_refund_drift
from app.monitors.return_info_drift import check_return_info
from app.monitors.stock_drift import check_stock_drift
from app.monitors.stuck_returns import check_stuck_returns
from app.notify.acknowledge_return import acknowledge_return
from app.notify.queue_alerts import queue_alerts
from app.notify.send_alert import send_alert
from app.orders.commerce_events import handle_commerce_message
from app.orders.poll_messages import poll_commerce_messages
from app.orders.sweep_orders import sweep_orders
from app.orders.sync_lag import check_sync_lag
from app.orders.sync_order import sync_order
from app.refunds.issue import issue_refund
from app.refunds.reject import reject_refund
from app.restock.restock import restock_items
from app.returns.anchor_return import anchor_return
from app.returns.held_returns import sweep_held_returns
from app.returns.intake import CATCHUP_SOURCE, handle_rebound_event
from app.returns.mark_returned import mark_items_returned
from app.returns.rebound_catchup import rebound_catchup

MAX_ACTOR_CONCURRENCY = 64

DEFAULT_ACTORS = (
    ActorSpec("order_sync", (kinds.SYNC_ORDER,), concurrency=8),
    ActorSpec("return_intake", (kinds.ANCHOR_RETURN, kinds.MARK_ITEMS_RETURNED)),
    # Refunds are not serialised per order (two returns of one order could recompute against the
    # same prior refunds at once), so this stays small; raise it in `[actors]` knowingly.
    ActorSpec("refund", (kinds.ISSUE_REFUND, kinds.REJECT_REFUND), concurrency=2),
    ActorSpec("restock", (kinds.RESTOCK_ITEMS,)),
    ActorSpec("notify", (kinds.ACKNOWLEDGE_RETURN,)),
    ActorSpec("alerts", (kinds.SEND_ALERT,), concurrency=2),
)


def configured_actors(defaults: tuple[ActorSpec, ...], overrides: dict[str, int]) -> tuple[ActorSpec, ...]:
    """The TOML `[actors]` table (name → concurrency) over the defaults; an unknown name is an error."""
    names = {spec.name for spec in defaults}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"[actors]: unknown actor {', '.join(unknown)} (known: {', '.join(sorted(names))})")
    for name, value in overrides.items():
        if isinstance(value, bool) or not 1 <= value <= MAX_ACTOR_CONCURRENCY:
            raise ConfigError(f"[actors]: {name} must be a whole number from 1 to {MAX_ACTOR_CONCURRENCY}")
    return tuple(
        replace(spec, concurrency=overrides[spec.name]) if spec.name in overrides else spec
        for spec in defaults
    )


def build_registry(settings: Settings) -> FlowRegistry:
    schedule = settings.file.schedule
    return FlowRegistry(
        outbox_handlers={
            kinds.SYNC_ORDER: sync_order,
            kinds.ANCHOR_RETURN: anchor_return,
            kinds.MARK_ITEMS_RETURNED: mark_items_returned,
            kinds.ISSUE_REFUND: issue_refund,
            kinds.RESTOCK_ITEMS: restock_items,
            kinds.ACKNOWLEDGE_RETURN: acknowledge_return,
            kinds.REJECT_REFUND: reject_refund,
            kinds.SEND_ALERT: send_alert,
        },
        actors=configured_actors(DEFAULT_ACTORS, settings.file.actors),
        inbox_handlers={
            "rebound": handle_rebound_event,
            CATCHUP_SOURCE: handle_rebound_event,
            "commercetools": handle_commerce_message,
        },
        jobs=(
            JobSpec("commerce_message_poll", schedule.message_poll_seconds, poll_commerce_messages),
            JobSpec("order_sweep", schedule.order_sweep_seconds, sweep_orders),
            JobSpec("rebound_catchup", schedule.rebound_catchup_seconds, rebound_catchup),
            JobSpec("held_returns", schedule.held_returns_seconds, sweep_held_returns),
            JobSpec("sync_lag_check", schedule.sync_lag_check_seconds, check_sync_lag),
            JobSpec("alerts", schedule.alerts_seconds, queue_alerts),
            JobSpec(
                "received_not_refunded", schedule.received_not_refunded_seconds, check_received_not_refunded
            ),
            JobSpec("refund_drift", schedule.refund_drift_seconds, check_refund_drift),
            JobSpec("stock_drift", schedule.stock_drift_seconds, check_stock_drift),
            JobSpec("order_drift", schedule.order_drift_seconds, check_orders_missing_in_rebound),
            JobSpec("stuck_returns", schedule.stuck_returns_seconds, check_stuck_returns),
            JobSpec("return_info_drift", schedule.return_info_drift_seconds, check_return_info),
        ),
    )
