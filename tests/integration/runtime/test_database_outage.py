"""The PostgreSQL server goes away under a running daemon and comes back: meanwhile intake answers
503 (ReBound and Pub/Sub deliver again later), never a 2xx for what it could not store, and /readyz
says the database cannot be reached; once the server is back the daemon takes writes again by
itself. A server of its own: the session's shared one must not be stopped under other tests."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import psycopg
import pytest

from backflow.devtools.postgres_server import PostgresServer, PostgresUnavailableError, find_bindir
from backflow.ports.inbox import StoredInboundEvent
from tests.integration.runtime.conftest import DaemonFactory, Running, eventually, registry
from tests.rebound_support import envelope, signed_headers

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer(find_bindir())
        server.start()
    except PostgresUnavailableError as exc:
        pytest.skip(f"no PostgreSQL server for the outage test: {exc}")
    try:
        with psycopg.connect(server.dsn(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE backflow")
        yield server
    finally:
        server.stop()


async def taken(stored: StoredInboundEvent) -> None:
    """Processed as the real intake would mark it; what matters here is that it was stored."""


def event_id(n: str) -> str:
    return f"01OUTAGE{n:0>18}"


async def webhook(run: Running, n: str) -> int:
    body = envelope(event_id(n))
    async with run.http.post(f"{run.url}/webhooks/rebound", data=body, headers=signed_headers(body)) as r:
        return r.status


async def readiness(run: Running) -> tuple[int, list[str]]:
    async with run.http.get(f"{run.url}/readyz") as response:
        return response.status, (await response.json())["reasons"]


async def test_intake_answers_503_while_the_database_is_down_and_recovers_by_itself(
    daemon: DaemonFactory, own_server: PostgresServer
) -> None:
    flows = registry(inbox_handlers={"rebound": taken})
    with anyio.fail_after(120):
        async with daemon(flows, db_url=own_server.dsn("backflow")) as run:
            assert await webhook(run, "A0") == 202
            await anyio.to_thread.run_sync(own_server.halt)

            during = [await webhook(run, f"B{n}") for n in range(3)]
            assert during == [503, 503, 503], during
            status, reasons = await readiness(run)
            assert status == 503, reasons
            assert any(
                r.startswith(
                    "database not writable: StoreUnavailableError: the PostgreSQL server cannot be reached"
                )
                for r in reasons
            ), reasons

            await anyio.to_thread.run_sync(own_server.resume)
            # The senders deliver again: the pool reconnects without a restart of the daemon.
            await eventually(lambda: _stored(run, "B0"), within=60, interval=0.2)
            resent = [await webhook(run, f"B{n}") for n in range(1, 3)]
            assert resent == [202, 202], resent
            await eventually(lambda: _ready(run), within=60, interval=0.2)

            inbox = run.daemon.composition.store.inbox
            for n in ("A0", "B0", "B1", "B2"):
                assert await inbox.get("rebound", event_id(n)) is not None, n


async def _stored(run: Running, n: str) -> bool:
    return await webhook(run, n) == 202


async def _ready(run: Running) -> bool:
    return (await readiness(run))[0] == 200
