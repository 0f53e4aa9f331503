"""The short chaos run (bench/chaos.py --short): SIGKILLs and platform faults lose and duplicate nothing,
with one daemon on SQLite and with three replicas on PostgreSQL whose server is restarted mid-day."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backflow.devtools.postgres_server import PostgresServer
from bench import chaos
from bench.chaos_database import Database

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]


def assert_nothing_lost_or_duplicated(figures: dict[str, Any]) -> None:
    assert figures["kills"] >= 5
    assert figures["faults_injected"]["commercetools_outage_seconds"] > 0
    assert figures["returns"] > 0 and figures["anchored"] > 0 and figures["refunds"] > 0
    assert figures["duplicates_found"] == 0, figures["problems"]
    assert figures["lost"] == 0, figures["problems"]
    assert figures["wrong"] == 0, figures["problems"]


def test_a_short_chaos_day_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    figures = chaos.run("short", seed=7, workdir=tmp_path)
    assert_nothing_lost_or_duplicated(figures)


@pytest.mark.postgresql
def test_three_replicas_on_postgresql_lose_nothing_through_kills_and_a_database_restart(
    tmp_path: Path, postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    figures = chaos.run(
        "short",
        seed=7,
        workdir=tmp_path,
        store="postgresql",
        replicas=3,
        database=Database(postgres_dsn, postgres_server),
    )
    assert_nothing_lost_or_duplicated(figures)
    assert figures["replicas"] == 3 and figures["balancer"]["forwarded"] > 0, figures["balancer"]
    # Stored webhooks re-sent straight to replicas are recognised as duplicates, never stored again.
    assert figures["webhooks_resent_to_replicas"].get("200", 0) > 0, figures["webhooks_resent_to_replicas"]
    assert "202" not in figures["webhooks_resent_to_replicas"]
    restart = figures["database_restart"]
    assert (restart["webhook_status"], restart["readyz_status"]) == (503, 503), restart
    assert any("the PostgreSQL server cannot be reached" in r for r in restart["readyz_reasons"]), restart
    assert restart["replicas_restarted"] == [] and restart["webhook_status_after"] == 200, restart
    assert figures["database_restart_problems"] == []
