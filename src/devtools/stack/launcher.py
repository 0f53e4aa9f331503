"""The one stack launcher: both simulators (`backflow sim …`) and the daemon (`backflow run`) as
processes on 127.0.0.1, every file under one directory. Blocking by design (processes are started,
signalled and waited for); async callers run it in a worker thread. Nothing waits without a deadline.

Two presets: `demo_stack` (the demo and the e2e tests: fast schedules, `/readyz` before going on) and
`bench_stack` (the benchmarks, the chaos run and the e2e process checks: the daemon's defaults,
`/healthz` before going on, since a restart during an outage is not ready until the outage ends)."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backflow.devtools.net import wait_for
from backflow.devtools.shop import CT_CLIENT, CT_PROJECT
from backflow.devtools.stack import processes
from backflow.devtools.stack.config import (
    BENCH_CONFIG,
    BENCH_TUNING,
    DEMO_TUNING,
    DaemonConfig,
    config_toml,
    daemon_env,
    demo_config,
    env_file_text,
)
from backflow.devtools.stack.http import request
from backflow.devtools.stack.layout import Endpoints, Layout, Secrets
from backflow.devtools.stack.processes import Child, StartError

CALLERS_SETTINGS = ("BACKFLOW_", "CTP_", "REBOUND_")
"""Variables of the caller's shell a stack never inherits: it is described by its own env only."""
LOG_TAIL = 3000


@dataclass
class Stack:
    layout: Layout
    config: DaemonConfig
    tuning: Mapping[str, str] = field(default_factory=dict)
    """The daemon's environment beyond what reaches the stack: poll interval, log level, OTel…"""
    secrets: Secrets = field(default_factory=Secrets)
    ends: Endpoints = field(default_factory=Endpoints.allocate)
    ready_path: str = "/readyz"
    ready_within: float = 30.0
    simulators: list[Child] = field(default_factory=list)
    daemon: Child | None = None
    starts: int = 0
    """Daemon starts so far (the chaos run reports them)."""
    env: dict[str, str] = field(default_factory=dict)
    """The daemon's own environment, also written to the env file; set by `prepare`."""

    @property
    def url(self) -> str:
        return self.ends.daemon

    @property
    def ct(self) -> str:
        return self.ends.commercetools

    @property
    def rb(self) -> str:
        return self.ends.rebound

    @property
    def port(self) -> int:
        return self.ends.daemon_port

    @property
    def db(self) -> Path:
        return self.layout.db

    @property
    def children(self) -> list[Child]:
        return [*self.simulators, *([self.daemon] if self.daemon else [])]

    # ---------------------------------------------------------------- files and environment
    def prepare(self) -> dict[str, str]:
        """A fresh directory: no old database or logs, a new TOML file and env file."""
        self.layout.clear()
        self.write_config(self.config)
        self.env = daemon_env(self.layout, self.ends, self.secrets) | dict(self.tuning)
        self.layout.env_file.write_text(env_file_text(self.layout, self.env))
        return self.env

    def write_config(self, config: DaemonConfig) -> None:
        self.config = config
        self.layout.config.write_text(config_toml(config))

    def child_env(self) -> dict[str, str]:
        """What a stack process (or a one-shot `backflow` command against the stack) runs with."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(CALLERS_SETTINGS)}
        return inherited | self.env

    # ---------------------------------------------------------------- processes
    def start(self, *daemon_args: str) -> None:
        """Prepare, start both simulators, then the daemon (it reaches both at start-up). On failure
        everything started is stopped, and the StartError says how each process stood."""
        self.prepare()
        try:
            self.start_simulators()
            self.start_daemon(*daemon_args)
        except BaseException as failed:
            states = [(c.name, processes.alive(c.pid), processes.exit_status(c.pid)) for c in self.children]
            self.stop()
            raise StartError(f"{failed}; children: {states}") from failed

    def start_simulators(self, *, rebound_seed: int = 1) -> None:
        """Both simulators, each until its control surface answers (after `prepare`)."""
        assert self.env, "prepare() the stack first"
        ct = ["sim", "commercetools", "--port", str(self.ends.ct_port), "--project-key", CT_PROJECT]
        ct += ["--client-id", CT_CLIENT, "--client-secret", self.secrets.ctp_client_secret]
        ct += ["--push-url", f"{self.url}/events/commercetools"]
        rb = ["sim", "rebound", "--port", str(self.ends.rb_port), "--seed", str(rebound_seed)]
        rb += ["--client-secret", self.secrets.rebound_client_secret]
        rb += ["--webhook-secret", self.secrets.webhook_secret]
        rb += ["--webhook-url", f"{self.url}/webhooks/rebound"]
        self.simulators = [self._spawn("commercetools-sim", ct)]
        self.simulators.append(self._spawn("rebound-sim", rb))
        self._wait_ready(f"{self.ct}/_sim/stats", self.simulators[0])
        self._wait_ready(f"{self.rb}/_sim/state", self.simulators[1])

    def start_daemon(self, *args: str) -> Child:
        """`backflow run ARGS`, until it answers `ready_path`."""
        assert self.env, "prepare() the stack first"
        daemon = self.daemon = self._spawn("daemon", ["run", *args])
        self.starts += 1
        self._wait_ready(f"{self.url}{self.ready_path}", daemon)
        return daemon

    def kill_daemon(self) -> None:
        """SIGKILL, and wait until it is gone."""
        if self.daemon is not None:
            processes.stop([self.daemon], sig=signal.SIGKILL)

    def stop_daemon(self, sig: signal.Signals = signal.SIGTERM, within: float = 30.0) -> int | None:
        """Signal the daemon and wait for it to exit: its exit status (negative: killed by that signal),
        or None if it outlived `within` (it is killed then)."""
        if self.daemon is None:
            return None
        pid = self.daemon.pid
        if processes.alive(pid):
            os.kill(pid, sig)
            try:
                wait_for(lambda: not processes.alive(pid), within, "the daemon to exit")
            except TimeoutError:
                self.kill_daemon()
                return None
        return processes.exit_status(pid)

    def stop(self, *, grace: float = 10.0) -> list[str]:
        """The daemon first (it drains while both platforms still answer), then the simulators."""
        said = processes.stop([self.daemon], grace=grace * 3) if self.daemon else []
        return said + processes.stop(self.simulators, grace=grace)

    def _spawn(self, name: str, args: list[str]) -> Child:
        child = processes.spawn(name, args, self.child_env(), self.layout.log(name))
        # Recorded at once, so that `backflow demo --stop` finds it even if this process dies now.
        processes.record(self.layout.pids, [*(c for c in self.children if c.name != name), child])
        return child

    def _wait_ready(self, url: str, child: Child) -> None:
        try:
            processes.wait_ready(url, child, within=self.ready_within)
        except StartError as failed:
            log = self.layout.log(child.name)
            tail = log.read_text(errors="replace")[-LOG_TAIL:] if log.exists() else ""
            raise StartError(f"{failed}\n{tail}") from None
        processes.record(self.layout.pids, self.children)

    # ---------------------------------------------------------------- reaching it
    def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        bearer = {"Authorization": f"Bearer {self.secrets.admin_token}"}
        return request(method, self.url + path, body, headers=bearer)

    def ct_faults(self, rules: list[dict[str, Any]]) -> None:
        status, answer = request("PUT", f"{self.ct}/_sim/faults", rules)
        assert status == 200, answer

    def rb_faults(self, **knobs: Any) -> None:
        status, answer = request("POST", f"{self.rb}/_sim/faults", knobs)
        assert status == 200, answer

    def outputs(self) -> str:
        """Everything every process wrote."""
        return "".join(log.read_text(errors="replace") for log in self.layout.logs() if log.exists())


BENCH_SECRETS = Secrets(
    ctp_client_secret="ctp-secret-bench",
    rebound_client_secret="rebound-secret-bench",
    webhook_secret="whsec-bench",
    admin_token="admin-token-bench-0123456789",
)
"""Fixed, so that `bench/contenders.py` (another process) signs and authenticates as the stack does."""


def demo_stack(var: Path, *, orphan_horizon: int, tuning: Mapping[str, str] = DEMO_TUNING) -> Stack:
    return Stack(Layout(var), demo_config(orphan_horizon_seconds=orphan_horizon), tuning=tuning)


def bench_stack(
    workdir: Path, *, secrets: Secrets | None = None, env: Mapping[str, str] | None = None
) -> Stack:
    return Stack(
        Layout(workdir, stem="backflow"),
        BENCH_CONFIG,
        tuning=BENCH_TUNING | dict(env or {}),
        secrets=secrets or BENCH_SECRETS,
        ready_path="/healthz",
        ready_within=60.0,
    )
