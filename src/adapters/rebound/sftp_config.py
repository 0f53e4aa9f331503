"""Where ReBound drops its notification files by SFTP (`REBOUND_SFTP_*`); off unless a host is set.

The server's host key is always checked against a known_hosts file: a poller that would trust any
server would hand whatever it found there to the inbox. The client logs in with a private key
file, a password, or both. Secrets never appear in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import msgspec

from backflow.adapters.rebound.config import ReboundConfigError

PREFIX = "REBOUND_SFTP_"
DEFAULT_MAX_FILE_BYTES = 1024 * 1024


class SftpConfig(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    username: str
    known_hosts: Path
    """An OpenSSH known_hosts file holding the server's host key."""
    port: int = 22
    directory: str = "."
    """The drop folder, relative to the login directory unless absolute; `processed/` and `rejected/`
    are made inside it."""
    client_key: Path | None = None
    password: str | None = None
    poll_seconds: float = 30.0
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    connect_timeout: float = 30.0

    def __repr__(self) -> str:
        password = None if self.password is None else "***"
        return (
            f"SftpConfig({self.username}@{self.host}:{self.port}/{self.directory}, "
            f"client_key={self.client_key}, password={password}, poll={self.poll_seconds}s)"
        )

    __str__ = __repr__


def sftp_config_from_env(env: Mapping[str, str]) -> SftpConfig | None:
    """None when `REBOUND_SFTP_HOST` is unset; a `ReboundConfigError` naming the setting otherwise."""
    host = env.get(f"{PREFIX}HOST", "").strip()
    if not host:
        return None
    missing = [
        f"{PREFIX}{name}" for name in ("USER", "KNOWN_HOSTS") if not env.get(f"{PREFIX}{name}", "").strip()
    ]
    if missing:
        raise ReboundConfigError(f"SFTP delivery ({PREFIX}HOST) needs {', '.join(missing)}")
    key = env.get(f"{PREFIX}KEY", "").strip()
    password = env.get(f"{PREFIX}PASSWORD") or None
    if not key and password is None:
        raise ReboundConfigError(f"SFTP delivery needs {PREFIX}KEY (a private key file) or {PREFIX}PASSWORD")
    return SftpConfig(
        host=host,
        username=env[f"{PREFIX}USER"].strip(),
        known_hosts=Path(env[f"{PREFIX}KNOWN_HOSTS"].strip()),
        port=int(_number(env, "PORT", 22, whole=True, high=65535)),
        directory=env.get(f"{PREFIX}DIR", "").strip() or ".",
        client_key=Path(key) if key else None,
        password=password,
        poll_seconds=_number(env, "POLL_SECONDS", 30.0, high=86400),
        max_file_bytes=int(_number(env, "MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES, whole=True, high=2**30)),
    )


def _number(env: Mapping[str, str], name: str, default: float, *, high: float, whole: bool = False) -> float:
    text = env.get(f"{PREFIX}{name}", "").strip()
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = -1
    if not 0 < value <= high:
        kind = "a whole number" if whole else "a number"
        raise ReboundConfigError(f"{PREFIX}{name} must be {kind} above 0 and at most {high:g}, not {text!r}")
    return value
