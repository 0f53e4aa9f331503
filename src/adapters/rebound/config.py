"""ReBound settings from the environment; secrets never appear in a repr, a log line or a traceback."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

from backflow.adapters.http_url import require_http_url

_REDACTED = "***"
MAX_CONCURRENCY_LIMIT = 256


class ReboundConfigError(ValueError):
    pass


class ReboundConfig(msgspec.Struct, frozen=True, kw_only=True):
    api_url: str
    client_id: str
    client_secret: str
    webhook_secrets: tuple[str, ...] = ()
    """Every secret currently accepted on webhooks; several while a secret is rotated."""
    flow_key: str | None = None
    """Sent as `X-ReBound-Flow-Key` when set."""
    request_timeout: float = 10.0
    max_concurrency: int = 16
    """Requests in flight at once (`REBOUND_MAX_CONCURRENCY`)."""
    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0
    """A `Retry-After` longer than this is handed to the caller as a `TransientError` instead of waited."""
    token_renew_margin: float = 60.0

    def __repr__(self) -> str:
        secrets = ",".join(_REDACTED for _ in self.webhook_secrets)
        return (
            f"ReboundConfig(api_url={self.api_url!r}, client_id={self.client_id!r}, "
            f"client_secret={_REDACTED!r}, webhook_secrets=[{secrets}], "
            f"flow_key={None if self.flow_key is None else _REDACTED!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReboundConfig:
        env = os.environ if environ is None else environ
        missing = [
            name
            for name in ("REBOUND_API_URL", "REBOUND_CLIENT_ID", "REBOUND_CLIENT_SECRET")
            if not env.get(name)
        ]
        if missing:
            raise ReboundConfigError(f"missing configuration: {', '.join(missing)}")
        try:
            api_url = require_http_url(
                "REBOUND_API_URL", env["REBOUND_API_URL"], example="https://api.rebound.example"
            )
        except ValueError as exc:
            raise ReboundConfigError(str(exc)) from None
        config = cls(
            api_url=api_url.rstrip("/"),
            client_id=env["REBOUND_CLIENT_ID"],
            client_secret=env["REBOUND_CLIENT_SECRET"],
            webhook_secrets=parse_secrets(env.get("REBOUND_WEBHOOK_SECRET", "")),
            flow_key=env.get("REBOUND_FLOW_KEY") or None,
        )
        concurrency = _concurrency(env)
        return config if concurrency is None else msgspec.structs.replace(config, max_concurrency=concurrency)


def parse_secrets(value: str) -> tuple[str, ...]:
    """`REBOUND_WEBHOOK_SECRET` is comma-separated: the new secret and the old one during a rotation."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _concurrency(env: Mapping[str, str]) -> int | None:
    """`REBOUND_MAX_CONCURRENCY`: a whole number from 1 to 256; unset or empty keeps the default."""
    text = env.get("REBOUND_MAX_CONCURRENCY", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY_LIMIT:
        raise ReboundConfigError(
            f"REBOUND_MAX_CONCURRENCY must be a whole number from 1 to {MAX_CONCURRENCY_LIMIT}, not {text!r}"
        )
    return int(text)
