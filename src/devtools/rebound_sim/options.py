"""Every knob of the ReBound simulator; defaults give a well-behaved platform, tests turn faults on."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

DAY = 86_400.0


class SimOptions(msgspec.Struct, kw_only=True):
    seed: int = 1
    client_id: str = "backflow"
    client_secret: str = "sim-client-secret"
    flow_key: str | None = None
    """When set, every API call must carry it as `X-ReBound-Flow-Key`."""
    token_lifetime: float = 3600.0
    webhook_url: str | None = None
    webhook_secrets: tuple[str, ...] = ("whsec-sim",)
    time_scale: float = 0.0
    """Simulated seconds per real second while running; 0 means time moves only via /_sim/advance."""
    start: datetime = datetime(2026, 11, 20, tzinfo=UTC)
    refund_milestone: str = "HUB_RECEIVED"
    refund_outcome: str = "ORIGINAL_PAYMENT"
    # -- API faults
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    latency: float = 0.0
    """Real seconds added to every `/v2` call, as a distant API would (benchmarks)."""
    # -- portal and hubs
    flow_weights: dict[str, float] = msgspec.field(
        default_factory=lambda: {"STANDARD": 0.6, "DTR": 0.25, "RLIB": 0.15}
    )
    unknown_order_rate: float = 0.0
    """Share of returns booked for orders ReBound has not received (the order-sync race)."""
    over_return_rate: float = 0.0
    """Returns booked for more units than the customer can still send back (a portal bug, on purpose)."""
    cancel_rate: float = 0.05
    exception_rate: float = 0.01
    partial_receipt_rate: float = 0.08
    missing_item_rate: float = 0.04
    unexpected_item_rate: float = 0.02
    wrong_refund_rate: float = 0.0
    """Share of refund proposals priced from stale order data (10 % off on one line)."""
    reason_codes: tuple[str, ...] = (
        "Too large",
        "Too small",
        "Faulty",
        "Changed my mind",
        "Not as described",
    )
    odd_reason_codes: tuple[str, ...] = ("Colour not as pictured", "Bought two sizes", "arrived late!!")
    odd_reason_rate: float = 0.1
    """Share of items whose reason is free text that a retailer's table is unlikely to map."""
    # -- webhook delivery
    duplicate_rate: float = 0.0
    out_of_order_rate: float = 0.0
    """Chance that a batch of due deliveries is sent shuffled instead of in emission order."""
    retry_base: float = 30.0
    retry_window: float = 72 * 3600.0
    delivery_timeout: float = 10.0
    # -- tracking updates in ReBound's published format, over each channel that is configured
    tracking_url: str | None = None
    """Where updates are posted (the daemon's /webhooks/rebound/tracking); None: not by HTTP."""
    tracking_auth: str = "hmac"
    """As the daemon's REBOUND_WEBHOOK_AUTH: hmac, header:<Header-Name> or basic."""
    tracking_secret: str | None = None
    """The token (basic: user:password); None: the first webhook secret."""
    push_url: str | None = None
    """A Pub/Sub push endpoint (the daemon's /events/rebound?token=…) posted with an OIDC token."""
    push_audience: str | None = None
    """The token's `aud`; None: the push URL without its query, as Google's default."""
    push_email: str = "rebound-push@rebound-sim.iam.gserviceaccount.com"
    sftp_dir: str | None = None
    """A local folder an SFTP server serves (its drop folder): each update becomes one file."""
    sftp_root: str | None = None
    """When set, the simulator serves this folder by SFTP on 127.0.0.1 (`sftp_port`, 0: any) and writes
    updates into its `drop` folder; `sftp_dir` is then set for you."""
    sftp_port: int = 0
    sftp_user: str = "rebound"
    sftp_password: str = "sim-sftp-password"
    tracking_attempts: int = 10
    """Attempts per update and channel before it is given up."""
    tick: float = 0.05
    """Real seconds between ticks of the background loop (when `time_scale` > 0)."""


SIM_OPTIONS_DECODER = msgspec.json.Decoder(SimOptions)
