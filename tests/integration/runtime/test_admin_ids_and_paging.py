"""The admin API parses ids and numbers strictly (canonical ASCII decimals only), pages with a real
`offset`, and states the limit's cap in its OpenAPI description."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import msgspec
import pytest

from backflow.app.core.declarations import ActorSpec
from backflow.ports.exceptions import NewException, Severity
from backflow.ports.monitor import StoreMonitor
from backflow.ports.outbox import OutboxMessage, OutboxRow, RetryPolicy
from backflow.ports.return_cases import ReturnCaseRecord
from tests.integration.runtime.conftest import DaemonFactory, Running, eventually, registry

pytestmark = pytest.mark.anyio


async def _count_dead(monitor: StoreMonitor, wanted: int) -> bool:
    return len(await monitor.dead_rows()) >= wanted


async def seed_exceptions(run: Running, count: int) -> None:
    async with run.daemon.wiring.store.unit_of_work() as uow:
        for n in range(count):
            uow.exceptions.raise_exception(
                NewException(
                    type="stock_drift", owner="operations", severity=Severity.WARNING, dedupe_key=f"k{n}"
                )
            )
        await uow.commit()


@pytest.mark.parametrize(
    "text",
    ["%EF%BC%91", "%D9%A1", "01", "001", "+1", "1.0", "1e0", "%201", "0x1", "99999999999999999999", "0"],
    ids=["fullwidth-1", "arabic-indic-1", "01", "001", "+1", "1.0", "1e0", "space-1", "0x1", "huge", "0"],
)
async def test_only_canonical_ascii_ids_open_an_exception(daemon: DaemonFactory, text: str) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            await seed_exceptions(run, 1)
            assert (await run.get("/api/exceptions/1"))[0] == 200
            status, body = await run.get(f"/api/exceptions/{text}")
            assert status == 404 and body["error"]["code"] == "not_found", (text, body)
            status, _ = await run.post(f"/api/exceptions/{text}/ack", {"note": "x"})
            assert status == 404, text


async def test_offset_pages_through_the_exceptions(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            await seed_exceptions(run, 5)
            pages = []
            for offset in (0, 2, 4, 6):
                status, page = await run.get(f"/api/exceptions?order=oldest&limit=2&offset={offset}")
                assert status == 200
                pages.append([item["id"] for item in page["items"]])
            assert pages == [[1, 2], [3, 4], [5], []]
            _, newest = await run.get("/api/exceptions?limit=2&offset=1")
            assert [item["id"] for item in newest["items"]] == [4, 3]
            for bad in ("-1", "x", "%EF%BC%92", "1.5", "1000000001"):
                status, body = await run.get(f"/api/exceptions?offset={bad}")
                assert (status, body["error"]["code"]) == (400, "invalid_parameter"), bad
            for bad in ("%EF%BC%91%EF%BC%90", "0", "1001", "01"):
                status, body = await run.get(f"/api/exceptions?limit={bad}")
                assert status == 400 and "limit" in body["error"]["message"], bad


async def test_offset_pages_through_returns_and_dead_letters(daemon: DaemonFactory) -> None:
    async def fail(row: OutboxRow) -> None:
        raise RuntimeError("always")

    flows = registry(outbox_handlers={"ack": fail}, actors=[ActorSpec("acks", ("ack",))])
    now = datetime.now(UTC)
    with anyio.fail_after(30):
        async with daemon(flows, retry_policy=RetryPolicy(max_attempts=1)) as run:
            wiring = run.daemon.wiring
            async with wiring.store.unit_of_work() as uow:
                for n in range(3):
                    snapshot = {"order": {"returnId": f"RB-{n}"}, "items": [{"sku": "SOCK"}]}
                    uow.returns.add(
                        ReturnCaseRecord(
                            return_id=f"RB-{n}",
                            client_order_id=f"CT-{n}",
                            ct_order_id=None,
                            state="AWAITING_ORDER",
                            last_sequence=1,
                            snapshot=msgspec.json.encode(snapshot),
                            created_at=now,
                            updated_at=now,
                        )
                    )
                await uow.commit()
            found = [
                [
                    r["return_id"]
                    for r in (await run.get(f"/api/returns?query=SOCK&limit=2&offset={o}"))[1]["items"]
                ]
                for o in (0, 2)
            ]
            assert len(found[0]) == 2 and len(found[1]) == 1
            assert sorted(found[0] + found[1]) == ["RB-0", "RB-1", "RB-2"]

            for n in range(3):
                payload = msgspec.json.encode({"n": n})
                await wiring.outbox.append(
                    OutboxMessage(kind="ack", payload=payload, idempotency_key=f"ack-{n}")
                )
            await eventually(lambda: _count_dead(run.daemon.monitor, 3))
            _, every = await run.get("/api/dead-letters")
            _, second = await run.get("/api/dead-letters?limit=1&offset=1")
            assert [r["id"] for r in second["items"]] == [every["items"][1]["id"]]
            assert (await run.get("/api/dead-letters?offset=-1"))[0] == 400


async def test_the_openapi_description_states_the_limit_cap_and_the_offset(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            status, document = await run.get("/api/openapi.json")
    assert status == 200
    for path in ("/api/exceptions", "/api/returns", "/api/dead-letters"):
        params = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        limit, offset = params["limit"], params["offset"]
        assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000} | {
            "default": limit["schema"]["default"]
        }
        assert "at most 1000" in limit["description"], limit
        assert offset["schema"]["minimum"] == 0 and "skip" in offset["description"], offset
