"""The deployment kit's files as the tests read them, and every metric name its PromQL references."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "backflow.json"
_METRIC = re.compile(r"\bbackflow_[a-z0-9_]+\b")


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def metric_names(expr: str) -> set[str]:
    return set(_METRIC.findall(expr))


def referenced_metrics() -> set[str]:
    """Every series name the alerts and the dashboard read (histograms by their _bucket/_count)."""
    exprs = [rule["expr"] for rule in alert_rules()] + dashboard_exprs()
    return set().union(*(metric_names(expr) for expr in exprs))
