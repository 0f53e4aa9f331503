"""A real daemon for the TUI's pilot tests: both simulators, a temp SQLite file, a fixed port on 127.0.0.1
(so a test can stop it and start it again where the TUI expects it), seeded through the store's ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import TaskGroup, TaskStatus
from opentelemetry.sdk.trace import TracerProvider

from backflow.app.bootstrap import Daemon, bootstrap
from backflow.app.core.declarations import ActorSpec
from backflow.app.core.settings import Settings
from backflow.devtools.net import free_port
from backflow.ports.outbox import RetryPolicy
from backflow.tui.app import BackflowApp, make_app
from backflow.tui.config import ClientConfig
from backflow.tui.history import Backoff
from tests.integration.runtime.conftest import (  # noqa: F401  (fixtures used by name)
    FAST,
    QUICK_RESTART,
    Sims,
    registry,
    sims,
)
from tests.tui.seed import ADMIN_TOKEN, Switchable, seed

TEST_TIMEOUT = 40
pytestmark = pytest.mark.timeout(90)


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    # A blinking cursor makes screenshots and timings depend on when they are taken.
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)


@dataclass
class LiveDaemon:
    """Start, stop and restart one daemon on one port and database; `handler` drives the `ack` queue.

    Each run lives in a task of its own (in the fixture's task group), so a test may stop and start
    it from inside its own cancel scopes.
    """

    tmp_path: Path
    sims: Sims
    tasks: TaskGroup
    port: int = field(default_factory=free_port)
    handler: Switchable = field(default_factory=Switchable)
    daemon: Daemon | None = None
    _stop: anyio.Event | None = None
    _stopped: anyio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Daemon:
        self._stop, self._stopped = anyio.Event(), anyio.Event()
        self.daemon = await self.tasks.start(self._serve, self._stop, self._stopped)
        return self.daemon

    async def stop(self) -> None:
        if self._stop is not None and self._stopped is not None:
            self._stop.set()
            await self._stopped.wait()
            self._stop = self._stopped = self.daemon = None

    async def _serve(
        self, stop: anyio.Event, stopped: anyio.Event, *, task_status: TaskStatus[Daemon]
    ) -> None:
        settings = Settings(
            db_path=self.tmp_path / "backflow.sqlite3",
            http_port=self.port,
            admin_token=ADMIN_TOKEN,
            runtime=FAST,
        )
        flows = registry(outbox_handlers={"ack": self.handler}, actors=[ActorSpec("acks", ("ack",))])
        try:
            async with (
                bootstrap(
                    settings,
                    flows,
                    env=self.sims.env,
                    tracer_provider=TracerProvider(),
                    retry_policy=RetryPolicy(max_attempts=1),
                    restart_policy=QUICK_RESTART,
                ) as built,
                anyio.create_task_group() as tg,
            ):
                await tg.start(lambda task_status: built.run(handle_signals=False, task_status=task_status))
                task_status.started(built)
                await stop.wait()
                built.runtime.stop()
        finally:
            stopped.set()

    def app(self, **kwargs: Any) -> BackflowApp:
        config = ClientConfig(url=self.url, token=ADMIN_TOKEN, actor="alice")
        kwargs.setdefault("poll_seconds", 0.2)
        kwargs.setdefault("backoff", Backoff(first=0.2, cap=0.5))
        return make_app(config, **kwargs)


@pytest.fixture
async def live(tmp_path: Path, sims: Sims) -> AsyncIterator[LiveDaemon]:  # noqa: F811
    async with anyio.create_task_group() as tasks:
        daemon = LiveDaemon(tmp_path, sims, tasks)
        await daemon.start()
        try:
            yield daemon
        finally:
            await daemon.stop()


@pytest.fixture
async def seeded(live: LiveDaemon) -> LiveDaemon:
    assert live.daemon is not None
    await seed(live.daemon)
    return live


async def until(check: Callable[[], Any], *, within: float = 10.0, interval: float = 0.05) -> Any:
    """Polls `check` while the app runs (pilot tests need the event loop free between checks)."""
    with anyio.fail_after(within):
        while True:
            if result := check():
                return result
            await anyio.sleep(interval)
