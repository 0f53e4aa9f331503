"""Backflow's own settings: environment variables for deployment, a TOML file for mappings and policies.

The commercetools and ReBound adapters read their own `CTP_*` / `REBOUND_*` variables; this module
holds what the application itself needs. Everything is a frozen msgspec Struct with
`forbid_unknown_fields`, so a typo in the TOML file is an error at start-up, not a silent default.
Secrets never appear in a repr.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from backflow.app.core.config_error import ConfigError as ConfigError  # noqa: PLC0414 (re-exported: callers import it from here)
from backflow.app.core.postgres_settings import PostgresSettings, postgres_settings_from_env
from backflow.domain.tracking_statuses import StatusTable

Owner = Literal["cx", "finance", "operations", "merchandising"]

DEFAULT_OWNERS: dict[str, Owner] = {
    "orphan_return": "cx",
    "return_order_mismatch": "cx",
    "order_sync_failing": "cx",
    "order_sync_lagging": "cx",
    "refund_mismatch": "finance",
    "refund_failed": "finance",
    "received_not_refunded": "finance",
    "missing_payment": "finance",
    "refund_drift": "finance",
    "restock_failed": "operations",
    "stock_drift": "operations",
    "unmapped_reason_code": "merchandising",
    "unknown_status": "merchandising",
    "unknown_disposition": "merchandising",
    "unknown_event_type": "merchandising",
    "quarantined_event": "operations",
    "event_conflict": "operations",
    "missing_item": "operations",
    "unexpected_item": "operations",
    "return_stuck": "cx",
    "return_info_missing": "cx",
    "dead_letter": "operations",
}


class Policies(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="kebab"):
    supply_channel_id: str | None = None
    """The commercetools channel id sellable returned stock goes to (none: the entry without a channel)."""
    outlet_channel_id: str | None = None
    """Where REFURBISH/OUTLET items go; without one they are written off."""
    restock_repack: bool = True
    """Whether `SELLABLE_REPACK` items are restocked to the sellable channel after rework."""
    refund_before_receipt_milestones: list[str] = []
    """Milestones (e.g. `DROP_OFF`) whose refund triggers may move money before the warehouse receipt."""
    shipping_refund: Literal["never", "when-fully-returned", "always-prorated"] = "when-fully-returned"
    approve_rebound_amount_limit: str = "5.00"
    """The largest difference (in major units) a person may approve in ReBound's favour."""
    orphan_horizon_seconds: int = 6 * 3600
    sync_lag_limit_seconds: int = 300
    refund_limit_seconds: int = 3 * 86400
    reason_field_name: str = "reasonCode"
    reason_type_key: str = "backflow-return-item"
    refund_rounding_tolerance_minor: int = 1
    """Per refunded line, how many minor units ReBound's `unitPrice x n` may differ from Backflow's
    cumulative allocation before it is a mismatch; within it Backflow's own figure is refunded."""
    order_sync_failure_attempts: int = 3
    """Attempts of one order sync after which `order_sync_failing` is raised (retries continue)."""
    restock_failure_attempts: int = 3
    """Attempts of one restock after which `restock_failed` is raised (retries continue)."""
    refund_failure_attempts: int = 3
    """Attempts of one refund after which a transient failure is raised as `refund_failed`."""
    stuck_status_limits: dict[str, int] = msgspec.field(
        default_factory=lambda: {"IN_TRANSIT": 14 * 86400, "AT_HUB": 3 * 86400}
    )
    """Seconds a return may stay in a ReBound status before it is `return_stuck`."""
    return_info_limit_seconds: int = 6 * 3600
    """How long a return ReBound knows may go without return info in commercetools."""
    order_snapshot_retention_days: Annotated[int, msgspec.Meta(ge=1)] = 30
    """How long the copy order sync keeps of an order (from its creation) may be kept for anchoring.
    Most returns arrive within a month of purchase; a later one costs one order lookup, while every
    kept copy costs a whole order body in the store (`docs/stores.md`)."""


class Schedule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="kebab"):
    """How often the scheduled jobs run, and how far back their sweeps look."""

    message_poll_seconds: float = 5.0
    order_sweep_seconds: float = 300.0
    order_sweep_overlap_seconds: float = 120.0
    """The sweep re-reads this much before its watermark: clocks and eventual consistency differ."""
    order_sweep_lookback_seconds: float = 86400.0
    """Where the very first sweep starts (now minus this)."""
    rebound_catchup_seconds: float = 300.0
    rebound_catchup_overlap_seconds: float = 120.0
    rebound_catchup_lookback_seconds: float = 86400.0
    held_returns_seconds: float = 60.0
    sync_lag_check_seconds: float = 60.0
    alerts_seconds: float = 15.0
    """How often new and aged exceptions are looked for and their alerts queued."""
    received_not_refunded_seconds: float = 3600.0
    refund_drift_seconds: float = 3600.0
    stock_drift_seconds: float = 3600.0
    order_drift_seconds: float = 900.0
    stuck_returns_seconds: float = 3600.0
    return_info_drift_seconds: float = 3600.0
    order_snapshot_prune_seconds: float = 3600.0
    """How often kept order copies past `order-snapshot-retention-days` are deleted."""
    order_drift_lookback_seconds: float = 2 * 86400.0
    """How far back orders are checked for being in ReBound (one ReBound read per order)."""
    drift_lookback_seconds: float = 30 * 86400.0
    """How far back the drift monitors compare refunds, restocks, orders and ReBound's returns."""


HttpUrl = Annotated[str, msgspec.Meta(pattern=r"^https?://[^/?#\s]+")]
"""An absolute http(s) URL with a host (a URL without a scheme is refused when the file is read)."""


class AlertSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="kebab"):
    webhook_url: HttpUrl | None = None
    """Where alerts are POSTed as JSON; none: no alerts are queued."""
    age_limit_seconds: int = 86400
    """An exception still unresolved this long after it was first seen is alerted again."""
    age_limit_by_type: dict[str, int] = {}
    """Per exception type, a different age limit (e.g. `refund_mismatch = 14400`)."""
    timeout_seconds: float = 10.0

    def age_limit(self, exception_type: str) -> int:
        return self.age_limit_by_type.get(exception_type, self.age_limit_seconds)


class ReboundFileSettings(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="kebab"
):
    statuses: dict[str, str] = {}
    """`[rebound.statuses]`: tracking-update `statusDescription` → status, added over the defaults
    (`domain.tracking_statuses.DEFAULT_TRACKING_STATUSES`)."""

    def __post_init__(self) -> None:
        self.status_table()  # an unknown status, or a blank or conflicting key, is refused on reading

    def status_table(self) -> StatusTable:
        return StatusTable(self.statuses)


class FileConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="kebab"):
    """The TOML file: `[reasons]` maps ReBound's free text to commercetools enum keys."""

    reasons: dict[str, str] = {}
    owners: dict[str, Owner] = {}
    policies: Policies = Policies()
    alerts: AlertSettings = AlertSettings()
    schedule: Schedule = Schedule()
    rebound: ReboundFileSettings = ReboundFileSettings()
    actors: dict[str, int] = {}
    """Actor name → how many outbox rows it works on at once; checked against the registry's actors."""


class RuntimeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How the actors run; the defaults suit production, tests shorten the times."""

    lease_seconds: float = 30.0
    """An outbox row's lease; renewed at half of it while its handler runs."""
    poll_seconds: float = 1.0
    """The backstop: the relay and the inbox processor look for work at least this often."""
    inbox_max_attempts: int = 5
    """Failed attempts of one inbound event before it is final (and an exception)."""
    shutdown_grace_seconds: float = 20.0
    """How long in-flight work may finish after SIGTERM before it is cancelled (its lease then lapses)."""
    api_ready_window_seconds: float = 300.0
    """An API whose recent calls fail and whose last success is older than this is reported as failing
    (in `/healthz` and the overview; it never makes `/readyz` fail: intake stays open)."""
    instance_lease_seconds: float = 15.0
    """SQLite: the active instance's lease on the database, renewed at half of it; a standby takes
    over at most this long after the active instance dies."""


DEFAULT_DB_PATH = Path("var/backflow.sqlite3")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    db_path: Path = DEFAULT_DB_PATH
    """The SQLite file, when `db_url` is None."""
    db_url: str | None = None
    """A PostgreSQL URL (`postgresql://...`): the store is then PostgreSQL and `db_path` is unused."""
    postgres: PostgresSettings = PostgresSettings()
    config_path: Path | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    admin_token: str | None = None
    push_token: str | None = None
    """When set, `POST /events/commercetools` needs it as `?token=` or a bearer token."""
    shadow: bool = False
    log_level: str = "INFO"
    runtime: RuntimeSettings = RuntimeSettings()
    file: FileConfig = FileConfig()

    def __repr__(self) -> str:
        token = "<redacted>" if self.admin_token else None
        db = redact_db_url(self.db_url) if self.db_url else str(self.db_path)
        return (
            f"Settings(db={db!r}, config_path={self.config_path!r}, "
            f"http={self.http_host}:{self.http_port}, admin_token={token}, "
            f"push_token={'<redacted>' if self.push_token else None}, shadow={self.shadow})"
        )

    __str__ = __repr__

    def owner_of(self, exception_type: str) -> Owner:
        return self.file.owners.get(exception_type) or DEFAULT_OWNERS.get(exception_type, "operations")

    def reason_key(self, reason_code: str) -> str | None:
        """The commercetools enum key for ReBound's free text; matching ignores case and outer spaces."""
        wanted = reason_code.strip().casefold()
        return next(
            (key for text, key in self.file.reasons.items() if text.strip().casefold() == wanted), None
        )


def load_file_config(path: Path) -> FileConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"BACKFLOW_CONFIG: no file at {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return msgspec.convert(data, FileConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def settings_from_env(env: Mapping[str, str], *, shadow: bool = False) -> Settings:
    config_path = Path(env["BACKFLOW_CONFIG"]) if env.get("BACKFLOW_CONFIG") else None
    port_text = env.get("BACKFLOW_HTTP_PORT", "8080")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"BACKFLOW_HTTP_PORT must be a port number, not {port_text!r}")
    db_path, db_url = parse_database(env.get("BACKFLOW_DB", "var/backflow.sqlite3"))
    return Settings(
        db_path=db_path,
        db_url=db_url,
        postgres=postgres_settings_from_env(env),
        config_path=config_path,
        http_host=env.get("BACKFLOW_HTTP_HOST", "127.0.0.1"),
        http_port=int(port_text),
        admin_token=env.get("BACKFLOW_ADMIN_TOKEN") or None,
        push_token=env.get("BACKFLOW_PUSH_TOKEN") or None,
        shadow=shadow,
        log_level=env.get("BACKFLOW_LOG_LEVEL", "INFO").upper(),
        runtime=RuntimeSettings(
            lease_seconds=_positive(env, "BACKFLOW_LEASE_SECONDS", 30.0),
            poll_seconds=_positive(env, "BACKFLOW_POLL_SECONDS", 1.0),
            inbox_max_attempts=int(_positive(env, "BACKFLOW_INBOX_MAX_ATTEMPTS", 5)),
            shutdown_grace_seconds=_positive(env, "BACKFLOW_SHUTDOWN_GRACE_SECONDS", 20.0),
            api_ready_window_seconds=_positive(env, "BACKFLOW_API_READY_WINDOW_SECONDS", 300.0),
            instance_lease_seconds=_positive(env, "BACKFLOW_INSTANCE_LEASE_SECONDS", 15.0),
        ),
        file=load_file_config(config_path) if config_path else FileConfig(),
    )


_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def parse_database(text: str) -> tuple[Path, str | None]:
    """BACKFLOW_DB: a plain path is a SQLite file; a postgresql:// (or postgres://) URL selects
    PostgreSQL. Any other URL is refused, never taken as a file name (`mysql://h/db` would otherwise
    create a SQLite file in a folder called `mysql:`)."""
    match = _URL_SCHEME.match(text)
    if match is None:
        return Path(text), None
    scheme = match.group(1).lower()
    if scheme in POSTGRESQL_SCHEMES:
        return DEFAULT_DB_PATH, text
    what = "URLs are not read" if scheme.startswith("sqlite") else "is not a supported database"
    raise ConfigError(
        f"BACKFLOW_DB: {scheme}:// {what}; give a file path for SQLite "
        "or postgresql://user@host:port/database for PostgreSQL"
    )


def redact_db_url(url: str) -> str:
    """The URL without its password (in the user part or as a password= parameter)."""
    url = re.sub(r"(://[^:/@?#]*:)[^@/]*@", r"\1<redacted>@", url)
    return re.sub(r"(password=)[^&]*", r"\1<redacted>", url)


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {text!r}")
    return value
