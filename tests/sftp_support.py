"""A real SFTP server on 127.0.0.1 (asyncssh's own), chrooted to a temporary folder, keys made here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from backflow.adapters.rebound.sftp_config import SftpConfig
from backflow.adapters.rebound.sftp_poller import asyncssh  # imported there with its DSA warning silenced

USER = "rebound"
PASSWORD = "sftp-pass-31f"


@dataclass
class SftpServer:
    root: Path
    """What the client sees as `/`."""
    port: int
    known_hosts: Path
    client_key: Path

    @property
    def drop(self) -> Path:
        return self.root / "drop"

    def config(self, **overrides: object) -> SftpConfig:
        settings: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "username": USER,
            "known_hosts": self.known_hosts,
            "client_key": self.client_key,
            "directory": "drop",
            "poll_seconds": 0.05,
            "connect_timeout": 10.0,
        }
        settings.update(overrides)
        return SftpConfig(**settings)  # type: ignore[arg-type]


@asynccontextmanager
async def sftp_server(folder: Path) -> AsyncIterator[SftpServer]:
    root = folder / "sftp-root"
    (root / "drop").mkdir(parents=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = folder / "client_ed25519"
    client_key.write_private_key(str(key_file))

    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True  # authentication is required

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == USER and password == PASSWORD

    class ChrootedSftp(asyncssh.SFTPServer):
        def __init__(self, channel: asyncssh.SSHServerChannel) -> None:
            super().__init__(channel, chroot=str(root).encode())

    server = await asyncssh.create_server(
        Server,
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        authorized_client_keys=asyncssh.import_authorized_keys(client_key.export_public_key().decode()),
        sftp_factory=ChrootedSftp,
    )
    port = server.sockets[0].getsockname()[1]
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key.export_public_key().decode()}")
    try:
        yield SftpServer(root=root, port=port, known_hosts=known_hosts, client_key=key_file)
    finally:
        server.close()
        await server.wait_closed()
