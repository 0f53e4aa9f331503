"""The flows wired for the runtime: outbox handlers by kind, actors, inbox handlers by source, jobs."""

from __future__ import annotations

from app.flows import payloads as kinds
from app.flows.acknowledge import acknowledge
from app.flows.anchor_return import anchor_return
from app.flows.commerce_events import handle_commerce_message
from app.flows.context import ActorSpec, FlowRegistry, JobSpec
from app.flows.held_returns import sweep_held_returns
from app.flows.intake import CATCHUP_SOURCE, handle_rebound_event
from app.flows.issue_refund import issue_refund
from app.flows.mark_returned import mark_items_returned
from app.flows.poll_messages import poll_commerce_messages
from app.flows.rebound_catchup import rebound_catchup
from app.flows.restock import restock_items
from app.flows.sweep_orders import sweep_orders
from app.flows.sync_lag import check_sync_lag
from app.flows.sync_order import sync_order
from app.settings import Settings


def build_registry(settings: Settings) -> FlowRegistry:
    schedule = settings.file.schedule
    return FlowRegistry(
        outbox_handlers={
            kinds.SYNC_ORDER: sync_order,
            kinds.ANCHOR_RETURN: anchor_return,
            kinds.MARK_ITEMS_RETURNED: mark_items_returned,
            kinds.ISSUE_REFUND: issue_refund,
            kinds.RESTOCK_ITEMS: restock_items,
            kinds.ACKNOWLEDGE_RETURN: acknowledge,
        },
        actors=(
            ActorSpec("order_sync", (kinds.SYNC_ORDER,), concurrency=8),
            ActorSpec("return_intake", (kinds.ANCHOR_RETURN, kinds.MARK_ITEMS_RETURNED)),
            # One refund at a time per process keeps the recompute-then-pay window small.
            ActorSpec("refund", (kinds.ISSUE_REFUND,), concurrency=2),
            ActorSpec("restock", (kinds.RESTOCK_ITEMS,)),
            ActorSpec("notify", (kinds.ACKNOWLEDGE_RETURN,)),
        ),
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
        ),
    )
