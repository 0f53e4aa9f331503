"""The SFTP drop against a real SFTP server on 127.0.0.1: store first, then move; a kill loses nothing."""

from __future__ import annotations

import hashlib
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from backflow.adapters.memory.inbox import InMemoryInbox
from backflow.adapters.rebound.config import ReboundConfigError
from backflow.adapters.rebound.sftp_config import sftp_config_from_env
from backflow.adapters.rebound.sftp_intake import SOURCE, make_sftp_store
from backflow.adapters.rebound.sftp_poller import SftpFile, SftpPoller, Verdict, connect_sftp, run_sftp_poller
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from tests.rebound_support import WallClock
from tests.sftp_support import PASSWORD, SftpServer, asyncssh, sftp_server
from tests.tracking_support import tracking_body

pytestmark = pytest.mark.anyio

GOOD = tracking_body("Delivered")
BAD = b'{"order": {"reboundOrderId": "(00)1"}}'


def _key(name: str, data: bytes) -> str:
    return f"{name}:sha256:{hashlib.sha256(data).hexdigest()}"


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    async with sftp_server(tmp_path) as running:
        yield running


async def _poll(server: SftpServer, inbox: InMemoryInbox, *, stable: bool = False, polls: int = 1, **kw):
    async with connect_sftp(server.config()) as sftp:
        poller = SftpPoller(
            sftp,
            "drop",
            make_sftp_store(inbox, WallClock()),
            require_stable=stable,
            **{"max_file_bytes": 4096, **kw},
        )
        await poller.prepare()
        return [await poller.poll_once() for _ in range(polls)]


async def test_a_file_is_stored_then_moved_to_processed(server: SftpServer) -> None:
    (server.drop / "rb-0001.json").write_bytes(GOOD)
    inbox = InMemoryInbox()
    with anyio.fail_after(20):
        (report,) = await _poll(server, inbox)
    assert report.processed == ["rb-0001.json"]
    stored = inbox.get(SOURCE, _key("rb-0001.json", GOOD))
    assert stored is not None and stored.body == GOOD
    assert stored.kind == "tracking_update" and stored.quarantine_reason is None
    assert stored.headers["SFTP-File"] == "rb-0001.json"
    assert _names(server.drop) == ["processed", "rejected"]
    assert (server.drop / "processed" / "rb-0001.json").read_bytes() == GOOD


async def test_a_file_that_is_not_a_tracking_update_is_kept_and_rejected_with_its_reason(
    server: SftpServer,
) -> None:
    (server.drop / "odd.json").write_bytes(BAD)
    inbox = InMemoryInbox()
    with anyio.fail_after(20):
        (report,) = await _poll(server, inbox)
    assert report.rejected == ["odd.json"]
    stored = inbox.get(SOURCE, _key("odd.json", BAD))
    assert stored is not None and stored.quarantine_reason is not None
    assert "$.order" in stored.quarantine_reason
    rejected = server.drop / "rejected"
    assert _names(rejected) == ["odd.json", "odd.json.reason"]
    assert (rejected / "odd.json.reason").read_text().startswith("not a tracking update: $.order")


async def test_a_file_is_taken_only_once_it_stops_changing(server: SftpServer) -> None:
    upload = server.drop / "rb-0002.json"
    upload.write_bytes(GOOD[:10])
    inbox = InMemoryInbox()
    with anyio.fail_after(20):
        async with connect_sftp(server.config()) as sftp:
            poller = SftpPoller(sftp, "drop", make_sftp_store(inbox, WallClock()), max_file_bytes=4096)
            await poller.prepare()
            assert (await poller.poll_once()).waiting == ["rb-0002.json"]  # first sight
            upload.write_bytes(GOOD)
            assert (await poller.poll_once()).waiting == ["rb-0002.json"]  # still growing
            assert (await poller.poll_once()).processed == ["rb-0002.json"]
    assert len(inbox) == 1 and inbox.events[0].body == GOOD


async def test_hidden_partial_and_folder_entries_are_left_alone(server: SftpServer) -> None:
    for name in (".rb-0003.json", "rb-0003.json.part", "rb-0004.JSON.tmp", "rb-0005.filepart"):
        (server.drop / name).write_bytes(GOOD)
    (server.drop / "archive").mkdir()
    inbox = InMemoryInbox()
    with anyio.fail_after(20):
        (report,) = await _poll(server, inbox)
    assert (report.processed, report.rejected, len(inbox)) == ([], [], 0)
    assert len(_names(server.drop)) == 7


async def test_an_oversized_file_is_rejected_unread(server: SftpServer) -> None:
    (server.drop / "huge.json").write_bytes(b" " * 5000)
    inbox = InMemoryInbox()
    with anyio.fail_after(20):
        (report,) = await _poll(server, inbox)
    assert report.rejected == ["huge.json"] and len(inbox) == 0
    reason = (server.drop / "rejected" / "huge.json.reason").read_text()
    assert reason == "larger than 4096 bytes (5000)\n"


async def test_a_reupload_is_stored_once_and_new_content_under_an_old_name_is_new(server: SftpServer) -> None:
    inbox = InMemoryInbox()
    newer = tracking_body("Delivered", "2026-11-22T10:00:00.000001Z")
    processed = server.drop / "processed"
    with anyio.fail_after(30):
        for data in (GOOD, GOOD, newer, GOOD):
            (server.drop / "rb-0006.json").write_bytes(data)
            await _poll(server, inbox)
    assert len(inbox) == 2  # GOOD once, newer once
    assert inbox.get(SOURCE, _key("rb-0006.json", newer)) is not None
    suffix = hashlib.sha256(GOOD).hexdigest()[:16]
    newer_suffix = hashlib.sha256(newer).hexdigest()[:16]
    assert _names(processed) == sorted(
        ["rb-0006.json", f"rb-0006.json.{suffix}", f"rb-0006.json.{newer_suffix}"]
    )
    assert _names(server.drop) == ["processed", "rejected"]


@pytest.mark.parametrize(("data", "folder"), [(GOOD, "processed"), (BAD, "rejected")])
async def test_killed_between_store_and_move_the_restart_just_moves_it(
    server: SftpServer, tmp_path: Path, data: bytes, folder: str
) -> None:
    (server.drop / "rb-0007.json").write_bytes(data)
    (server.drop / "rb-0008.json").write_bytes(GOOD.replace(b"Delivered", b"postalIncoming"))
    db = tmp_path / "backflow.sqlite3"
    child = Path(__file__).with_name("sftp_kill_child.py")
    args = [
        sys.executable,
        str(child),
        str(server.port),
        str(server.known_hosts),
        str(server.client_key),
        str(db),
    ]
    with anyio.fail_after(60):
        finished = await anyio.run_process(args, check=False)
        assert finished.returncode == -signal.SIGKILL, finished.stderr.decode()[-2000:]
        # Killed after storing the oldest file and before moving it: it is in both places.
        assert "rb-0007.json" in _names(server.drop)
        clock = SystemClock()
        async with SqliteStore.open(db, clock=clock, ids=Uuid7Generator()) as store:
            assert await store.inbox.get(SOURCE, _key("rb-0007.json", data)) is not None
            async with connect_sftp(server.config()) as sftp:
                poller = SftpPoller(sftp, "drop", make_sftp_store(store.inbox, clock), max_file_bytes=4096)
                await poller.prepare()
                await poller.poll_once()
                report = await poller.poll_once()
            assert sorted(report.processed + report.rejected) == ["rb-0007.json", "rb-0008.json"]
            pending = await store.inbox.pending(limit=10)
    assert sorted(row.event.source_id.split(":")[0] for row in pending) == ["rb-0007.json", "rb-0008.json"]
    assert "rb-0007.json" in _names(server.drop / folder)
    assert _names(server.drop) == ["processed", "rejected"]


async def test_password_login_and_an_unknown_host_key_is_refused(server: SftpServer, tmp_path: Path) -> None:
    (server.drop / "rb-0009.json").write_bytes(GOOD)
    with anyio.fail_after(20):
        async with connect_sftp(server.config(client_key=None, password=PASSWORD)) as sftp:
            assert "rb-0009.json" in await sftp.listdir("drop")
        stranger = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
        other_hosts = tmp_path / "other_known_hosts"
        other_hosts.write_text(f"[127.0.0.1]:{server.port} {stranger}")
        with pytest.raises(asyncssh.HostKeyNotVerifiable):
            async with connect_sftp(server.config(known_hosts=other_hosts)):
                pass
        with pytest.raises(asyncssh.PermissionDenied):
            async with connect_sftp(server.config(client_key=None, password="wrong")):
                pass


async def test_the_runner_polls_until_cancelled_and_survives_an_unreachable_server(
    server: SftpServer,
) -> None:
    inbox = InMemoryInbox()
    stored = anyio.Event()
    inner = make_sftp_store(inbox, WallClock())

    async def store(file: SftpFile) -> Verdict:
        verdict = await inner(file)
        stored.set()
        return verdict

    (server.drop / "rb-0010.json").write_bytes(GOOD)
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            await tg.start(run_sftp_poller, server.config(), store)
            await stored.wait()
            await anyio.sleep(0.2)  # a few more polls: the file is taken once
            tg.cancel_scope.cancel()
        assert len(inbox) == 1
        assert (server.drop / "processed" / "rb-0010.json").exists()
        unreachable = server.config(port=1, poll_seconds=0.01)
        async with anyio.create_task_group() as tg:
            await tg.start(run_sftp_poller, unreachable, store)  # starts, then keeps retrying
            tg.cancel_scope.cancel()


def test_the_configuration_is_off_without_a_host_and_names_what_is_missing(tmp_path: Path) -> None:
    assert sftp_config_from_env({}) is None
    env = {
        "REBOUND_SFTP_HOST": "sftp.rebound.example",
        "REBOUND_SFTP_USER": "retailer",
        "REBOUND_SFTP_KNOWN_HOSTS": str(tmp_path / "known_hosts"),
        "REBOUND_SFTP_PASSWORD": "s3cret",
        "REBOUND_SFTP_DIR": "/outbound/tracking",
        "REBOUND_SFTP_POLL_SECONDS": "60",
    }
    config = sftp_config_from_env(env)
    assert config is not None
    assert (config.port, config.directory, config.poll_seconds) == (22, "/outbound/tracking", 60.0)
    assert "s3cret" not in repr(config)
    for drop, message in [
        ("REBOUND_SFTP_KNOWN_HOSTS", "needs REBOUND_SFTP_KNOWN_HOSTS"),
        ("REBOUND_SFTP_PASSWORD", "needs REBOUND_SFTP_KEY (a private key file) or REBOUND_SFTP_PASSWORD"),
    ]:
        with pytest.raises(ReboundConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            sftp_config_from_env({k: v for k, v in env.items() if k != drop})
    with pytest.raises(ReboundConfigError, match="REBOUND_SFTP_PORT must be a whole number"):
        sftp_config_from_env({**env, "REBOUND_SFTP_PORT": "22.5"})
