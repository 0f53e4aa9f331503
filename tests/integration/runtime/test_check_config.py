"""`backflow check-config` against the simulators: all good, then each way it should fail."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from app.bootstrap.checks import check_config
from tests.integration.runtime.conftest import Sims

pytestmark = pytest.mark.anyio


async def test_a_good_configuration_reaches_both_apis(sims: Sims, tmp_path: Path) -> None:
    config = tmp_path / "backflow.toml"
    config.write_text('[reasons]\n"Too small" = "TOO_SMALL"\n')
    env = sims.env | {"BACKFLOW_CONFIG": str(config), "BACKFLOW_ADMIN_TOKEN": "a-long-enough-admin-token"}
    with anyio.fail_after(20):
        checks = await check_config(env)
    assert all(c.ok and not c.warning for c in checks), [c.line() for c in checks]
    lines = "\n".join(c.line() for c in checks)
    assert "1 reason mappings" in lines
    assert "commercetools API: token granted" in lines and "ReBound API: token granted" in lines
    assert "a-long-enough-admin-token" not in lines and "sim-secret" not in lines


async def test_each_failure_is_named(sims: Sims, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[reasons\n")
    env = sims.env | {
        "BACKFLOW_CONFIG": str(broken),
        "CTP_CLIENT_SECRET": "not-the-ct-secret",
        "REBOUND_CLIENT_SECRET": "not-the-rb-secret",
        "REBOUND_WEBHOOK_SECRET": "",
    }
    with anyio.fail_after(20):
        checks = {c.name: c for c in await check_config(env)}
    assert not checks["backflow settings"].ok and "not valid TOML" in checks["backflow settings"].message
    assert not checks["commercetools API"].ok and "Unauthorized" in checks["commercetools API"].message
    assert not checks["ReBound API"].ok and "Unauthorized" in checks["ReBound API"].message
    assert not checks["ReBound webhooks"].ok
    output = "\n".join(c.line() for c in checks.values())
    assert "not-the-ct-secret" not in output and "not-the-rb-secret" not in output


async def test_missing_settings_and_an_unreachable_api(sims: Sims) -> None:
    env = {k: v for k, v in sims.env.items() if not k.startswith("REBOUND_")}
    env["CTP_API_URL"] = env["CTP_AUTH_URL"] = "http://127.0.0.1:9"  # nothing listens on port 9
    with anyio.fail_after(30):
        checks = {c.name: c for c in await check_config(env)}
    assert not checks["ReBound settings"].ok and "REBOUND_API_URL" in checks["ReBound settings"].message
    assert not checks["commercetools API"].ok
    assert checks["admin API"].warning
