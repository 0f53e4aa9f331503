"""Typed policies, built once from the settings: each flow receives the one it names, never the
settings themselves (`ctx.settings.file.policies.X` chains are gone)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from backflow.app.core.refund_ledger import shipping_refund_policy
from backflow.app.core.settings import Settings
from backflow.domain import statuses
from backflow.domain.refunds import ShippingRefundPolicy


@dataclass(frozen=True)
class OrderSyncPolicy:
    lag_limit_seconds: int
    """An order that took longer than this to reach ReBound raises `order_sync_lag`."""
    failure_attempts: int
    """Attempts of one order sync after which `order_sync_failing` is raised (retries continue)."""
    sweep_overlap_seconds: float
    sweep_lookback_seconds: float


@dataclass(frozen=True)
class SnapshotRetentionPolicy:
    """How long kept order copies live, and how much one run of the retention job may delete."""

    retention_days: int
    """Copies of orders created longer ago than this are deleted (a later return looks the order up)."""
    batch_size: int = 1000
    """Copies deleted per transaction: short write transactions, never one holding the writer long."""
    max_batches: int = 10
    """Batches per run: 10,000 copies an hour is far above 50,000 orders a day, so a backlog drains
    over a few runs without one run monopolising the store."""


@dataclass(frozen=True)
class AnchoringPolicy:
    orphan_horizon_seconds: int
    """A return still without its order after this long raises `orphan_return`."""
    shipping: ShippingRefundPolicy
    """Whether the pending credit posted at anchoring includes shipping."""

    @classmethod
    def of(cls, settings: Settings) -> AnchoringPolicy:
        policies = settings.file.policies
        return cls(
            orphan_horizon_seconds=policies.orphan_horizon_seconds,
            shipping=shipping_refund_policy(policies.shipping_refund),
        )


@dataclass(frozen=True)
class ReasonsPolicy:
    """ReBound's free-text reasons mapped to the commercetools return-item reason field."""

    key_of: Callable[[str], str | None]
    """The `[reasons]` table's key for a text (`Settings.reason_key`: case and outer spaces ignored)."""
    type_key: str
    """The commercetools custom type of the return item that holds the reason."""
    field_name: str

    @classmethod
    def of(cls, settings: Settings) -> ReasonsPolicy:
        policies = settings.file.policies
        return cls(
            key_of=settings.reason_key,
            type_key=policies.reason_type_key,
            field_name=policies.reason_field_name,
        )


@dataclass(frozen=True)
class RestockPolicy:
    routing: statuses.RestockPolicy
    """Which dispositions go back to stock (the outlet channel configured, repacked items restocked)."""
    supply_channel_id: str | None
    """Where sellable units go (None: the inventory entry without a channel)."""
    outlet_channel_id: str | None
    failure_attempts: int
    """Attempts of one restock after which `restock_failed` is raised (retries continue)."""

    @classmethod
    def of(cls, settings: Settings) -> RestockPolicy:
        policies = settings.file.policies
        return cls(
            routing=statuses.RestockPolicy(
                outlet_channel_configured=policies.outlet_channel_id is not None,
                restock_repacked=policies.restock_repack,
            ),
            supply_channel_id=policies.supply_channel_id,
            outlet_channel_id=policies.outlet_channel_id,
            failure_attempts=policies.restock_failure_attempts,
        )


@dataclass(frozen=True)
class CatchupPolicy:
    overlap_seconds: float
    """The ReBound catch-up re-reads this much before its watermark."""
    lookback_seconds: float
    """Where the very first catch-up starts (now minus this)."""


@dataclass(frozen=True)
class RefundPolicy:
    """What a refund is judged by: the refund flow, finance's decision and the credit of a return."""

    tolerance_minor: int
    """Per refunded line, the minor units ReBound's figure may differ from Backflow's (rounding)."""
    shipping: ShippingRefundPolicy
    approve_limit: str
    """The largest difference (major units) a person may approve in ReBound's favour."""
    early_milestones: frozenset[str]
    """Milestones whose refund may move money before the warehouse receipt (receipt gating)."""
    failure_attempts: int
    """Attempts of one refund after which a transient failure is raised as `refund_failed`."""


@dataclass(frozen=True)
class MonitorPolicy:
    """The limits and lookbacks of the drift checks."""

    sync_lag_limit_seconds: int
    order_drift_lookback_seconds: float
    drift_lookback_seconds: float
    """How far back refunds, restocks and ReBound's returns are compared."""
    refund_limit_seconds: int
    """How long a received return may wait for its refund."""
    stuck_status_limits: Mapping[str, int]
    """Seconds a return may stay in a ReBound status."""
    return_info_limit_seconds: int


def refund_policy(settings: Settings) -> RefundPolicy:
    policies = settings.file.policies
    return RefundPolicy(
        tolerance_minor=policies.refund_rounding_tolerance_minor,
        shipping=shipping_refund_policy(policies.shipping_refund),
        approve_limit=policies.approve_rebound_amount_limit,
        early_milestones=frozenset(policies.refund_before_receipt_milestones),
        failure_attempts=policies.refund_failure_attempts,
    )


def monitor_policy(settings: Settings) -> MonitorPolicy:
    policies, schedule = settings.file.policies, settings.file.schedule
    return MonitorPolicy(
        sync_lag_limit_seconds=policies.sync_lag_limit_seconds,
        order_drift_lookback_seconds=schedule.order_drift_lookback_seconds,
        drift_lookback_seconds=schedule.drift_lookback_seconds,
        refund_limit_seconds=policies.refund_limit_seconds,
        stuck_status_limits=dict(policies.stuck_status_limits),
        return_info_limit_seconds=policies.return_info_limit_seconds,
    )


def flow_policies(settings: Settings) -> dict[str, object]:
    """Every policy by the parameter name a flow asks for it with."""
    policies, schedule = settings.file.policies, settings.file.schedule
    return {
        "alert_policy": settings.file.alerts,
        "order_policy": OrderSyncPolicy(
            lag_limit_seconds=policies.sync_lag_limit_seconds,
            failure_attempts=policies.order_sync_failure_attempts,
            sweep_overlap_seconds=schedule.order_sweep_overlap_seconds,
            sweep_lookback_seconds=schedule.order_sweep_lookback_seconds,
        ),
        "snapshot_retention_policy": SnapshotRetentionPolicy(
            retention_days=policies.order_snapshot_retention_days
        ),
        "anchoring_policy": AnchoringPolicy.of(settings),
        "reasons_policy": ReasonsPolicy.of(settings),
        "restock_policy": RestockPolicy.of(settings),
        "catchup_policy": CatchupPolicy(
            overlap_seconds=schedule.rebound_catchup_overlap_seconds,
            lookback_seconds=schedule.rebound_catchup_lookback_seconds,
        ),
        "refund_policy": refund_policy(settings),
        "monitor_policy": monitor_policy(settings),
    }
