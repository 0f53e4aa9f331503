"""The SFTP server ReBound would drop tracking files on, run by the simulator on 127.0.0.1: asyncssh's
own server, chrooted to a folder, password login, a host key made at start-up and written as an
OpenSSH known_hosts line for the daemon's `REBOUND_SFTP_KNOWN_HOSTS`."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import msgspec

with warnings.catch_warnings():
    # asyncssh imports cryptography's DSA types, which recent cryptography releases deprecate (as the poller)
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

DROP = "drop"


class ServedSftp(msgspec.Struct, frozen=True, kw_only=True):
    port: int
    root: str
    """What a client sees as `/`; files are written into its `drop` folder."""
    drop: str
    known_hosts: str
    username: str


@asynccontextmanager
async def serve_sftp(root: Path, port: int, username: str, password: str) -> AsyncIterator[ServedSftp]:
    drop = root / DROP
    drop.mkdir(parents=True, exist_ok=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")

    class Server(asyncssh.SSHServer):
        def begin_auth(self, login: str) -> bool:
            return True  # every login must authenticate

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, login: str, given: str) -> bool:
            return login == username and given == password

    class ChrootedSftp(asyncssh.SFTPServer):
        def __init__(self, channel: asyncssh.SSHServerChannel[bytes]) -> None:
            super().__init__(channel, chroot=str(root).encode())

    server = await asyncssh.create_server(
        Server, "127.0.0.1", port, server_host_keys=[host_key], sftp_factory=ChrootedSftp
    )
    bound = server.sockets[0].getsockname()[1]
    known_hosts = root.parent / f"{root.name}.known_hosts"  # outside the chroot: not a file to poll
    known_hosts.write_text(f"[127.0.0.1]:{bound} {host_key.export_public_key().decode()}")
    try:
        yield ServedSftp(
            port=bound, root=str(root), drop=str(drop), known_hosts=str(known_hosts), username=username
        )
    finally:
        server.close()
        await server.wait_closed()
