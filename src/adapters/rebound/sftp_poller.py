"""Polls ReBound's SFTP drop folder: each file is stored durably, and only then moved away.

Per file: download, hash, hand to `store` (which commits it, deduplicated by file name + sha256),
then move it to `processed/` (or `rejected/`, with `<name>.reason` written beside it first). A
daemon killed anywhere in between finds the file still in the drop folder on restart; storing it
again is a duplicate, so it is just moved: nothing is lost and nothing is processed twice.

A file is taken only once its size and modification time are the same on two listings in a row,
so one still being uploaded is left alone (no clock is compared with the server's). Dotfiles and
the usual upload-in-progress names are skipped.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Literal

import anyio
import anyio.abc
import msgspec

from backflow.adapters.rebound.sftp_config import SftpConfig

with warnings.catch_warnings():
    # asyncssh imports cryptography's DSA types, which recent cryptography releases deprecate; no DSA
    # key is used here, and the warning would greet every `backflow run`.
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

PROCESSED = "processed"
REJECTED = "rejected"
_PARTIAL_SUFFIXES = (".part", ".partial", ".filepart", ".tmp", ".temp", ".uploading")
_log = logging.getLogger(__name__)


class SftpFile(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    data: bytes
    sha256: str

    @property
    def dedupe_key(self) -> str:
        """File name and content hash: a re-upload of the same bytes is a duplicate, new bytes are not."""
        return f"{self.name}:sha256:{self.sha256}"


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """What the store made of a file, durably: taken (`processed/`) or refused (`rejected/`)."""

    outcome: Literal["processed", "rejected"]
    reason: str | None = None


Store = Callable[[SftpFile], Awaitable[Verdict]]
"""Commits the file before returning; for a file it already holds, returns the same verdict."""


class PollReport(msgspec.Struct, kw_only=True):
    processed: list[str] = []
    rejected: list[str] = []
    waiting: list[str] = []
    """Files seen for the first time or still changing: taken on a later poll."""


class SftpPoller:
    def __init__(
        self,
        sftp: asyncssh.SFTPClient,
        directory: str,
        store: Store,
        *,
        max_file_bytes: int,
        require_stable: bool = True,
    ) -> None:
        self._sftp = sftp
        self._dir = directory
        self._store = store
        self._max = max_file_bytes
        self._require_stable = require_stable
        self._last_seen: dict[str, tuple[int | None, int | None]] = {}

    async def prepare(self) -> None:
        """Make `processed/` and `rejected/` when they are missing."""
        for folder in (PROCESSED, REJECTED):
            path = posixpath.join(self._dir, folder)
            if not await self._sftp.isdir(path):
                await self._sftp.mkdir(path)

    async def poll_once(self) -> PollReport:
        report = PollReport()
        seen: dict[str, tuple[int | None, int | None]] = {}
        candidates = []
        for entry in await self._sftp.readdir(self._dir):
            name = str(entry.filename)
            if not _wanted(name, entry.attrs):
                continue
            seen[name] = (entry.attrs.size, entry.attrs.mtime)
            if self._require_stable and self._last_seen.get(name) != seen[name]:
                report.waiting.append(name)
            else:
                candidates.append((entry.attrs.mtime or 0, name, entry.attrs.size or 0))
        self._last_seen = seen
        for _, name, size in sorted(candidates):  # oldest first
            verdict = await self._take(name, size)
            if verdict is not None:
                (report.processed if verdict.outcome == PROCESSED else report.rejected).append(name)
        return report

    async def _take(self, name: str, size: int) -> Verdict | None:
        """The verdict, or None when the file went away (another poller took it)."""
        path = posixpath.join(self._dir, name)
        try:
            if size > self._max:
                # Not read, not stored: the reason beside it in rejected/ is its record.
                verdict = Verdict(outcome="rejected", reason=f"larger than {self._max} bytes ({size})")
                await self._move(path, name, f"{size}b", verdict)
                return verdict
            async with self._sftp.open(path, "rb") as handle:
                data = await handle.read(self._max + 1)
            assert isinstance(data, bytes)  # binary mode; asyncssh types the result as str | bytes
            if len(data) > self._max:
                verdict = Verdict(outcome="rejected", reason=f"larger than {self._max} bytes")
                await self._move(path, name, f"{len(data)}b", verdict)
                return verdict
            file = SftpFile(name=name, data=data, sha256=hashlib.sha256(data).hexdigest())
            verdict = await self._store(file)  # durable from here: a cut-short move is redone on restart
            await self._move(path, name, file.sha256[:16], verdict)
        except asyncssh.SFTPNoSuchFile:
            return None
        _log.info("sftp file %s: %s", name, verdict.outcome)
        return verdict

    async def _move(self, path: str, name: str, suffix: str, verdict: Verdict) -> None:
        folder = posixpath.join(self._dir, verdict.outcome)
        target = await self._free_name(folder, name, suffix)
        if target is None:
            # The same name and content were moved there before (a re-upload): that copy stands.
            await self._sftp.remove(path)
            return
        if verdict.outcome == REJECTED:
            async with self._sftp.open(f"{target}.reason", "w") as reason:
                await reason.write((verdict.reason or "rejected") + "\n")
        await self._sftp.rename(path, target)

    async def _free_name(self, folder: str, name: str, suffix: str) -> str | None:
        """`folder/name`, else `folder/name.<suffix>`; None when that one exists too."""
        for candidate in (name, f"{name}.{suffix}"):
            target = posixpath.join(folder, candidate)
            if not await self._sftp.exists(target):
                return target
        return None


def _wanted(name: str, attrs: asyncssh.SFTPAttrs) -> bool:
    if name.startswith(".") or name.lower().endswith(_PARTIAL_SUFFIXES):
        return False
    return attrs.type == asyncssh.FILEXFER_TYPE_REGULAR


@asynccontextmanager
async def connect_sftp(config: SftpConfig) -> AsyncIterator[asyncssh.SFTPClient]:
    """One SSH connection and its SFTP session; the host key must be in `config.known_hosts`."""
    async with (
        asyncssh.connect(
            config.host,
            config.port,
            username=config.username,
            known_hosts=str(config.known_hosts),
            client_keys=[str(config.client_key)] if config.client_key else None,
            password=config.password,
            agent_path=None,  # only the configured credentials, never the host's agent
            config=[],  # nor ~/.ssh/config
            connect_timeout=config.connect_timeout,
        ) as connection,
        connection.start_sftp_client() as sftp,
    ):
        yield sftp


async def run_sftp_poller(
    config: SftpConfig,
    store: Store,
    *,
    connect: Callable[[SftpConfig], AbstractAsyncContextManager[asyncssh.SFTPClient]] = connect_sftp,
    task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Poll every `poll_seconds` until cancelled. An unreachable server is retried with backoff and
    never stops the daemon starting; an error from `store` propagates (its supervisor restarts it)."""
    started, failures = False, 0
    while True:
        try:
            async with connect(config) as sftp:
                poller = SftpPoller(sftp, config.directory, store, max_file_bytes=config.max_file_bytes)
                await poller.prepare()
                failures = 0
                if not started:
                    started = True
                    task_status.started()
                while True:
                    await poller.poll_once()
                    await anyio.sleep(config.poll_seconds)
        except (OSError, asyncssh.Error) as error:
            failures += 1
            delay = min(config.poll_seconds * 2 ** min(failures - 1, 6), 900.0)
            _log.warning("sftp %s:%s: %r; retrying in %.0fs", config.host, config.port, error, delay)
            if not started:
                started = True
                task_status.started()
            await anyio.sleep(delay)
