"""The PostgreSQL store's pool and timeouts, from BACKFLOW_PG_* (unused when BACKFLOW_DB is a file).

The defaults suit a replica beside two or three others on a managed server; `docs/stores.md` says
how to size them. Each malformed value is a ConfigError naming its variable.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from backflow.app.core.config_error import ConfigError


class PostgresSettings(msgspec.Struct, frozen=True, kw_only=True):
    pool_min: int = 1
    """Connections each process keeps open, even idle."""
    pool_max: int = 10
    """Connections each process may open at once (LISTEN uses one more, outside the pool)."""
    connect_timeout_seconds: float = 30.0
    """Opening a connection: at start (a wrong address fails after this long) and when reconnecting."""
    pool_timeout_seconds: float = 30.0
    """How long a read or write waits for a free pooled connection before the store is unavailable
    (intake then answers 503); 1 s while the server is already known to be gone."""
    statement_timeout_seconds: float = 30.0
    """The server ends any statement running longer (a lock never released, a runaway plan)."""
    lock_timeout_seconds: float = 0.0
    """The server ends a wait for a row or table lock after this long; 0 leaves only the statement
    timeout (PostgreSQL's own default)."""


def postgres_settings_from_env(env: Mapping[str, str]) -> PostgresSettings:
    pool_min = _integer(env, "BACKFLOW_PG_POOL_MIN", 1, least=0)
    pool_max = _integer(env, "BACKFLOW_PG_POOL_MAX", 10, least=1)
    if pool_max < pool_min:
        raise ConfigError(
            f"BACKFLOW_PG_POOL_MAX ({pool_max}) must be at least BACKFLOW_PG_POOL_MIN ({pool_min})"
        )
    statement = _seconds(env, "BACKFLOW_PG_STATEMENT_TIMEOUT_SECONDS", 30.0)
    lock = _seconds(env, "BACKFLOW_PG_LOCK_TIMEOUT_SECONDS", 0.0, zero_allowed=True)
    if lock >= statement:
        # A lock wait is part of its statement: a lock timeout at or past the statement's never fires.
        raise ConfigError(
            f"BACKFLOW_PG_LOCK_TIMEOUT_SECONDS ({lock:g}) must be below "
            f"BACKFLOW_PG_STATEMENT_TIMEOUT_SECONDS ({statement:g}), or 0 for none"
        )
    return PostgresSettings(
        pool_min=pool_min,
        pool_max=pool_max,
        connect_timeout_seconds=_seconds(env, "BACKFLOW_PG_CONNECT_TIMEOUT_SECONDS", 30.0),
        pool_timeout_seconds=_seconds(env, "BACKFLOW_PG_POOL_TIMEOUT_SECONDS", 30.0),
        statement_timeout_seconds=statement,
        lock_timeout_seconds=lock,
    )


def _integer(env: Mapping[str, str], name: str, default: int, *, least: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < least:
        raise ConfigError(f"{name} must be a whole number of at least {least}, not {text!r}")
    return int(text)


def _seconds(env: Mapping[str, str], name: str, default: float, *, zero_allowed: bool = False) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {text!r}") from None
    # Under a millisecond the server would read 0, which means no limit at all.
    if not (value == 0 and zero_allowed) and not 0.001 <= value <= 86_400:
        bound = "0 or " if zero_allowed else ""
        raise ConfigError(f"{name} must be {bound}between 0.001 and 86400 seconds, not {text!r}")
    return value
