"""The deployment kit validates: alert rules (promtool where installed, their documented shape
always), the Grafana dashboard, the Kubernetes manifests (kubernetes-validate's bundled schemas,
offline) and the compose files (`docker compose config` where Docker is installed); the PostgreSQL
variants (three replicas) also agree with the daemon's own settings parser, port and health routes."""

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

from backflow.app.core.settings import settings_from_env
from backflow.app.entrypoints.http.health import routes as health_routes
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
POSTGRESQL_KIT = DEPLOY / "kubernetes" / "postgresql"


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


def _manifests(folder: Path = DEPLOY / "kubernetes") -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(folder.glob("*.yaml")):
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
    _docker_compose_config(DEPLOY / "docker-compose.yml")


def _docker_compose_config(path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or _run([docker, "compose", "version"]).returncode != 0:
        pytest.skip("Docker with its compose plugin is not installed: `docker compose config` not run")
    env = {name: "x" for name in re.findall(r"\$\{([A-Z_]+):\?", path.read_text())}
    result = subprocess.run(
        [docker, "compose", "-f", str(path), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    assert result.returncode == 0, result.stderr


def test_the_postgresql_manifests_validate_against_the_schemas() -> None:
    kinds = [m["kind"] for _, m in _manifests(POSTGRESQL_KIT)]
    for _, manifest in _manifests(POSTGRESQL_KIT):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    assert sorted(kinds) == ["Deployment", "PodDisruptionBudget", "Secret"], kinds


def test_the_deployment_rolls_three_replicas_without_losing_intake() -> None:
    [deployment] = [m for _, m in _manifests(POSTGRESQL_KIT) if m["kind"] == "Deployment"]
    spec, pod = deployment["spec"], deployment["spec"]["template"]["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
    }
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    [container] = pod["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    # The shared Service routes to these pods, on the port the daemon listens on.
    [(_, service)] = [(p, m) for p, m in _manifests() if m["kind"] == "Service"]
    assert service["spec"]["selector"].items() <= labels.items()
    [port] = [p for p in container["ports"] if p["name"] == service["spec"]["ports"][0]["targetPort"]]
    assert str(port["containerPort"]) == env["BACKFLOW_HTTP_PORT"]
    assert {"/healthz", "/readyz"} <= {route.path for route in health_routes}, "routes the daemon serves"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {
        container["livenessProbe"]["httpGet"]["port"],
        container["readinessProbe"]["httpGet"]["port"],
    } == {"http"}
    # The database URL comes from a Secret, never the manifest; the example Secret has that key.
    [db] = [e for e in container["env"] if e["name"] == "BACKFLOW_DB"]
    ref = db["valueFrom"]["secretKeyRef"]
    [secret] = [m for _, m in _manifests(POSTGRESQL_KIT) if m["kind"] == "Secret"]
    assert secret["metadata"]["name"] == ref["name"] and ref["key"] in secret["stringData"]
    assert container["envFrom"] == [{"secretRef": {"name": "backflow-secrets"}}]
    # The daemon's own parser accepts the environment: a PostgreSQL store with these pool settings.
    settings = settings_from_env({**env, "BACKFLOW_DB": secret["stringData"][ref["key"]]})
    assert settings.db_url is not None and settings.postgres.pool_max == int(env["BACKFLOW_PG_POOL_MAX"])
    # The stop: preStop, then the daemon's drain, all inside the grace period before the kill.
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    drain = settings.runtime.shutdown_grace_seconds
    assert pod["terminationGracePeriodSeconds"] >= int(pre_stop[1]) + drain + 5
    assert "volumeClaimTemplates" not in spec and all(
        "persistentVolumeClaim" not in v for v in pod["volumes"]
    )
    [budget] = [m for _, m in _manifests(POSTGRESQL_KIT) if m["kind"] == "PodDisruptionBudget"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert 0 < budget["spec"]["minAvailable"] < spec["replicas"]


def test_the_postgresql_compose_file_runs_three_replicas_behind_a_balancer() -> None:
    path = DEPLOY / "docker-compose.postgresql.yml"
    services = yaml.safe_load(path.read_text())["services"]
    assert set(services) == {"postgres", "backflow", "balancer", "otel-collector"}
    postgres, backflow = services["postgres"], services["backflow"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert backflow["deploy"]["replicas"] == 3 and "ports" not in backflow, "nginx publishes the port"
    assert backflow["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert (
        backflow["image"]
        == yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]["backflow"]["image"]
    ), "the same image as the SQLite kit"
    env = {k: re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "x", str(v)) for k, v in backflow["environment"].items()}
    settings = settings_from_env(env)
    assert settings.db_url is not None and "@postgres:5432/" in settings.db_url
    assert _seconds(backflow["stop_grace_period"]) > settings.runtime.shutdown_grace_seconds
    # Every replica's pool and its LISTEN connection fit in the server's connections.
    max_connections = int(postgres["command"][postgres["command"].index("-c") + 1].split("=")[1])
    assert max_connections >= backflow["deploy"]["replicas"] * (settings.postgres.pool_max + 1) + 10
    nginx = (DEPLOY / "nginx-backflow.conf").read_text()
    assert f"http://backflow:{settings.http_port};" in nginx and "resolver 127.0.0.11" in nginx
    balancer = services["balancer"]
    assert any(v.startswith("./nginx-backflow.conf:") for v in balancer["volumes"])
    assert balancer["ports"] == [f"{settings.http_port}:{settings.http_port}"]
    _docker_compose_config(path)


def _seconds(duration: str) -> float:
    assert duration.endswith("s"), duration
    return float(duration[:-1])


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
