"""The pilot tests' dataset, written through the store's ports (the TUI itself only reads HTTP).

One exception per owner (a refund mismatch with both figures for finance, an orphan return for CX,
a retryable failed restock for operations, an unmapped reason code for merchandising), a retryable
refund failure (money: needs confirming), one return with its timeline and ledgers, and one dead letter.
"""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import msgspec

from backflow.app.bootstrap import Daemon
from backflow.ports.exceptions import NewException, Severity
from backflow.ports.ledgers import PendingCredit, Refund, RefundOutcome, StockMovement
from backflow.ports.outbox import OutboxMessage, OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.timeline import TimelineEntry

ADMIN_TOKEN = "admin-token-for-tui-tests-0123456789"

MISMATCH_EVIDENCE = {
    "order_id": "ct-order-1",
    "order_version": 7,
    "currency": "EUR",
    "milestone": "RECEIVED",
    "outcome": "ORIGINAL_PAYMENT",
    "lines": [
        {"line_id": "line-tee", "backflow": "21.00", "rebound": "25.00", "difference_minor": 400},
        {"line_id": "shipping", "backflow": "0.00", "rebound": "4.95", "difference_minor": 495},
    ],
    "backflow_total": "21.00",
    "rebound_total": "29.95",
    "tolerance_minor": 1,
    "decision": {
        "options": [
            {"action": "approve_backflow", "amount": "21.00", "currency": "EUR"},
            {
                "action": "approve_rebound",
                "amount": "29.95",
                "currency": "EUR",
                "allowed": False,
                "limit": "5.00",
            },
            {"action": "reject"},
        ],
        "difference": "8.95",
    },
}


class Switchable:
    """The `ack` queue's handler: fails (so rows go dead) until told to succeed."""

    def __init__(self) -> None:
        self.fail = True
        self.done: list[str] = []

    async def __call__(self, row: OutboxRow) -> None:
        if self.fail:
            raise RuntimeError("ReBound answered 500")
        self.done.append(row.idempotency_key)


def _retry(key: str) -> dict[str, object]:
    return {"kind": "ack", "payload": {"return_id": "RB-9"}, "idempotency_key": key}


EXCEPTIONS = [
    ("refund_mismatch", "finance", "RB-9", "CT-77", MISMATCH_EVIDENCE),
    ("orphan_return", "cx", "RB-404", "CT-404", {"client_order_id": "CT-404", "held_since": "2026-11-20"}),
    ("restock_failed", "operations", "RB-9", "CT-77", {"sku": "SOCK", "retry": _retry("restock-RB-9")}),
    ("unmapped_reason_code", "merchandising", "RB-9", "CT-77", {"reason_code": "TOO_SPARKLY"}),
    (
        "refund_failed",
        "finance",
        "RB-10",
        "CT-78",
        {"error": "payment gone", "retry": _retry("refund-RB-10")},
    ),
]


async def seed(daemon: Daemon) -> None:
    wiring = daemon.wiring
    now = datetime.now(UTC)
    snapshot = {
        "order": {"returnId": "RB-9", "clientOrderId": "CT-77", "status": "GRADED", "flow": "REFUND"},
        "items": [
            {
                "reboundItemId": "i1",
                "sku": "SOCK",
                "quantityExpected": 1,
                "quantityReceived": 1,
                "condition": "NEW",
                "disposition": "SELLABLE",
            },
        ],
    }
    async with wiring.store.unit_of_work() as uow:
        for n, (kind, owner, rid, order, evidence) in enumerate(EXCEPTIONS):
            uow.exceptions.raise_exception(
                NewException(
                    type=kind,
                    owner=owner,
                    severity=Severity.ERROR,
                    dedupe_key=f"{kind}:{n}",
                    return_id=rid,
                    order_ref=order,
                    evidence=msgspec.json.encode(evidence),
                )
            )
        uow.returns.add(
            ReturnCaseRecord(
                return_id="RB-9",
                client_order_id="CT-77",
                ct_order_id="ct-order-1",
                state="ANCHORED",
                last_sequence=4,
                snapshot=msgspec.json.encode(snapshot),
                created_at=now,
                updated_at=now,
            )
        )
        for action, source, outcome in (
            ("event return_order.created", "rebound", "ok"),
            ("addReturnInfo", "commercetools", "ok"),
            ("refund compared with ReBound's proposal", "backflow", "exception"),
        ):
            uow.timeline.add(
                TimelineEntry(
                    return_id="RB-9",
                    at=now,
                    source=source,
                    action=action,
                    outcome=outcome,
                    detail=b'{"sequence":1}',
                    order_ref="ct-order-1",
                )
            )
        uow.refunds.record(
            Refund(
                interaction_id="refund-RB-9",
                return_id="RB-9",
                lines=b"[]",
                amount_minor=1250,
                currency="EUR",
                payment_id="pay-1",
                outcome=RefundOutcome.ORIGINAL_PAYMENT,
            )
        )
        uow.stock.record(
            StockMovement(
                marker="restock-RB-9-i1",
                sku="SOCK",
                supply_channel=None,
                quantity=1,
                return_id="RB-9",
                item_id="i1",
                disposition="SELLABLE",
            )
        )
        uow.credits.post(PendingCredit(return_id="RB-9", currency="EUR", amount_minor=1250))
        await uow.commit()
    payload = msgspec.json.encode({"return_id": "RB-DEAD"})
    await wiring.outbox.append(OutboxMessage(kind="ack", payload=payload, idempotency_key="ack-RB-DEAD"))
    with anyio.fail_after(10):
        while True:
            if await daemon.monitor.dead_rows():
                return
            await anyio.sleep(0.05)
