"""Child process: poll the SFTP drop once and die by SIGKILL right after the first file is stored.

argv: port known_hosts client_key db_path. The kill comes after the store's commit and before the
move, the one moment where a file is both in the inbox and still in the drop folder.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import anyio

from backflow.adapters.rebound.sftp_config import SftpConfig
from backflow.adapters.rebound.sftp_intake import make_sftp_store
from backflow.adapters.rebound.sftp_poller import SftpFile, SftpPoller, Verdict, connect_sftp
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator


async def main(port: int, known_hosts: Path, client_key: Path, db: Path) -> None:
    config = SftpConfig(
        host="127.0.0.1", port=port, username="rebound", known_hosts=known_hosts, client_key=client_key
    )
    clock = SystemClock()
    async with SqliteStore.open(db, clock=clock, ids=Uuid7Generator()) as store:
        stored = make_sftp_store(store.inbox, clock)

        async def store_then_die(file: SftpFile) -> Verdict:
            await stored(file)
            os.kill(os.getpid(), signal.SIGKILL)
            raise AssertionError("unreachable: the process is gone")

        async with connect_sftp(config) as sftp:
            poller = SftpPoller(sftp, "drop", store_then_die, max_file_bytes=1 << 20, require_stable=False)
            await poller.prepare()
            await poller.poll_once()


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
