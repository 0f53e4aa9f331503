"""Typed policies, built once from the settings: each flow receives the one it names, never the
settings themselves (`ctx.settings.file.policies.X` chains are gone)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.settings import Settings


@dataclass(frozen=True)
class OrderSyncPolicy:
    lag_limit_seconds: int
    """An order that took longer than this to reach ReBound raises `order_sync_lag`."""
    failure_attempts: int
    """Attempts of one order sync after which `order_sync_failing` is raised (retries continue)."""
    sweep_overlap_seconds: float
    sweep_lookback_seconds: float


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
    }
