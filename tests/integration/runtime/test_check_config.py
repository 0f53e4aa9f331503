"""`backflow check-config` against the simulators: all good, then each way it should fail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest

from backflow.adapters.sqlite.sql import latest_version
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.bootstrap.checks import check_config
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


async def test_the_database_path_is_checked(sims: Sims, tmp_path: Path) -> None:
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "a-file").write_text("x")
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    current = tmp_path / "current.sqlite3"
    async with SqliteStore.open(current, clock=SystemClock(), ids=Uuid7Generator()):
        pass
    expected = {
        tmp_path / "a-directory": (False, "is a directory"),
        tmp_path / "a-file" / "db.sqlite3": (False, "is not a directory"),
        newer: (False, f"schema version 999, newer than this release knows ({latest_version()})"),
        current: (True, f"schema version {latest_version()}, current"),
        tmp_path / "new" / "folder" / "db.sqlite3": (True, "does not exist yet, created on start"),
    }
    for path, (ok, says) in expected.items():
        with anyio.fail_after(20):
            checks = {c.name: c for c in await check_config(sims.env | {"BACKFLOW_DB": str(path)})}
        found = checks["database (BACKFLOW_DB)"]
        assert (found.ok, says in found.message) == (ok, True), found.line()
    assert not (tmp_path / "new").exists(), "check-config creates nothing"


async def test_missing_settings_and_an_unreachable_api(sims: Sims) -> None:
    env = {k: v for k, v in sims.env.items() if not k.startswith("REBOUND_")}
    env["CTP_API_URL"] = env["CTP_AUTH_URL"] = "http://127.0.0.1:9"  # nothing listens on port 9
    with anyio.fail_after(30):
        checks = {c.name: c for c in await check_config(env)}
    assert not checks["ReBound settings"].ok and "REBOUND_API_URL" in checks["ReBound settings"].message
    assert not checks["commercetools API"].ok
    assert checks["admin API"].warning


async def test_the_intake_settings_are_reported(sims: Sims, tmp_path: Path) -> None:
    env = sims.env | {
        "REBOUND_WEBHOOK_AUTH": "header:X-ReBound-Token",
        "BACKFLOW_PUSH_OIDC_AUDIENCE": "https://backflow.example/events/rebound",
        "BACKFLOW_PUSH_OIDC_EMAIL": "push@p.iam.gserviceaccount.com",
        "REBOUND_SFTP_HOST": "127.0.0.1",
        "REBOUND_SFTP_USER": "rebound",
        "REBOUND_SFTP_KNOWN_HOSTS": str(tmp_path / "known_hosts"),
        "REBOUND_SFTP_PASSWORD": "sftp-pass-never-shown",
        "BACKFLOW_CAPTURE_UNKNOWN": "1",
    }
    with anyio.fail_after(20):
        checks = {c.name: c for c in await check_config(env)}
    assert checks["ReBound webhooks"].ok
    assert "header:X-ReBound-Token (static token, 1 secret)" in checks["ReBound webhooks"].message
    assert "Google OIDC for push@p.iam.gserviceaccount.com" in checks["push authentication"].message
    assert checks["ReBound SFTP"].ok and "rebound@127.0.0.1:22" in checks["ReBound SFTP"].message
    assert checks["capture mode"].warning
    output = "\n".join(c.line() for c in checks.values())
    assert "sftp-pass-never-shown" not in output and "whsec" not in output

    with anyio.fail_after(20):
        checks = {c.name: c for c in await check_config(sims.env | {"REBOUND_WEBHOOK_AUTH": "header:"})}
    assert not checks["ReBound webhooks"].ok
    assert "REBOUND_WEBHOOK_AUTH=header: needs the header's name" in checks["ReBound webhooks"].message
