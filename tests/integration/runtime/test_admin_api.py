"""Every admin endpoint against a running daemon: overview, exceptions and their actions, returns,
dead letters, the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio
import msgspec
import pytest

from backflow.adapters.postgresql.store import PostgresStore
from backflow.app.core.declarations import ActorSpec
from backflow.ports.exceptions import NewException, Severity
from backflow.ports.ledgers import PendingCredit, Refund, RefundOutcome, StockMovement
from backflow.ports.outbox import OutboxMessage, OutboxRow, RetryPolicy
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.timeline import TimelineEntry
from tests.integration.runtime.conftest import DaemonFactory, Running, eventually, registry

pytestmark = pytest.mark.anyio
ALICE = {"X-Backflow-Actor": "alice"}


class Switchable:
    """An outbox handler that fails, blocks or succeeds on demand."""

    def __init__(self) -> None:
        self.mode = "fail"
        self.gate = anyio.Event()
        self.done: list[str] = []

    async def __call__(self, row: OutboxRow) -> None:
        if self.mode == "fail":
            raise RuntimeError("ReBound answered 500")
        if self.mode == "block":
            await self.gate.wait()
        self.done.append(row.idempotency_key)


async def test_dead_letters_and_exception_actions(daemon: DaemonFactory) -> None:
    handler = Switchable()
    flows = registry(outbox_handlers={"ack": handler}, actors=[ActorSpec("acks", ("ack",))])
    with anyio.fail_after(30):
        async with daemon(flows, retry_policy=RetryPolicy(max_attempts=1)) as run:
            wiring = run.daemon.wiring
            payload = msgspec.json.encode({"return_id": "RB-1"})
            await wiring.outbox.append(OutboxMessage(kind="ack", payload=payload, idempotency_key="ack-RB-1"))
            await eventually(run.daemon.monitor.dead_rows)

            status, dead = await run.get("/api/dead-letters")
            assert status == 200
            [row] = dead["items"]
            assert (
                row["payload"] == {"return_id": "RB-1"}
                and row["last_error"] == "RuntimeError: ReBound answered 500"
            )
            status, detail = await run.get(f"/api/dead-letters/{row['id']}")
            assert [h["to_status"] for h in detail["history"]] == ["pending", "leased", "dead"]

            status, listed = await run.get("/api/exceptions?owner=operations&type=dead_letter")
            [exception] = listed["items"]
            assert exception["actions"] == ["ack", "resolve", "retry"]
            assert exception["evidence"]["retry"]["idempotency_key"] == "ack-RB-1"
            eid = exception["id"]

            handler.mode = "block"
            status, first = await run.post(
                f"/api/exceptions/{eid}/retry", {"note": "ReBound is back"}, headers=run.admin() | ALICE
            )
            assert status == 200 and first["duplicate"] is False
            status, again = await run.post(f"/api/exceptions/{eid}/retry", {}, headers=run.admin() | ALICE)
            assert (again["duplicate"], again["outbox_id"]) == (True, first["outbox_id"]), (
                "still queued: nothing added"
            )
            await eventually(
                lambda: not handler.gate.is_set() and _row_status(run, first["outbox_id"], "leased")
            )
            handler.gate.set()
            await eventually(lambda: handler.done == ["ack-RB-1#retry-" + str(eid)])

            status, requeued = await run.post(
                f"/api/dead-letters/{row['id']}/requeue", headers=run.admin() | ALICE
            )
            assert status == 200 and requeued["requeued"] is True
            await eventually(lambda: "ack-RB-1" in handler.done)
            status, body = await run.post(f"/api/dead-letters/{row['id']}/requeue")
            assert (status, body["error"]["code"]) == (409, "not_dead")
            assert (await run.get(f"/api/dead-letters/{row['id']}"))[0] == 409, "no longer dead"

            status, acked = await run.post(f"/api/exceptions/{eid}/ack", {}, headers=run.admin() | ALICE)
            assert acked["exception"]["state"] == "acknowledged"
            events_after_ack = len(acked["events"])
            status, acked_again = await run.post(f"/api/exceptions/{eid}/ack", {})
            assert status == 200 and len(acked_again["events"]) == events_after_ack, "idempotent"
            status, body = await run.post(f"/api/exceptions/{eid}/resolve", {"note": "  "})
            assert (status, body["error"]["code"]) == (400, "note_required")
            status, body = await run.post(f"/api/exceptions/{eid}/resolve", {})
            assert status == 400
            status, resolved = await run.post(
                f"/api/exceptions/{eid}/resolve", {"note": "acked by hand"}, headers=run.admin() | ALICE
            )
            assert resolved["exception"]["state"] == "resolved" and resolved["exception"]["actions"] == []
            status, resolved_again = await run.post(f"/api/exceptions/{eid}/resolve", {"note": "again"})
            assert status == 200 and resolved_again["events"] == resolved["events"]
            actions = [(e["action"], e["actor"]) for e in resolved["events"]]
            assert actions == [
                ("raised", None),
                ("retried", "alice"),
                ("retried", "alice"),
                ("acknowledged", "alice"),
                ("resolved", "alice"),
            ]
            assert (await run.post(f"/api/exceptions/{eid}/ack", {}))[0] == 409
            assert (await run.post(f"/api/exceptions/{eid}/retry", {}))[0] == 409

            status, detail = await run.get(f"/api/exceptions/{eid}")
            assert detail["exception"]["note"] == "acked by hand"


async def test_exception_filters_and_refusals(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            async with run.daemon.wiring.store.unit_of_work() as uow:
                for n, (kind, owner) in enumerate([("refund_mismatch", "finance"), ("orphan_return", "cx")]):
                    uow.exceptions.raise_exception(
                        NewException(
                            type=kind,
                            owner=owner,
                            severity=Severity.ERROR,
                            dedupe_key=f"k{n}",
                            return_id=f"RB-{n}",
                        )
                    )
                await uow.commit()
            status, body = await run.get("/api/exceptions?order=oldest")
            assert [e["type"] for e in body["items"]] == ["refund_mismatch", "orphan_return"]
            status, body = await run.get("/api/exceptions")
            assert [e["type"] for e in body["items"]] == ["orphan_return", "refund_mismatch"]
            assert (await run.get("/api/exceptions?owner=finance"))[1]["count"] == 1
            assert (await run.get("/api/exceptions?type=orphan_return"))[1]["items"][0]["owner"] == "cx"
            assert (await run.get("/api/exceptions?min_age=3600"))[1]["count"] == 0
            assert (await run.get("/api/exceptions?max_age=3600&limit=1"))[1]["count"] == 1
            assert (await run.get("/api/exceptions?state=resolved"))[1]["count"] == 0
            assert (await run.get("/api/exceptions?state=any"))[1]["count"] == 2
            for bad in ("owner=boss", "state=gone", "order=random", "limit=0", "min_age=-1", "min_age=x"):
                assert (await run.get(f"/api/exceptions?{bad}"))[0] == 400, bad
            eid = body["items"][0]["id"]
            status, body = await run.post(f"/api/exceptions/{eid}/retry", {})
            assert (status, body["error"]["code"]) == (409, "not_retryable")
            assert (await run.get("/api/exceptions/999999"))[0] == 404
            assert (await run.get("/api/exceptions/abc"))[0] == 404
            assert (await run.post("/api/exceptions/999999/ack", {}))[0] == 404
            assert (await run.post(f"/api/exceptions/{eid}/ack", {"unknown": 1}))[0] == 400
            assert (await run.get("/api/dead-letters/nope"))[0] == 404


class FakeTimeline:
    async def for_return(self, return_id: str, *, limit: int = 500) -> list[TimelineEntry]:
        at = datetime(2026, 11, 21, tzinfo=UTC)
        return [
            TimelineEntry(
                return_id=return_id,
                at=at,
                source="rebound",
                action="event return_order.created",
                outcome="ok",
                detail=b'{"sequence":1}',
            )
        ]


async def test_returns_search_detail_and_the_overview(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry(), timeline=FakeTimeline()) as run:
            await _seed_return(run)
            for query in ("RB-9", "CT-77", "ct-order-id", "SOCK"):
                status, body = await run.get(f"/api/returns?query={query}")
                assert [r["return_id"] for r in body["items"]] == ["RB-9"], query
            assert (await run.get("/api/returns?query=NOPE"))[1]["items"] == []
            assert (await run.get("/api/returns"))[0] == 400
            status, detail = await run.get("/api/returns/RB-9")
            assert status == 200
            assert detail["timeline_available"] is True
            assert detail["timeline"][0]["detail"] == {"sequence": 1}
            assert detail["refunds"][0]["amount_minor"] == 1250 and detail["refunds"][0]["lines"] == [
                {"line": "l1"}
            ]
            assert detail["stock_movements"][0]["sku"] == "SOCK"
            assert detail["pending_credits"][0]["amount_minor"] == 1250
            assert detail["snapshot"]["items"][0]["sku"] == "SOCK"
            assert (await run.get("/api/returns/RB-0"))[0] == 404

            status, overview = await run.get("/api/overview")
            assert status == 200
            assert overview["pending_credit"] == [{"currency": "EUR", "amount_minor": 1250}]
            assert {a["name"] for a in overview["apis"]} == {"commercetools", "rebound"}
            assert all(a["ready"] for a in overview["apis"])
            # PostgreSQL: every replica also listens for the others' work (the store's NOTIFY).
            on_postgresql = isinstance(run.daemon.composition.store, PostgresStore)
            listener = {"work-listener"} if on_postgresql else set()
            assert {a["name"] for a in overview["actors"]} == {"inbox-processor", "outbox-relay"} | listener
            assert overview["shadow"] == {"enabled": False, "writes": 0}
            assert overview["inbox"]["pending"] == 0 and overview["queues"] == []
            assert set(overview["order_sync"]) >= {"synced", "lag_p95_seconds", "failing"}


async def _seed_return(run: Running) -> None:
    snapshot = {
        "order": {"returnId": "RB-9", "clientOrderId": "CT-77"},
        "items": [{"reboundItemId": "i1", "sku": "SOCK", "quantityExpected": 1}],
    }
    now = datetime.now(UTC)
    async with run.daemon.wiring.store.unit_of_work() as uow:
        uow.returns.add(
            ReturnCaseRecord(
                return_id="RB-9",
                client_order_id="CT-77",
                ct_order_id="ct-order-id",
                state="anchored",
                last_sequence=3,
                snapshot=msgspec.json.encode(snapshot),
                created_at=now,
                updated_at=now,
            )
        )
        uow.refunds.record(
            Refund(
                interaction_id="refund-RB-9",
                return_id="RB-9",
                lines=b'[{"line":"l1"}]',
                amount_minor=1250,
                currency="EUR",
                payment_id="pay-1",
                outcome=RefundOutcome.ORIGINAL_PAYMENT,
            )
        )
        uow.stock.record(
            StockMovement(
                marker="m1", sku="SOCK", supply_channel=None, quantity=1, return_id="RB-9", item_id="i1"
            )
        )
        uow.credits.post(PendingCredit(return_id="RB-9", currency="EUR", amount_minor=1250))
        await uow.commit()


async def _row_status(run: Running, outbox_id: str, status: str) -> bool:
    row = await run.daemon.composition.store.admin.outbox_row(outbox_id)
    return row is not None and row.status == status


async def test_the_openapi_document_describes_every_route(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            status, document = await run.get("/api/openapi.json", headers={})
            assert status == 200 and document["openapi"] == "3.1.0"
            routes: set[tuple[str, str]] = set()
            for route in run.daemon.http_app.router.routes():
                info: Any = route.resource.get_info() if route.resource else {}
                path = info.get("path") or info.get("formatter")
                if route.method != "HEAD":
                    routes.add((route.method.lower(), path))
            described = {(method, path) for path, ops in document["paths"].items() for method in ops}
            assert routes == described
            overview = document["paths"]["/api/overview"]["get"]["responses"]["200"]["content"][
                "application/json"
            ]["schema"]
            assert overview == {"$ref": "#/components/schemas/Overview"}
            assert "queues" in document["components"]["schemas"]["Overview"]["properties"]
