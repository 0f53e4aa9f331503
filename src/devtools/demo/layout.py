"""Where a demo lives (`var/`) and what it is configured with: ports, secrets, the TOML file, the env.

Everything is on 127.0.0.1. The environment written to `var/demo.env` is the one the daemon runs
with, so `backflow tui --env-file var/demo.env` (and any one-shot command) sees the same data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from devtools.net import HOST, free_ports

SUPPLY_CHANNEL = "5e1f0c52-3a4d-4c1e-9b7a-0d3c2a1b0001"  # the warehouse sellable stock goes to
OUTLET_CHANNEL = "5e1f0c52-3a4d-4c1e-9b7a-0d3c2a1b0002"  # where OUTLET/REFURBISH items go
# The simulated portal's reason texts; "Not as described" and the odd free texts stay unmapped on
# purpose, so merchandising sees `unmapped_reason_code` exceptions in the demo.
REASONS = {
    "Too large": "TOO_LARGE",
    "Too small": "TOO_SMALL",
    "Faulty": "FAULTY",
    "Changed my mind": "CHANGED_MIND",
}
REASON_KEYS = (*REASONS.values(), "NOT_AS_DESCRIBED", "OTHER")
REASON_TYPE_KEY = "backflow-return-item"
CT_PROJECT, CT_CLIENT, CT_SECRET = "backflow-demo", "demo-client", "demo-client-secret"
RB_CLIENT, RB_SECRET = "backflow", "sim-client-secret"  # the ReBound simulator's built-in API client


@dataclass(frozen=True)
class Layout:
    """The files of one demo under `var/`."""

    var: Path

    @property
    def db(self) -> Path:
        return self.var / "demo.sqlite3"

    @property
    def config(self) -> Path:
        return self.var / "demo.toml"

    @property
    def env_file(self) -> Path:
        return self.var / "demo.env"

    @property
    def pids(self) -> Path:
        return self.var / "demo.pids"

    def log(self, name: str) -> Path:
        return self.var / f"{name}.log"


@dataclass(frozen=True)
class Endpoints:
    daemon_port: int
    ct_port: int
    rb_port: int
    admin_token: str
    webhook_secret: str

    @classmethod
    def allocate(cls) -> Endpoints:
        daemon, ct, rb = free_ports(3)
        return cls(
            daemon_port=daemon,
            ct_port=ct,
            rb_port=rb,
            admin_token=secrets.token_urlsafe(24),
            webhook_secret="whsec-demo-" + secrets.token_urlsafe(18),
        )

    @property
    def daemon(self) -> str:
        return f"http://{HOST}:{self.daemon_port}"

    @property
    def commercetools(self) -> str:
        return f"http://{HOST}:{self.ct_port}"

    @property
    def rebound(self) -> str:
        return f"http://{HOST}:{self.rb_port}"


def daemon_env(layout: Layout, ends: Endpoints) -> dict[str, str]:
    """What `backflow run` (and the TUI, and one-shot commands) need to reach this demo."""
    return {
        "BACKFLOW_HTTP_HOST": HOST,
        "BACKFLOW_HTTP_PORT": str(ends.daemon_port),
        "BACKFLOW_ADMIN_TOKEN": ends.admin_token,
        "BACKFLOW_DB": str(layout.db.resolve()),
        "BACKFLOW_CONFIG": str(layout.config.resolve()),
        "BACKFLOW_POLL_SECONDS": "0.5",
        "BACKFLOW_LEASE_SECONDS": "10",
        "BACKFLOW_SHUTDOWN_GRACE_SECONDS": "5",
        "BACKFLOW_LOG_LEVEL": "WARNING",
        "CTP_PROJECT_KEY": CT_PROJECT,
        "CTP_CLIENT_ID": CT_CLIENT,
        "CTP_CLIENT_SECRET": CT_SECRET,
        "CTP_AUTH_URL": ends.commercetools,
        "CTP_API_URL": ends.commercetools,
        "REBOUND_API_URL": ends.rebound,
        "REBOUND_CLIENT_ID": RB_CLIENT,
        "REBOUND_CLIENT_SECRET": RB_SECRET,
        "REBOUND_WEBHOOK_SECRET": ends.webhook_secret,
    }


def env_file_text(env: dict[str, str]) -> str:
    lines = ["# The running demo: `backflow tui --env-file var/demo.env`; stop with `make demo-stop`."]
    lines += [f"{name}={value}" for name, value in env.items()]
    return "\n".join(lines) + "\n"


def config_toml(
    *, orphan_horizon_seconds: int, reasons: dict[str, str] | None = None, catchup_seconds: float = 20.0
) -> str:
    """The daemon's TOML: most reason texts mapped, a supply and an outlet channel, fast schedules."""
    table = REASONS if reasons is None else reasons
    mapped = "\n".join(f'"{text}" = "{key}"' for text, key in table.items())
    return f"""# Written by `backflow demo`. Reason texts not listed here raise `unmapped_reason_code`.
[reasons]
{mapped}

[policies]
supply-channel-id = "{SUPPLY_CHANNEL}"
outlet-channel-id = "{OUTLET_CHANNEL}"
# The simulated ReBound account proposes refunds without shipping (shippingRefund 0), so Backflow
# refunds none either; "when-fully-returned" would make every fully returned order a mismatch.
shipping-refund = "never"
# Returns whose order never arrives become orphan returns this soon (production: hours).
orphan-horizon-seconds = {orphan_horizon_seconds}
sync-lag-limit-seconds = 60
reason-type-key = "{REASON_TYPE_KEY}"

[schedule]
message-poll-seconds = 2.0
order-sweep-seconds = 20.0
rebound-catchup-seconds = {catchup_seconds}
held-returns-seconds = 3.0
sync-lag-check-seconds = 10.0
"""
