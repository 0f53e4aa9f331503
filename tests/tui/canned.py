"""A fixed dataset in the admin API's shapes, for deterministic snapshots (times and ages frozen).

`test_canned_matches_the_api` decodes every response with the daemon's own view structs, so this
dataset cannot drift from what the real admin API returns.
"""

from __future__ import annotations

from typing import Any

from tests.tui.seed import MISMATCH_EVIDENCE

NOW = "2026-11-21T14:30:00Z"
EARLIER = "2026-11-21T09:12:05Z"


def _api(name: str, errors: int) -> dict[str, Any]:
    return {
        "name": name,
        "ready": errors == 0,
        "calls": 1840,
        "errors": errors,
        "recent_errors": errors,
        "last_success_at": "2026-11-21T14:29:58Z",
        "last_error_at": EARLIER if errors else None,
        "last_error": "HTTP 503 from ReBound /returns" if errors else None,
    }


def _actor(name: str, depth: int) -> dict[str, Any]:
    return {
        "name": name,
        "state": "running",
        "restarts": 0,
        "last_error": None,
        "last_error_at": None,
        "started_at": EARLIER,
        "mailbox_depth": depth,
        "mailbox_capacity": 64,
    }


def _queue(kind: str, due: int, scheduled: int, retrying: int, leased: int, dead: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "due": due,
        "scheduled": scheduled,
        "retrying": retrying,
        "leased": leased,
        "dead": dead,
    }


OVERVIEW: dict[str, Any] = {
    "generated_at": NOW,
    "stopping": False,
    "queues": [
        _queue("SyncOrder", 12, 0, 1, 4, 0),
        _queue("AnchorReturn", 3, 2, 0, 1, 0),
        _queue("IssueRefund", 1, 0, 2, 1, 1),
        _queue("RestockItems", 0, 5, 0, 0, 0),
    ],
    "oldest_due_age_seconds": 42.5,
    "throughput": {"window_seconds": 60.0, "completed": 318},
    "inbox": {"pending": 2, "failed": 0, "quarantined": 1, "oldest_pending_age_seconds": 1.5},
    "actors": [_actor("inbox-processor", 2), _actor("outbox-relay", 0), _actor("refunds", 1)],
    "jobs": [],
    "apis": [_api("commercetools", 0), _api("rebound", 3)],
    "pending_credit": [
        {"currency": "EUR", "amount_minor": 1284550},
        {"currency": "GBP", "amount_minor": 99900},
    ],
    "order_sync": {
        "synced": 1204,
        "pending": 12,
        "failing": 1,
        "lag_avg_seconds": 2.1,
        "lag_p50_seconds": 1.4,
        "lag_p95_seconds": 6.8,
        "lag_max_seconds": 41.0,
        "last_synced_at": "2026-11-21T14:29:59Z",
    },
    "exceptions": [
        {"owner": "finance", "type": "refund_mismatch", "state": "open", "count": 3},
        {"owner": "finance", "type": "refund_failed", "state": "acknowledged", "count": 1},
        {"owner": "cx", "type": "orphan_return", "state": "open", "count": 2},
        {"owner": "operations", "type": "restock_failed", "state": "open", "count": 1},
        {"owner": "merchandising", "type": "unmapped_reason_code", "state": "open", "count": 4},
    ],
    "shadow": {"enabled": False, "writes": 0},
    # Nothing refused and no conflicts: the overview shows no intake rows (the snapshots stay as they were).
    "intake": {"since": "2026-11-28T09:00:00Z", "refused": [], "conflicts": 0},
    # The active instance: the overview shows no instance row (the snapshots stay as they were).
    "instance": {
        "instance": "backflow-0:1:0a1b2c3d",
        "role": "active",
        "holder": "backflow-0:1:0a1b2c3d",
        "lease_until": "2026-11-28T10:00:15Z",
        "term": 1,
        "reason": None,
    },
}


def _exception(
    eid: int, kind: str, owner: str, rid: str, age: float, evidence: Any, actions: list[str]
) -> dict:
    return {
        "id": eid,
        "type": kind,
        "owner": owner,
        "severity": "error",
        "state": "open",
        "dedupe_key": f"{kind}:{rid}",
        "return_id": rid,
        "order_ref": "ct-order-1",
        "evidence": evidence,
        "first_seen": EARLIER,
        "last_seen": NOW,
        "age_seconds": age,
        "count": 1,
        "changed_by": None,
        "changed_at": None,
        "note": None,
        "actions": actions,
    }


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
EXCEPTION_DETAIL = {
    "exception": EXCEPTIONS[0],
    "events": [{"at": EARLIER, "action": "raised", "actor": None, "note": None}],
}

RETURN_SUMMARY = {
    "return_id": "RB-1042",
    "client_order_id": "CT-1001",
    "ct_order_id": "ct-order-1",
    "state": "HELD_FOR_FINANCE",
    "last_sequence": 6,
    "created_at": EARLIER,
    "updated_at": NOW,
}
RETURN_DETAIL = {
    "case": RETURN_SUMMARY,
    "snapshot": {
        "order": {"returnId": "RB-1042", "clientOrderId": "CT-1001", "status": "GRADED", "flow": "REFUND"},
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
    },
    "timeline_available": True,
    "timeline": [
        {
            "at": EARLIER,
            "source": "rebound",
            "action": "event return_order.created",
            "outcome": "ok",
            "detail": {"sequence": 1},
            "order_ref": None,
        },
        {
            "at": EARLIER,
            "source": "commercetools",
            "action": "addReturnInfo",
            "outcome": "ok",
            "detail": {"version": 6},
            "order_ref": "ct-order-1",
        },
        {
            "at": NOW,
            "source": "backflow",
            "action": "refund compared with ReBound's proposal",
            "outcome": "exception",
            "detail": {"backflow_total": "21.00", "rebound_total": "29.95"},
            "order_ref": "ct-order-1",
        },
    ],
    "refunds": [],
    "stock_movements": [
        {
            "marker": "restock-RB-1042-i1",
            "sku": "TEE-M",
            "supply_channel": None,
            "quantity": 1,
            "return_id": "RB-1042",
            "item_id": "i1",
            "state": "applied",
            "applied_at": NOW,
            "inventory_version": 9,
            "disposition": "SELLABLE",
        },
    ],
    "pending_credits": [
        {
            "return_id": "RB-1042",
            "currency": "EUR",
            "amount_minor": 2100,
            "state": "posted",
            "posted_at": EARLIER,
            "released_at": None,
        },
    ],
}

DEAD_ROW = {
    "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "kind": "IssueRefund",
    "status": "dead",
    "attempts": 8,
    "idempotency_key": "refund-RB-1036",
    "available_at": EARLIER,
    "created_at": EARLIER,
    "last_error": "commercetools answered 409 ConcurrentModification",
    "payload": {"return_id": "RB-1036"},
}
DEAD_DETAIL = {
    "row": DEAD_ROW,
    "history": [
        {
            "outbox_id": DEAD_ROW["id"],
            "at": EARLIER,
            "from_status": None,
            "to_status": "pending",
            "actor": None,
            "detail": None,
        },
        {
            "outbox_id": DEAD_ROW["id"],
            "at": NOW,
            "from_status": "leased",
            "to_status": "dead",
            "actor": "relay",
            "detail": "max attempts",
        },
    ],
}

REFUND_FAILED_DETAIL = {"exception": EXCEPTIONS[3], "events": EXCEPTION_DETAIL["events"]}

ROUTES: dict[str, Any] = {
    "/api/exceptions/3": REFUND_FAILED_DETAIL,
    "/api/overview": OVERVIEW,
    "/api/exceptions": {"items": EXCEPTIONS, "count": len(EXCEPTIONS)},
    "/api/exceptions/7": EXCEPTION_DETAIL,
    "/api/returns": {"items": [RETURN_SUMMARY]},
    "/api/returns/RB-1042": RETURN_DETAIL,
    "/api/dead-letters": {"items": [DEAD_ROW]},
    f"/api/dead-letters/{DEAD_ROW['id']}": DEAD_DETAIL,
}
