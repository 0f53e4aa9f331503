"""Two local signing keys (made once per module: RSA generation is slow) and a certificates server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from backflow.adapters.google.oidc import GoogleOidcVerifier, OidcConfig
from tests.google_support import AUDIENCE, EMAIL, CertsEndpoint, LocalKey


@pytest.fixture(scope="module")
def key() -> LocalKey:
    return LocalKey("local-key-1")


@pytest.fixture(scope="module")
def other_key() -> LocalKey:
    return LocalKey("local-key-2")


@pytest.fixture
def certs(key: LocalKey) -> CertsEndpoint:
    return CertsEndpoint(key)


@pytest.fixture
async def certs_url(certs: CertsEndpoint) -> AsyncIterator[str]:
    server = TestServer(certs.app(), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/oauth2/v1/certs"))
    await server.close()


@pytest.fixture
def oidc_config(certs_url: str) -> OidcConfig:
    return OidcConfig(audience=AUDIENCE, email=EMAIL, certs_url=certs_url)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def verifier(oidc_config: OidcConfig, clock: Clock) -> AsyncIterator[GoogleOidcVerifier]:
    async with aiohttp.ClientSession() as session:
        yield GoogleOidcVerifier(oidc_config, session, monotonic=clock)
