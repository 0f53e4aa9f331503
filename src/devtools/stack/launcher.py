"""The one stack launcher: both simulators (`backflow sim …`) and the daemon (`backflow run`) as
processes on 127.0.0.1, every file under one directory. Blocking by design (processes are started,
signalled and waited for); async callers run it in a worker thread. Nothing waits without a deadline.

Two presets: `demo_stack` (the demo and the e2e tests: fast schedules, `/readyz` before going on) and
`bench_stack` (the benchmarks, the chaos run and the e2e process checks: the daemon's defaults,
`/healthz` before going on, since a restart during an outage is not ready until the outage ends).

The daemon is one process, or, on a PostgreSQL database (`db_url`), several replicas, each on its own
port with its own log, started, killed and restarted one by one, behind a load balancer (balancer.py)
that is then the front door: `url`, the simulators' push and webhook target, the admin API's address."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backflow.app.orders.commerce_events import ORDER_MESSAGE_TYPES
from backflow.devtools.net import wait_for
from backflow.devtools.shop import CT_CLIENT, CT_PROJECT
from backflow.devtools.stack import processes
from backflow.devtools.stack.balancer import Balancer
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
from backflow.devtools.stack.layout import Endpoints, Layout, Secrets, replica_name
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
    replicas: int = 1
    db_url: str | None = None
    """A `postgresql://` database instead of the layout's SQLite file (needed for several replicas)."""
    simulators: list[Child] = field(default_factory=list)
    daemons: dict[int, Child] = field(default_factory=dict)
    """The daemon processes by replica index (0 alone for a single daemon), killed ones included."""
    balancer: Balancer | None = None
    starts: int = 0
    """Daemon starts so far, every replica's (the chaos run reports them)."""
    env: dict[str, str] = field(default_factory=dict)
    """The daemon's own environment, also written to the env file; set by `prepare`."""

    def __post_init__(self) -> None:
        if self.replicas > 1 and not (self.db_url or "").startswith("postgresql://"):
            raise ValueError(
                f"{self.replicas} replicas need a postgresql:// database (db_url): SQLite has one writer"
            )
        if self.replicas > 1 and len(self.ends.replica_ports) != self.replicas:
            self.ends = self.ends.with_replicas(self.replicas)  # the caller's ports kept

    @property
    def daemon(self) -> Child | None:
        """The single daemon (replica 0 when there are several)."""
        return self.daemons.get(0)

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

    def replica_url(self, index: int) -> str:
        """Replica `index` itself, past the balancer (the daemon itself when it is alone)."""
        return self.ends.replica(index) if self.replicas > 1 else self.url

    def live_replicas(self) -> list[int]:
        return [i for i, child in sorted(self.daemons.items()) if processes.alive(child.pid)]

    @property
    def children(self) -> list[Child]:
        return [*self.simulators, *(self.daemons[i] for i in sorted(self.daemons))]

    # ---------------------------------------------------------------- files and environment
    def prepare(self) -> dict[str, str]:
        """A fresh directory: no old database or logs, a new TOML file and env file."""
        self.layout.clear()
        self.write_config(self.config)
        self.env = daemon_env(self.layout, self.ends, self.secrets) | dict(self.tuning)
        if self.db_url:
            self.env["BACKFLOW_DB"] = self.db_url
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
        # The subscription a retailer creates: only the messages Backflow reads (docs/commercetools.md).
        ct += ["--push-url", f"{self.url}/events/commercetools"]
        ct += ["--push-types", ",".join(ORDER_MESSAGE_TYPES)]
        rb = ["sim", "rebound", "--port", str(self.ends.rb_port), "--seed", str(rebound_seed)]
        rb += ["--client-secret", self.secrets.rebound_client_secret]
        rb += ["--webhook-secret", self.secrets.webhook_secret]
        rb += ["--webhook-url", f"{self.url}/webhooks/rebound"]
        self.simulators = [self._spawn("commercetools-sim", ct)]
        self.simulators.append(self._spawn("rebound-sim", rb))
        self._wait_ready(f"{self.ct}/_sim/stats", self.simulators[0])
        self._wait_ready(f"{self.rb}/_sim/state", self.simulators[1])

    def start_daemon(self, *args: str) -> Child:
        """`backflow run ARGS`, until it answers `ready_path`; with several replicas, the balancer and
        every replica not running (replica 0 is returned)."""
        if self.replicas == 1:
            return self.start_replica(0, *args)
        if self.balancer is None:
            self.balancer = Balancer(
                self.ends.daemon_port, [self.ends.replica(i) for i in range(self.replicas)]
            )
            self.balancer.start()
        for index in range(self.replicas):
            if index not in self.live_replicas():
                self.start_replica(index, *args)
        return self.daemons[0]

    def start_replica(self, index: int, *args: str) -> Child:
        """Replica `index` (`backflow run ARGS` on its own port), until it answers `ready_path`."""
        assert self.env, "prepare() the stack first"
        name, env = "daemon", None
        if self.replicas > 1:
            name, env = (
                replica_name(index),
                self.env | {"BACKFLOW_HTTP_PORT": str(self.ends.replica_ports[index])},
            )
        daemon = self.daemons[index] = self._spawn(name, ["run", *args], env)
        self.starts += 1
        self._wait_ready(f"{self.replica_url(index)}{self.ready_path}", daemon)
        return daemon

    def kill_daemon(self) -> None:
        """SIGKILL every replica, and wait until they are gone."""
        processes.stop(list(self.daemons.values()), sig=signal.SIGKILL)

    def kill_replica(self, index: int) -> None:
        """SIGKILL replica `index`, and wait until it is gone."""
        processes.stop([self.daemons[index]], sig=signal.SIGKILL)

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
        said = processes.stop(list(self.daemons.values()), grace=grace * 3)
        if self.balancer is not None:
            self.balancer.stop()
            self.balancer = None
        return said + processes.stop(self.simulators, grace=grace)

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Child:
        child = processes.spawn(name, args, self.child_env() | (env or {}), self.layout.log(name))
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
    workdir: Path,
    *,
    secrets: Secrets | None = None,
    env: Mapping[str, str] | None = None,
    db_url: str | None = None,
    replicas: int = 1,
) -> Stack:
    return Stack(
        Layout(workdir, stem="backflow"),
        BENCH_CONFIG,
        tuning=BENCH_TUNING | dict(env or {}),
        secrets=secrets or BENCH_SECRETS,
        ready_path="/healthz",
        ready_within=60.0,
        replicas=replicas,
        db_url=db_url,
    )
