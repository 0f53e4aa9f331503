"""The whole daemon on the PostgreSQL store: the same runtime tests as on SQLite, with BACKFLOW_DB a
postgresql:// URL (the `daemon` fixture below wraps the conftest one; the tests are imported as is)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
import pytest

from backflow.adapters.postgresql.store import PostgresStore
from backflow.app.core.declarations import FlowRegistry
from tests.integration.runtime.conftest import DaemonFactory, Running, registry
from tests.integration.runtime.test_admin_api import (
    test_dead_letters_and_exception_actions,
    test_exception_filters_and_refusals,
    test_returns_search_detail_and_the_overview,
)
from tests.integration.runtime.test_inbox_lanes import (
    test_an_order_event_runs_while_every_returns_worker_is_blocked,
    test_one_key_in_order_while_other_keys_run_at_once,
)
from tests.integration.runtime.test_inbox_processor import (
    test_a_failing_event_is_retried_then_final_with_an_exception_and_others_go_on,
    test_events_are_handled_in_arrival_order_and_marked_processed,
    test_quarantined_and_unroutable_events_become_exceptions,
)
from tests.integration.runtime.test_outbox_actors import (
    test_a_long_handler_keeps_its_lease,
    test_an_actor_holds_no_more_rows_than_its_workers_and_mailbox,
    test_rows_staged_in_a_unit_of_work_start_without_waiting_for_the_poll,
    test_the_last_failed_attempt_buries_the_row_and_raises_a_dead_letter_exception,
)
from tests.integration.runtime.test_trace_chain import (
    test_webhook_to_inbox_to_outbox_to_client_call_is_one_trace,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]

__all__ = [
    "test_a_failing_event_is_retried_then_final_with_an_exception_and_others_go_on",
    "test_a_long_handler_keeps_its_lease",
    "test_an_actor_holds_no_more_rows_than_its_workers_and_mailbox",
    "test_an_order_event_runs_while_every_returns_worker_is_blocked",
    "test_dead_letters_and_exception_actions",
    "test_events_are_handled_in_arrival_order_and_marked_processed",
    "test_exception_filters_and_refusals",
    "test_one_key_in_order_while_other_keys_run_at_once",
    "test_quarantined_and_unroutable_events_become_exceptions",
    "test_returns_search_detail_and_the_overview",
    "test_rows_staged_in_a_unit_of_work_start_without_waiting_for_the_poll",
    "test_the_last_failed_attempt_buries_the_row_and_raises_a_dead_letter_exception",
    "test_webhook_to_inbox_to_outbox_to_client_call_is_one_trace",
]


@pytest.fixture
def daemon(daemon: DaemonFactory, postgres_dsn: str) -> DaemonFactory:
    def on_postgresql(registry: FlowRegistry, **settings: Any) -> AbstractAsyncContextManager[Running]:
        return daemon(registry, db_url=postgres_dsn, **settings)

    return on_postgresql


async def test_these_runs_are_on_postgresql(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            assert isinstance(run.daemon.composition.store, PostgresStore)
            status, _ = await run.get("/readyz", headers={})
            assert status == 200
