"""A fixed dataset built from the daemon's own view structs, for deterministic snapshots (times and
ages frozen): a field added to or removed from a view fails here first, not in a copy of the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from backflow.app.entrypoints.http import views
from backflow.ports.admin import InboxCounts, QueueCounts, SyncLagStats
from backflow.ports.ledgers import CreditState, PendingCredit, StockMovement, StockMovementState
from backflow.ports.monitor import ExceptionCount
from backflow.ports.outbox import OutboxEvent, OutboxStatus
from tests.tui.seed import MISMATCH_EVIDENCE

NOW = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
EARLIER = datetime(2026, 11, 21, 9, 12, 5, tzinfo=UTC)


def _json(value: Any) -> msgspec.Raw:
    """A JSON value as the daemon sends it: stored bytes embedded as they are."""
    return msgspec.Raw(msgspec.json.encode(value))


def _api(name: str, errors: int) -> views.ApiView:
    return views.ApiView(
        name=name,
        ready=errors == 0,
        calls=1840,
        errors=errors,
        recent_errors=errors,
        last_success_at=datetime(2026, 11, 21, 14, 29, 58, tzinfo=UTC),
        last_error_at=EARLIER if errors else None,
        last_error="HTTP 503 from ReBound /returns" if errors else None,
    )


def _actor(name: str, depth: int) -> views.ActorView:
    return views.ActorView(
        name=name,
        state="running",
        restarts=0,
        last_error=None,
        last_error_at=None,
        started_at=EARLIER,
        mailbox_depth=depth,
        mailbox_capacity=64,
    )


def _queue(kind: str, due: int, scheduled: int, retrying: int, leased: int, dead: int) -> QueueCounts:
    return QueueCounts(kind=kind, due=due, scheduled=scheduled, retrying=retrying, leased=leased, dead=dead)


OVERVIEW = views.Overview(
    generated_at=NOW,
    stopping=False,
    queues=[
        _queue("SyncOrder", 12, 0, 1, 4, 0),
        _queue("AnchorReturn", 3, 2, 0, 1, 0),
        _queue("IssueRefund", 1, 0, 2, 1, 1),
        _queue("RestockItems", 0, 5, 0, 0, 0),
    ],
    oldest_due_age_seconds=42.5,
    throughput=views.Throughput(window_seconds=60.0, completed=318),
    inbox=InboxCounts(pending=2, failed=0, quarantined=1, oldest_pending_age_seconds=1.5),
    actors=[_actor("inbox-processor", 2), _actor("outbox-relay", 0), _actor("refunds", 1)],
    jobs=[],
    apis=[_api("commercetools", 0), _api("rebound", 3)],
    pending_credit=[
        views.CurrencyAmount(currency="EUR", amount_minor=1284550),
        views.CurrencyAmount(currency="GBP", amount_minor=99900),
    ],
    order_sync=SyncLagStats(
        synced=1204,
        pending=12,
        failing=1,
        lag_avg_seconds=2.1,
        lag_p50_seconds=1.4,
        lag_p95_seconds=6.8,
        lag_max_seconds=41.0,
        last_synced_at=datetime(2026, 11, 21, 14, 29, 59, tzinfo=UTC),
    ),
    exceptions=[
        ExceptionCount(owner="finance", type="refund_mismatch", state="open", count=3),
        ExceptionCount(owner="finance", type="refund_failed", state="acknowledged", count=1),
        ExceptionCount(owner="cx", type="orphan_return", state="open", count=2),
        ExceptionCount(owner="operations", type="restock_failed", state="open", count=1),
        ExceptionCount(owner="merchandising", type="unmapped_reason_code", state="open", count=4),
    ],
    shadow=views.ShadowView(enabled=False, writes=0),
    # Nothing refused and no conflicts: the overview shows no intake rows (the snapshots stay as they were).
    intake=views.IntakeView(since=datetime(2026, 11, 28, 9, 0, tzinfo=UTC), refused=[], conflicts=0),
    # The active instance: the overview shows no instance row (the snapshots stay as they were).
    instance=views.InstanceView(
        instance="backflow-0:1:0a1b2c3d",
        role="active",
        holder="backflow-0:1:0a1b2c3d",
        lease_until=datetime(2026, 11, 28, 10, 0, 15, tzinfo=UTC),
        term=1,
        reason=None,
    ),
)


def _exception(
    eid: int, kind: str, owner: str, rid: str, age: float, evidence: Any, actions: list[views.ExceptionAction]
) -> views.ExceptionView:
    return views.ExceptionView(
        id=eid,
        type=kind,
        owner=owner,
        severity="error",
        state="open",
        dedupe_key=f"{kind}:{rid}",
        return_id=rid,
        order_ref="ct-order-1",
        evidence=_json(evidence),
        first_seen=EARLIER,
        last_seen=NOW,
        age_seconds=age,
        count=1,
        changed_by=None,
        changed_at=None,
        note=None,
        actions=actions,
    )


EXCEPTIONS = [
    # `actions` as the daemon lists them for this evidence (app.core.exception_actions.allowed_actions).
    _exception(
        7, "refund_mismatch", "finance", "RB-1042", 1520.0, MISMATCH_EVIDENCE, ["ack", "resolve", "decide"]
    ),
    _exception(
        6,
        "orphan_return",
        "cx",
        "RB-1040",
        5400.0,
        {"client_order_id": "CT-9"},
        ["ack", "resolve", "reanchor"],
    ),
    _exception(
        5,
        "restock_failed",
        "operations",
        "RB-1031",
        9000.0,
        {
            "sku": "TEE-M",
            "retry": {"kind": "RestockItems", "payload": {}, "idempotency_key": "restock-RB-1031"},
        },
        ["ack", "resolve", "retry"],
    ),
    _exception(
        3,
        "refund_failed",
        "finance",
        "RB-1036",
        20000.0,
        {
            "error": "409 ConcurrentModification",
            "retry": {"kind": "IssueRefund", "payload": {}, "idempotency_key": "refund-RB-1036"},
        },
        ["ack", "resolve", "retry"],
    ),
    _exception(
        4,
        "unmapped_reason_code",
        "merchandising",
        "RB-1029",
        18000.0,
        {"reason_code": "TOO_SPARKLY"},
        ["ack", "resolve"],
    ),
]
EXCEPTION_DETAIL = views.ExceptionDetail(
    exception=EXCEPTIONS[0],
    events=[views.ExceptionEventView(at=EARLIER, action="raised", actor=None, note=None)],
)

RETURN_SUMMARY = views.ReturnSummary(
    return_id="RB-1042",
    client_order_id="CT-1001",
    ct_order_id="ct-order-1",
    state="HELD_FOR_FINANCE",
    last_sequence=6,
    created_at=EARLIER,
    updated_at=NOW,
)


def _step(
    at: datetime, source: str, action: str, outcome: str, detail: Any, order: str | None
) -> views.TimelineEntryView:
    return views.TimelineEntryView(
        at=at, source=source, action=action, outcome=outcome, detail=_json(detail), order_ref=order
    )


RETURN_DETAIL = views.ReturnDetail(
    case=RETURN_SUMMARY,
    snapshot=_json(
        {
            "order": {
                "returnId": "RB-1042",
                "clientOrderId": "CT-1001",
                "status": "GRADED",
                "flow": "REFUND",
            },
            "items": [
                {
                    "reboundItemId": "i1",
                    "sku": "TEE-M",
                    "quantityExpected": 1,
                    "quantityReceived": 1,
                    "condition": "NEW",
                    "disposition": "SELLABLE",
                },
                {
                    "reboundItemId": "i2",
                    "sku": "SOCK",
                    "quantityExpected": 2,
                    "quantityReceived": 2,
                    "condition": "DAMAGED",
                    "disposition": "DISPOSE",
                },
            ],
        }
    ),
    timeline_available=True,
    timeline=[
        _step(EARLIER, "rebound", "event return_order.created", "ok", {"sequence": 1}, None),
        _step(EARLIER, "commercetools", "addReturnInfo", "ok", {"version": 6}, "ct-order-1"),
        _step(
            NOW,
            "backflow",
            "refund compared with ReBound's proposal",
            "exception",
            {"backflow_total": "21.00", "rebound_total": "29.95"},
            "ct-order-1",
        ),
    ],
    refunds=[],
    stock_movements=[
        StockMovement(
            marker="restock-RB-1042-i1",
            sku="TEE-M",
            supply_channel=None,
            quantity=1,
            return_id="RB-1042",
            item_id="i1",
            state=StockMovementState.APPLIED,
            applied_at=NOW,
            inventory_version=9,
            disposition="SELLABLE",
        ),
    ],
    pending_credits=[
        PendingCredit(
            return_id="RB-1042",
            currency="EUR",
            amount_minor=2100,
            state=CreditState.POSTED,
            posted_at=EARLIER,
            released_at=None,
        ),
    ],
)

DEAD_ROW = views.OutboxRowView(
    id="0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    kind="IssueRefund",
    status="dead",
    attempts=8,
    idempotency_key="refund-RB-1036",
    available_at=EARLIER,
    created_at=EARLIER,
    last_error="commercetools answered 409 ConcurrentModification",
    payload=_json({"return_id": "RB-1036"}),
)


def _moved(
    at: datetime, was: OutboxStatus | None, now: OutboxStatus, actor: str | None, why: str | None
) -> OutboxEvent:
    return OutboxEvent(outbox_id=DEAD_ROW.id, at=at, from_status=was, to_status=now, actor=actor, detail=why)


DEAD_DETAIL = views.DeadLetterDetail(
    row=DEAD_ROW,
    history=[
        _moved(EARLIER, None, OutboxStatus.PENDING, None, None),
        _moved(NOW, OutboxStatus.LEASED, OutboxStatus.DEAD, "relay", "max attempts"),
    ],
)

REFUND_FAILED_DETAIL = views.ExceptionDetail(exception=EXCEPTIONS[3], events=EXCEPTION_DETAIL.events)

ROUTES: dict[str, msgspec.Struct] = {
    "/api/exceptions/3": REFUND_FAILED_DETAIL,
    "/api/overview": OVERVIEW,
    "/api/exceptions": views.ExceptionList(items=EXCEPTIONS, count=len(EXCEPTIONS)),
    "/api/exceptions/7": EXCEPTION_DETAIL,
    "/api/returns": views.ReturnList(items=[RETURN_SUMMARY]),
    "/api/returns/RB-1042": RETURN_DETAIL,
    "/api/dead-letters": views.DeadLetterList(items=[DEAD_ROW]),
    f"/api/dead-letters/{DEAD_ROW.id}": DEAD_DETAIL,
}
