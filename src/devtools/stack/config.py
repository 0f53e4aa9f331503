"""What a stack's daemon runs with: its TOML file and its environment, in two presets. The demo's
(also the e2e tests') has fast schedules, an outlet channel and a short orphan horizon; the
benchmarks' (also the chaos run's) leaves the rest at the daemon's defaults, so figures measure them.

The environment written to `var/demo.env` is the one the daemon runs with, so
`backflow tui --env-file var/demo.env` (and any one-shot command) sees the same data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from backflow.devtools.net import HOST
from backflow.devtools.shop import (
    CT_CLIENT,
    CT_PROJECT,
    OUTLET_CHANNEL,
    RB_CLIENT,
    REASON_TYPE_KEY,
    REASONS,
    SUPPLY_CHANNEL,
)
from backflow.devtools.stack.layout import Endpoints, Layout, Secrets

Value = str | int | float

NOTES = {
    "shipping-refund": "The simulated ReBound account proposes refunds without shipping (shippingRefund 0), "
    'so Backflow\n# refunds none either; "when-fully-returned" would make every fully returned order a '
    "mismatch.",
    "orphan-horizon-seconds": "Returns whose order never arrives become orphan returns this soon "
    "(production: hours).",
}
"""Comments written above a setting, for whoever opens `var/demo.toml`."""


@dataclass(frozen=True)
class DaemonConfig:
    policies: Mapping[str, Value]
    schedule: Mapping[str, Value]
    reasons: Mapping[str, str] = field(default_factory=lambda: dict(REASONS))


def demo_config(
    *, orphan_horizon_seconds: int, reasons: Mapping[str, str] = REASONS, catchup_seconds: float = 20.0
) -> DaemonConfig:
    """Most reason texts mapped, a supply and an outlet channel, fast schedules."""
    return DaemonConfig(
        reasons=dict(reasons),
        policies={
            "supply-channel-id": SUPPLY_CHANNEL,
            "outlet-channel-id": OUTLET_CHANNEL,
            "shipping-refund": "never",
            "orphan-horizon-seconds": orphan_horizon_seconds,
            "sync-lag-limit-seconds": 60,
            "reason-type-key": REASON_TYPE_KEY,
        },
        schedule={
            "message-poll-seconds": 2.0,
            "order-sweep-seconds": 20.0,
            "rebound-catchup-seconds": catchup_seconds,
            "held-returns-seconds": 3.0,
            "sync-lag-check-seconds": 10.0,
        },
    )


BENCH_CONFIG = DaemonConfig(
    policies={"supply-channel-id": SUPPLY_CHANNEL, "orphan-horizon-seconds": 3600},
    schedule={"message-poll-seconds": 1.0, "held-returns-seconds": 2.0},
)

DEMO_TUNING = {
    "BACKFLOW_HTTP_HOST": HOST,
    "BACKFLOW_POLL_SECONDS": "0.5",
    "BACKFLOW_LEASE_SECONDS": "10",
    "BACKFLOW_INSTANCE_LEASE_SECONDS": "5",
    "BACKFLOW_SHUTDOWN_GRACE_SECONDS": "5",
    "BACKFLOW_LOG_LEVEL": "WARNING",
}
# No BACKFLOW_HTTP_HOST: the e2e binding test checks the daemon's own default.
BENCH_TUNING = {"BACKFLOW_LOG_LEVEL": "INFO", "OTEL_TRACES_EXPORTER": "none"}


def config_toml(config: DaemonConfig) -> str:
    lines = ["# Written by the devtools launcher. Reason texts not listed here raise `unmapped_reason_code`."]
    lines += ["[reasons]", *(f"{_value(text)} = {_value(code)}" for text, code in config.reasons.items())]
    for table, settings in (("policies", config.policies), ("schedule", config.schedule)):
        lines += ["", f"[{table}]"]
        for key, value in settings.items():
            if key in NOTES:
                lines.append(f"# {NOTES[key]}")
            lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value: Value) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def daemon_env(layout: Layout, ends: Endpoints, secrets: Secrets) -> dict[str, str]:
    """What `backflow run` (and the TUI, and one-shot commands) need to reach this stack."""
    return {
        "BACKFLOW_HTTP_PORT": str(ends.daemon_port),
        "BACKFLOW_ADMIN_TOKEN": secrets.admin_token,
        "BACKFLOW_DB": str(layout.db.resolve()),
        "BACKFLOW_CONFIG": str(layout.config.resolve()),
        "CTP_PROJECT_KEY": CT_PROJECT,
        "CTP_CLIENT_ID": CT_CLIENT,
        "CTP_CLIENT_SECRET": secrets.ctp_client_secret,
        "CTP_AUTH_URL": ends.commercetools,
        "CTP_API_URL": ends.commercetools,
        "REBOUND_API_URL": ends.rebound,
        "REBOUND_CLIENT_ID": RB_CLIENT,
        "REBOUND_CLIENT_SECRET": secrets.rebound_client_secret,
        "REBOUND_WEBHOOK_SECRET": secrets.webhook_secret,
    }


def env_file_text(layout: Layout, env: dict[str, str]) -> str:
    lines = [f"# The running stack: `backflow tui --env-file {layout.env_file}`; a demo's: `make demo-stop`."]
    lines += [f"{name}={value}" for name, value in env.items()]
    return "\n".join(lines) + "\n"
