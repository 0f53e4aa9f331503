"""Where the daemon's admin API is and how to authenticate: flags, then an env file, then the environment.

The TUI reads the same variables as the daemon (BACKFLOW_HTTP_HOST/PORT, BACKFLOW_ADMIN_TOKEN), so an
operator who can run the daemon can open the TUI with no extra configuration.
"""

from __future__ import annotations

import getpass
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8080"
# A daemon bound to every interface is still reached locally.
_WILDCARDS = {"0.0.0.0", "::", ""}


class ConfigError(ValueError):
    """The TUI cannot be configured; the message says which setting and why."""


@dataclass(frozen=True)
class ClientConfig:
    url: str
    token: str | None
    actor: str = "operator"
    """Sent as X-Backflow-Actor so the audit trail names who acted."""

    def __repr__(self) -> str:
        token = "<redacted>" if self.token else None
        return f"ClientConfig(url={self.url!r}, token={token}, actor={self.actor!r})"


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` and `export KEY=value` lines; blank lines and `#` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read env file {path}: {exc.strerror}") from exc
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line.removeprefix("export ").lstrip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"{path}:{number}: expected KEY=value")
        try:
            parts = shlex.split(value, comments=True)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: {exc}") from exc
        values[key.strip()] = " ".join(parts)
    return values


def resolve_config(
    env: Mapping[str, str],
    *,
    url: str | None = None,
    token: str | None = None,
    env_file: Path | None = None,
    actor: str | None = None,
) -> ClientConfig:
    """Flags win over the env file, which wins over the process environment."""
    merged = dict(env)
    if env_file is not None:
        merged.update(read_env_file(env_file))
    if url is None:
        host = merged.get("BACKFLOW_HTTP_HOST", DEFAULT_HOST).strip()
        host = DEFAULT_HOST if host in _WILDCARDS else host
        port = merged.get("BACKFLOW_HTTP_PORT", DEFAULT_PORT).strip()
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"BACKFLOW_HTTP_PORT must be a port number, not {port!r}")
        url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--url must start with http:// or https://, not {url!r}")
    token = token if token is not None else (merged.get("BACKFLOW_ADMIN_TOKEN") or None)
    return ClientConfig(url=url.rstrip("/"), token=token, actor=actor or _default_actor())


def _default_actor() -> str:
    try:
        return f"tui:{getpass.getuser()}"
    except (OSError, KeyError):
        return "tui"
