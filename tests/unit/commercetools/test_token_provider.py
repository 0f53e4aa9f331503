"""Token caching: single flight, renewal before expiry, refused credentials."""

from __future__ import annotations

import json

import anyio
import pytest

from backflow.adapters.commercetools.auth import TokenProvider
from backflow.adapters.commercetools.config import CommercetoolsConfig
from backflow.ports.errors import TransientError, UnauthorizedError

pytestmark = pytest.mark.anyio
CONFIG = CommercetoolsConfig(
    project_key="p",
    client_id="id",
    client_secret="s3cret",
    auth_url="http://a",
    api_url="http://b",
    scopes=("x:p",),
)


class FakeAuth:
    def __init__(self, status: int = 200, expires_in: int = 1000) -> None:
        self.calls = 0
        self.status = status
        self.expires_in = expires_in

    async def post(self, url: str, user: str, password: str, params: dict[str, str]) -> tuple[int, bytes]:
        self.calls += 1
        assert (url, user, password) == ("http://a/oauth/token", "id", "s3cret")
        assert params == {"grant_type": "client_credentials", "scope": "x:p"}
        await anyio.sleep(0.05)  # slow enough that every caller arrives while the fetch is in flight
        body = {"access_token": f"t{self.calls}", "expires_in": self.expires_in, "token_type": "Bearer"}
        return self.status, json.dumps(body).encode()


async def test_single_flight() -> None:
    auth = FakeAuth()
    provider = TokenProvider(CONFIG, auth.post)
    tokens: list[str] = []

    async def ask() -> None:
        tokens.append(await provider.token())

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for _ in range(25):
                group.start_soon(ask)
    assert auth.calls == 1 and set(tokens) == {"t1"}


async def test_renewed_before_expiry_and_after_invalidation() -> None:
    now = [0.0]
    auth = FakeAuth(expires_in=1000)
    provider = TokenProvider(CONFIG, auth.post, monotonic=lambda: now[0])
    with anyio.fail_after(5):
        assert await provider.token() == "t1"
        now[0] = 899.0  # inside the lifetime minus the 10 % margin
        assert await provider.token() == "t1"
        now[0] = 901.0  # within the margin: renewed before it expires
        assert await provider.token() == "t2"
        provider.invalidate("t1")  # a stale token's 401 does not throw away the newer one
        assert await provider.token() == "t2"
        provider.invalidate("t2")
        assert await provider.token() == "t3"


async def test_refused_and_failing_token_requests() -> None:
    with anyio.fail_after(5):
        with pytest.raises(UnauthorizedError):
            await TokenProvider(CONFIG, FakeAuth(status=401).post).token()
        with pytest.raises(TransientError):
            await TokenProvider(CONFIG, FakeAuth(status=503).post).token()


def test_secret_is_redacted() -> None:
    assert "s3cret" not in repr(CONFIG)
    env = {
        "CTP_PROJECT_KEY": "p",
        "CTP_CLIENT_ID": "id",
        "CTP_CLIENT_SECRET": "s3cret",
        "CTP_AUTH_URL": "http://a",
        "CTP_API_URL": "http://b",
        "CTP_SCOPES": "manage_orders:p view_messages:p",
    }
    config = CommercetoolsConfig.from_env(env)
    assert config.scopes == ("manage_orders:p", "view_messages:p")
    with pytest.raises(ValueError, match="CTP_CLIENT_SECRET"):
        CommercetoolsConfig.from_env({k: v for k, v in env.items() if k != "CTP_CLIENT_SECRET"})


def test_max_concurrency_comes_from_the_environment_and_is_validated() -> None:
    env = {
        "CTP_PROJECT_KEY": "p",
        "CTP_CLIENT_ID": "id",
        "CTP_CLIENT_SECRET": "s3cret",
        "CTP_AUTH_URL": "http://a",
        "CTP_API_URL": "http://b",
    }
    assert CommercetoolsConfig.from_env(env).max_concurrency == 16
    assert CommercetoolsConfig.from_env(env | {"CTP_MAX_CONCURRENCY": ""}).max_concurrency == 16
    assert CommercetoolsConfig.from_env(env | {"CTP_MAX_CONCURRENCY": " 24 "}).max_concurrency == 24
    explicit = CommercetoolsConfig.from_env(env | {"CTP_MAX_CONCURRENCY": "24"}, max_concurrency=3)
    assert explicit.max_concurrency == 3
    for bad in ("0", "-1", "2.5", "many", "257"):
        with pytest.raises(ValueError, match="CTP_MAX_CONCURRENCY"):
            CommercetoolsConfig.from_env(env | {"CTP_MAX_CONCURRENCY": bad})
