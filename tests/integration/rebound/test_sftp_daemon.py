"""`backflow run` with `REBOUND_SFTP_HOST`: files from a real SFTP server on 127.0.0.1 reach the
return case through the same mapping as HTTP, exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from backflow.app.bootstrap import configured_secrets
from backflow.app.runtime.registry import build_registry
from tests.integration.rebound.test_tracking_daemon import HEADER_AUTH, TOKEN, case_of, rebound_status, send
from tests.integration.runtime.conftest import DaemonFactory, eventually
from tests.sftp_support import PASSWORD, SftpServer, sftp_server
from tests.tracking_support import RETURN_ID, tracking_body

pytestmark = pytest.mark.anyio


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    async with sftp_server(tmp_path / "sftp") as running:
        yield running


def sftp_env(server: SftpServer) -> dict[str, str]:
    config = server.config()
    return {
        "REBOUND_SFTP_HOST": "127.0.0.1",
        "REBOUND_SFTP_PORT": str(config.port),
        "REBOUND_SFTP_USER": config.username,
        "REBOUND_SFTP_KNOWN_HOSTS": str(config.known_hosts),
        "REBOUND_SFTP_KEY": str(config.client_key),
        "REBOUND_SFTP_DIR": "drop",
        "REBOUND_SFTP_POLL_SECONDS": "0.05",
    }


async def test_a_dropped_file_moves_the_return_once(daemon: DaemonFactory, server: SftpServer) -> None:
    (server.drop / "rb-0001.json").write_bytes(tracking_body())
    (server.drop / "rb-0002.json").write_bytes(tracking_body())  # the same update, another file
    with anyio.fail_after(30):
        async with daemon(build_registry, env={**HEADER_AUTH, **sftp_env(server)}) as run:
            assert await eventually(lambda: rebound_status(run, RETURN_ID), within=15) == "IN_TRANSIT"
            processed = server.drop / "processed"
            await eventually(lambda: len(list(processed.glob("*.json"))) == 2, within=15)
            # The same update by HTTP now: stored, but it changes nothing.
            assert (
                await send(run, "/webhooks/rebound/tracking", tracking_body(), {"X-ReBound-Token": TOKEN})
            )[0] == 202
            await anyio.sleep(0.5)
            found = await case_of(run, RETURN_ID)
            assert found is not None
            applied = [entry for entry in found["timeline"] if entry["outcome"] == "applied"]
            assert len(applied) == 1, "one state change from three deliveries"
            assert found["case"]["last_sequence"] == 1


def test_the_sftp_password_is_masked_in_logs() -> None:
    env = {"REBOUND_SFTP_PASSWORD": PASSWORD, "REBOUND_WEBHOOK_SECRET": "x"}
    assert PASSWORD in configured_secrets(env)
