"""Configuration by commercetools' own variable names (`CTP_*`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from backflow.adapters.http_url import require_http_url

MAX_CONCURRENCY_LIMIT = 256
_REQUIRED = ("CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET", "CTP_AUTH_URL", "CTP_API_URL")


@dataclass(frozen=True, kw_only=True)
class CommercetoolsConfig:
    project_key: str
    client_id: str
    client_secret: str = field(repr=False)
    auth_url: str
    api_url: str
    scopes: tuple[str, ...] = ()
    request_timeout: float = 10.0
    """Seconds for one HTTP call, connect included."""
    max_concurrency: int = 16
    """Requests in flight at once over the one connection pool (`CTP_MAX_CONCURRENCY`)."""
    reserved_for_order_sync: int = 4
    """Further slots only order sync may use, so a surge of returns cannot starve it (0: none)."""
    max_attempts: int = 4
    """Tries of one request on transient failures (502/503/504, timeouts, resets)."""
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    conflict_attempts: int = 6
    """Read-modify-write rounds of one update on 409 ConcurrentModification."""

    def __post_init__(self) -> None:
        if self.max_concurrency < 1 or self.max_attempts < 1 or self.conflict_attempts < 1:
            raise ValueError("concurrency and attempt limits must be at least 1")
        if self.reserved_for_order_sync < 0:
            raise ValueError("the slots reserved for order sync cannot be negative")

    def __repr__(self) -> str:
        return (
            f"CommercetoolsConfig(project_key={self.project_key!r}, client_id={self.client_id!r}, "
            f"client_secret='***', auth_url={self.auth_url!r}, api_url={self.api_url!r}, "
            f"scopes={self.scopes!r})"
        )

    @property
    def project_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/{self.project_key}"

    @property
    def token_url(self) -> str:
        return f"{self.auth_url.rstrip('/')}/oauth/token"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> CommercetoolsConfig:
        env = os.environ if env is None else env
        missing = [name for name in _REQUIRED if not env.get(name)]
        if missing:
            raise ValueError(f"missing commercetools settings: {', '.join(missing)}")
        concurrency = _concurrency(env)
        if concurrency is not None:  # an explicit override (tests, benchmarks) still wins
            overrides = {"max_concurrency": concurrency} | overrides
        return cls(
            project_key=env["CTP_PROJECT_KEY"],
            client_id=env["CTP_CLIENT_ID"],
            client_secret=env["CTP_CLIENT_SECRET"],
            auth_url=require_http_url(
                "CTP_AUTH_URL", env["CTP_AUTH_URL"], example="https://auth.europe-west1.gcp.commercetools.com"
            ),
            api_url=require_http_url(
                "CTP_API_URL", env["CTP_API_URL"], example="https://api.europe-west1.gcp.commercetools.com"
            ),
            scopes=tuple(env.get("CTP_SCOPES", "").split()),
            **overrides,  # type: ignore[arg-type]
        )


def _concurrency(env: Mapping[str, str]) -> int | None:
    """`CTP_MAX_CONCURRENCY`: a whole number from 1 to 256; unset or empty keeps the default."""
    text = env.get("CTP_MAX_CONCURRENCY", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY_LIMIT:
        raise ValueError(
            f"CTP_MAX_CONCURRENCY must be a whole number from 1 to {MAX_CONCURRENCY_LIMIT}, not {text!r}"
        )
    return int(text)
