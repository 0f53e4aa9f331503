"""The chaos run fails on what the database restart's probes saw, not only on what was lost."""

from __future__ import annotations

from typing import Any

import pytest

from bench.chaos_database import failed, restart_problems

pytestmark = pytest.mark.unit

REASON = "database not writable: StoreUnavailableError: the PostgreSQL server cannot be reached: refused"
GOOD: dict[str, Any] = {
    "webhook_status": 503,
    "readyz_status": 503,
    "readyz_reasons": [REASON],
    "replicas_restarted": [],
    "webhook_status_after": 200,
}
CLEAN = {"lost": 0, "duplicates_found": 0, "wrong": 0, "database_restart_problems": []}


def test_a_restart_that_behaved_has_no_problem() -> None:
    assert restart_problems(GOOD) == []
    assert not failed(CLEAN)


@pytest.mark.parametrize(
    ("seen", "says"),
    [
        ({"webhook_status": 202}, "webhook while the database was down: 202, not 503"),
        ({"readyz_status": 200}, "/readyz while the database was down: 200"),
        ({"readyz_reasons": ["actor refund is restarting"]}, "/readyz while the database was down: 503"),
        ({"replicas_restarted": [1]}, "replicas restarted to reconnect: [1]"),
        ({"webhook_status_after": 202}, "sent again after the restart: 202"),
    ],
)
def test_each_misbehaviour_is_named(seen: dict[str, Any], says: str) -> None:
    problems = restart_problems(GOOD | seen)
    assert len(problems) == 1 and says in problems[0], problems


@pytest.mark.parametrize("key", ["lost", "duplicates_found", "wrong", "database_restart_problems"])
def test_any_finding_fails_the_run(key: str) -> None:
    assert failed(CLEAN | {key: ["never restarted"] if key == "database_restart_problems" else 1})
