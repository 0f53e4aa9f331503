"""The daemon and both simulators as processes (devtools' bench stack), with distinctive secrets."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from backflow.devtools.stack.launcher import Stack, bench_stack
from backflow.devtools.stack.layout import Secrets

PUSH_TOKEN = "push-token-e2e-7c1d0b"
SECRETS = Secrets(
    ctp_client_secret="ctp-secret-e2e-9f3a71",
    rebound_client_secret="rebound-secret-e2e-5d20c4",
    webhook_secret="whsec-e2e-b8e6a2",
    admin_token="admin-token-e2e-41f7c9e0d2",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("stack")
    running = bench_stack(
        workdir,
        secrets=SECRETS,
        env={
            "BACKFLOW_PUSH_TOKEN": PUSH_TOKEN,
            "BACKFLOW_LOG_LEVEL": "DEBUG",
            "BACKFLOW_POLL_SECONDS": "0.5",
        },
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


def row_counts(db: Path) -> dict[str, int]:
    """Rows of every table that an input could change (read-only; the daemon keeps running)."""
    tables = ("inbox", "outbox", "exceptions", "exception_events", "return_cases", "timeline", "refunds")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
