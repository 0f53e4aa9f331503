"""Typed policies, built once from the settings: each flow receives the one it names, never the
settings themselves (`ctx.settings.file.policies.X` chains are gone)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.core.settings import Settings
from domain.refunds import ShippingRefundPolicy


@dataclass(frozen=True)
class OrderSyncPolicy:
    lag_limit_seconds: int
    """An order that took longer than this to reach ReBound raises `order_sync_lag`."""
    failure_attempts: int
    """Attempts of one order sync after which `order_sync_failing` is raised (retries continue)."""
    sweep_overlap_seconds: float
    sweep_lookback_seconds: float


_SHIPPING = {
    "never": ShippingRefundPolicy.NEVER,
    "when-fully-returned": ShippingRefundPolicy.WHEN_ORDER_FULLY_RETURNED,
    "always-prorated": ShippingRefundPolicy.ALWAYS_PRORATED,
}


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
        shipping=_SHIPPING[policies.shipping_refund],
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
        "refund_policy": refund_policy(settings),
        "monitor_policy": monitor_policy(settings),
    }
