"""The deployment kit validates: alert rules (promtool where installed, their documented shape
always), the Grafana dashboard, the Kubernetes manifests (kubernetes-validate's bundled schemas,
offline) and the compose file (`docker compose config` where Docker is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.integration.deploy.kit import (
    ALERTS,
    DASHBOARD,
    DEPLOY,
    dashboard_exprs,
    metric_names,
)

pytestmark = pytest.mark.integration
KUBERNETES_VERSION = "1.30.0"
# Prometheus' rule format (prometheus.io/docs/prometheus/latest/configuration/alerting_rules/).
RULE_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def test_promtool_loads_the_alert_rules() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian's `prometheus` package); the schema test still runs")
    result = subprocess.run(
        [promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alert_rules_have_prometheus_rule_shape() -> None:
    document = yaml.safe_load(ALERTS.read_text())
    assert set(document) == {"groups"}
    names = set()
    for group in document["groups"]:
        assert set(group) <= {"name", "interval", "limit", "rules"} and group["name"]
        for rule in group["rules"]:
            assert set(rule) <= RULE_KEYS and {"alert", "expr"} <= set(rule), rule
            assert LABEL.match(rule["alert"]) and rule["alert"] not in names
            names.add(rule["alert"])
            assert "for" not in rule or DURATION.match(rule["for"]), rule["for"]
            assert all(LABEL.match(k) and isinstance(v, str) for k, v in rule.get("labels", {}).items())
            assert {"summary", "description"} <= set(rule["annotations"])
            assert _balanced(rule["expr"]) and metric_names(rule["expr"]), rule["expr"]
    covered = " ".join(names)
    for topic in ("OrderSyncFailing", "OrderSyncLagging", "RefundsStuck", "DeadLetters", "UpstreamErrors"):
        assert topic in covered
    assert "LiabilityGrowingWithoutRefunds" in covered


def test_the_dashboard_is_grafana_json_over_our_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "backflow" and dashboard["panels"]
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in dashboard["panels"]:
        assert (
            panel["type"] == "timeseries"
            and panel["targets"]
            and set(panel["gridPos"]) == {"h", "w", "x", "y"}
        )
    for expr in dashboard_exprs():
        assert _balanced(expr) and metric_names(expr), expr


def _manifests() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        found.extend((path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc)
    return found


def test_the_kubernetes_manifests_validate_against_the_schemas() -> None:
    kinds = set()
    for _, manifest in _manifests():
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        kinds.add(manifest["kind"])
    assert kinds == {"StatefulSet", "Service", "Secret"}, kinds


def test_the_statefulset_runs_one_non_root_daemon_with_probes_secrets_and_a_volume() -> None:
    [(_, sts)] = [(p, m) for p, m in _manifests() if m["kind"] == "StatefulSet"]
    spec = sts["spec"]
    assert spec["replicas"] == 1 and spec["podManagementPolicy"] == "OrderedReady"
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    [container] = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["envFrom"] == [{"secretRef": {"name": "backflow-secrets"}}]
    assert container["resources"]["requests"]["memory"] and container["resources"]["limits"]["memory"]
    [claim] = spec["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert {"name": "data", "mountPath": "/data"} in container["volumeMounts"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["BACKFLOW_DB"].startswith("/data/")


def test_the_compose_file_runs_backflow_on_a_volume_beside_a_collector() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"backflow", "otel-collector"}
    assert any(v.endswith(":/data") for v in services["backflow"]["volumes"])
    assert services["backflow"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    collector = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    pipelines = collector["service"]["pipelines"]
    assert pipelines["traces"]["receivers"] == ["otlp"] and pipelines["metrics"]["receivers"] == ["otlp"]
    docker = shutil.which("docker")
    if docker is None or _run([docker, "compose", "version"]).returncode != 0:
        pytest.skip("Docker with its compose plugin is not installed: `docker compose config` not run")
    env = {name: "x" for name in re.findall(r"\$\{([A-Z_]+):\?", (DEPLOY / "docker-compose.yml").read_text())}
    result = subprocess.run(
        [docker, "compose", "-f", str(DEPLOY / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    assert result.returncode == 0, result.stderr


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


def _balanced(expr: str) -> bool:
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    for char in expr:
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return not any(depth.values())
