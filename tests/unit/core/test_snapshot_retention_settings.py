"""The retention of kept order copies: 30 days and hourly unless configured, a retention under a day
refused with the key that holds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from backflow.app.core.policies import SnapshotRetentionPolicy, flow_policies
from backflow.app.core.settings import ConfigError, FileConfig, Settings, load_file_config


def _load(tmp_path: Path, text: str) -> FileConfig:
    path = tmp_path / "backflow.toml"
    path.write_text(text, encoding="utf-8")
    return load_file_config(path)


def test_by_default_copies_live_30_days_and_the_prune_runs_hourly(tmp_path: Path) -> None:
    config = _load(tmp_path, "[reasons]\n")
    assert config.policies.order_snapshot_retention_days == 30
    assert config.schedule.order_snapshot_prune_seconds == 3600
    policy = flow_policies(Settings(file=config))["snapshot_retention_policy"]
    assert policy == SnapshotRetentionPolicy(retention_days=30, batch_size=1000, max_batches=10)


def test_configured_retention_and_interval_are_read(tmp_path: Path) -> None:
    text = "[policies]\norder-snapshot-retention-days = 90\n[schedule]\norder-snapshot-prune-seconds = 600\n"
    config = _load(tmp_path, text)
    assert config.policies.order_snapshot_retention_days == 90
    assert config.schedule.order_snapshot_prune_seconds == 600
    policy = flow_policies(Settings(file=config))["snapshot_retention_policy"]
    assert isinstance(policy, SnapshotRetentionPolicy) and policy.retention_days == 90


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_retention_under_a_day_is_refused_naming_the_key(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, f"[policies]\norder-snapshot-retention-days = {value}\n")
    message = str(refused.value)
    assert "order-snapshot-retention-days" in message and ">= 1" in message
    assert "\n" not in message
