"""Where a stack lives and how it is reached: its files under one directory (`var/` for the demo), the
ports on 127.0.0.1 and the secrets the daemon and the simulators share."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from backflow.devtools.net import HOST, free_ports
from backflow.devtools.shop import CT_SECRET, RB_SECRET

PROCESS_NAMES = ("commercetools-sim", "rebound-sim", "daemon")
REPLICA_PREFIX = "daemon-"


@dataclass(frozen=True)
class Layout:
    """The files of one stack: `{stem}.sqlite3`, `.toml`, `.env`, `.pids`, and one log per process."""

    var: Path
    stem: str = "demo"

    @property
    def db(self) -> Path:
        return self.var / f"{self.stem}.sqlite3"

    @property
    def config(self) -> Path:
        return self.var / f"{self.stem}.toml"

    @property
    def env_file(self) -> Path:
        return self.var / f"{self.stem}.env"

    @property
    def pids(self) -> Path:
        return self.var / f"{self.stem}.pids"

    def log(self, name: str) -> Path:
        return self.var / f"{name}.log"

    def logs(self) -> list[Path]:
        """Every process's log, the replicas' (`daemon-1.log`, …) included."""
        replicas = sorted(self.var.glob(f"{REPLICA_PREFIX}*.log"))
        return [*(self.log(name) for name in PROCESS_NAMES), *replicas]

    def clear(self) -> None:
        """A fresh start: no database (nor its -wal/-shm files) and no logs of an earlier run."""
        self.var.mkdir(parents=True, exist_ok=True)
        for stale in [*self.var.glob(f"{self.db.name}*"), *self.logs()]:
            stale.unlink(missing_ok=True)


def replica_name(index: int) -> str:
    """Replica 0 is `daemon-1`: the name of its process and of its log."""
    return f"{REPLICA_PREFIX}{index + 1}"


@dataclass(frozen=True)
class Endpoints:
    daemon_port: int
    """The daemon's front door: the daemon itself, or the load balancer before several replicas."""
    ct_port: int
    rb_port: int
    replica_ports: tuple[int, ...] = ()
    """Each replica's own port, when the daemon runs as several replicas behind the balancer."""

    @classmethod
    def allocate(cls, replicas: int = 1) -> Endpoints:
        daemon, ct, rb, *own = free_ports(3 + (replicas if replicas > 1 else 0))
        return cls(daemon_port=daemon, ct_port=ct, rb_port=rb, replica_ports=tuple(own))

    def with_replicas(self, replicas: int) -> Endpoints:
        """These ports, and one more free port per replica."""
        taken = {self.daemon_port, self.ct_port, self.rb_port}
        own = [port for port in free_ports(replicas + len(taken)) if port not in taken][:replicas]
        return replace(self, replica_ports=tuple(own))

    @property
    def daemon(self) -> str:
        return f"http://{HOST}:{self.daemon_port}"

    def replica(self, index: int) -> str:
        return f"http://{HOST}:{self.replica_ports[index]}"

    @property
    def commercetools(self) -> str:
        return f"http://{HOST}:{self.ct_port}"

    @property
    def rebound(self) -> str:
        return f"http://{HOST}:{self.rb_port}"


def _admin_token() -> str:
    return secrets.token_urlsafe(24)


def _webhook_secret() -> str:
    return "whsec-demo-" + secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Secrets:
    """What the daemon and the simulators are configured with; a test may pass distinctive values to
    grep for leaks. The admin token and webhook secret are fresh for every stack by default."""

    ctp_client_secret: str = CT_SECRET
    rebound_client_secret: str = RB_SECRET
    webhook_secret: str = field(default_factory=_webhook_secret)
    admin_token: str = field(default_factory=_admin_token)

    def values(self) -> list[str]:
        return [self.ctp_client_secret, self.rebound_client_secret, self.webhook_secret, self.admin_token]
