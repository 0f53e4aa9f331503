"""Both simulators and the daemon as separate processes on 127.0.0.1, for the benchmarks and the chaos run.

Every process writes its stdout/stderr to a file in the work directory, so a run can be read
afterwards (and grepped for secrets). Nothing here waits without a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.net import free_port, listening, wait_for

ROOT = Path(__file__).resolve().parent.parent
SUPPLY_CHANNEL = "6f1c4c52-1f5e-4c44-9a53-3d9b7a0c0001"
REASONS = {
    "Too large": "TOO_LARGE",
    "Too small": "TOO_SMALL",
    "Faulty": "FAULTY",
    "Changed my mind": "CHANGED_MIND",
    "Not as described": "NOT_AS_DESCRIBED",
}


@dataclass(frozen=True)
class Secrets:
    """What the daemon is configured with; distinctive values let a test grep for leaks."""

    ctp_client_secret: str = "ctp-secret-bench"
    rebound_client_secret: str = "rebound-secret-bench"
    webhook_secret: str = "whsec-bench"
    admin_token: str = "admin-token-bench-0123456789"

    def values(self) -> list[str]:
        return [self.ctp_client_secret, self.rebound_client_secret, self.webhook_secret, self.admin_token]


def request(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One JSON call (or `raw` bytes as the body); (0, None) when nothing answered."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    merged = {"Content-Type": "application/json"} | (headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=merged)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            raw = response.read()
            return int(response.status), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return int(error.code), json.loads(raw) if raw else None
        except ValueError:
            return int(error.code), raw.decode(errors="replace")
    except OSError:
        return 0, None


def read_proc(pid: int) -> tuple[float, float]:
    """(CPU seconds user+system, RSS MB) of a process, from /proc (no psutil)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of stat)
    rss_kb = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return cpu, rss_kb / 1024


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the highest RSS the process reached."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Stack:
    workdir: Path
    secrets: Secrets = field(default_factory=Secrets)
    ct_port: int = field(default_factory=free_port)
    rb_port: int = field(default_factory=free_port)
    port: int = field(default_factory=free_port)
    ct_concurrency: int = 16
    """`CTP_MAX_CONCURRENCY` of the daemon (the adapter's default)."""
    rb_concurrency: int = 16
    """`REBOUND_MAX_CONCURRENCY` of the daemon (the adapter's default)."""
    daemon_env_extra: dict[str, str] = field(default_factory=dict)
    config_extra: str = ""
    sims: list[subprocess.Popen[bytes]] = field(default_factory=list)
    daemon: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def ct(self) -> str:
        return f"http://127.0.0.1:{self.ct_port}"

    @property
    def rb(self) -> str:
        return f"http://127.0.0.1:{self.rb_port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db(self) -> Path:
        return self.workdir / "backflow.sqlite3"

    def _spawn(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        out = (self.workdir / f"{name}.out").open("ab")
        err = (self.workdir / f"{name}.err").open("ab")
        try:
            return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=err)
        finally:
            out.close()
            err.close()

    def start_simulators(self, *, rebound_seed: int = 1) -> None:
        py = sys.executable
        ct = [py, "-m", "devtools.commercetools_sim", "--port", str(self.ct_port)]
        ct += ["--client-secret", self.secrets.ctp_client_secret]
        ct += ["--push-url", f"{self.url}/events/commercetools"]
        rb = [
            py,
            "-m",
            "devtools.rebound_sim",
            "--port",
            str(self.rb_port),
            "--seed",
            str(rebound_seed),
        ]
        rb += ["--client-secret", self.secrets.rebound_client_secret]
        rb += ["--webhook-secret", self.secrets.webhook_secret]
        rb += ["--webhook-url", f"{self.url}/webhooks/rebound"]
        self.sims = [self._spawn("commercetools-sim", ct), self._spawn("rebound-sim", rb)]
        wait_for(lambda: listening(self.ct_port) and listening(self.rb_port), 30, "the simulators")

    def write_config(self) -> Path:
        reasons = "\n".join(f'"{text}" = "{key}"' for text, key in REASONS.items())
        path = self.workdir / "backflow.toml"
        path.write_text(
            f'[reasons]\n{reasons}\n\n[policies]\nsupply-channel-id = "{SUPPLY_CHANNEL}"\n'
            "orphan-horizon-seconds = 3600\n\n"
            "[schedule]\nmessage-poll-seconds = 1.0\nheld-returns-seconds = 2.0\n" + self.config_extra
        )
        return path

    def env(self) -> dict[str, str]:
        s = self.secrets
        return (
            {k: v for k, v in os.environ.items() if not k.startswith(("BACKFLOW_", "CTP_", "REBOUND_"))}
            | {
                "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
                "CTP_PROJECT_KEY": "backflow-sim",
                "CTP_CLIENT_ID": "sim-client",
                "CTP_CLIENT_SECRET": s.ctp_client_secret,
                "CTP_AUTH_URL": self.ct,
                "CTP_API_URL": self.ct,
                "CTP_MAX_CONCURRENCY": str(self.ct_concurrency),
                "REBOUND_API_URL": self.rb,
                "REBOUND_MAX_CONCURRENCY": str(self.rb_concurrency),
                "REBOUND_CLIENT_ID": "backflow",
                "REBOUND_CLIENT_SECRET": s.rebound_client_secret,
                "REBOUND_WEBHOOK_SECRET": s.webhook_secret,
                "BACKFLOW_ADMIN_TOKEN": s.admin_token,
                "BACKFLOW_DB": str(self.db),
                "BACKFLOW_CONFIG": str(self.write_config()),
                "BACKFLOW_HTTP_PORT": str(self.port),
                "BACKFLOW_LOG_LEVEL": "INFO",
                "OTEL_TRACES_EXPORTER": "none",
            }
            | self.daemon_env_extra
        )

    def start_daemon(self, *, ready_within: float = 60) -> subprocess.Popen[bytes]:
        self.daemon = self._spawn("daemon", [sys.executable, "-m", "app.cli", "run"], self.env())
        self.starts += 1
        daemon = self.daemon

        def up() -> bool:
            if daemon.poll() is not None:
                tail = (self.workdir / "daemon.err").read_text()[-3000:]
                raise RuntimeError(f"the daemon exited ({daemon.returncode}):\n{tail}")
            return request("GET", f"{self.url}/healthz", timeout=2)[0] == 200

        wait_for(up, ready_within, "the daemon to answer /healthz")
        return daemon

    def kill_daemon(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGKILL)
            self.daemon.wait(timeout=10)

    def stop_daemon(self, within: float = 30) -> int | None:
        if self.daemon is None or self.daemon.poll() is not None:
            return None if self.daemon is None else self.daemon.returncode
        self.daemon.send_signal(signal.SIGTERM)
        try:
            return self.daemon.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait(timeout=10)
            return None

    def stop(self) -> None:
        self.stop_daemon()
        for process in self.sims:
            if process.poll() is None:
                process.terminate()
        for process in self.sims:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return request(method, self.url + path, body, {"Authorization": f"Bearer {self.secrets.admin_token}"})

    def ct_faults(self, rules: list[dict[str, Any]]) -> None:
        status, answer = request("PUT", f"{self.ct}/_sim/faults", rules)
        assert status == 200, answer

    def rb_faults(self, **knobs: Any) -> None:
        status, answer = request("POST", f"{self.rb}/_sim/faults", knobs)
        assert status == 200, answer

    def outputs(self) -> str:
        """Everything every process wrote."""
        return "".join(
            p.read_text(errors="replace")
            for p in sorted(self.workdir.glob("*.out")) + sorted(self.workdir.glob("*.err"))
        )


def deadline(seconds: float) -> float:
    return time.monotonic() + seconds
