"""A local stand-in for Google's token signing: RSA keys made here, certificates served from 127.0.0.1.

Tokens are signed with google-auth's own encoder, as Google's are (RS256 with a `kid`), and the
certificates endpoint answers like Google's (`{kid: PEM certificate}` with `Cache-Control`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

AUDIENCE = "https://backflow.example/events/rebound"
EMAIL = "rebound-push@retailer-project.iam.gserviceaccount.com"


class LocalKey:
    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key_id)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=14))
            .sign(self._key, hashes.SHA256())
        )
        self.certificate = cert.public_bytes(serialization.Encoding.PEM).decode()
        private = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._signer = crypt.RSASigner.from_string(private, key_id)

    def sign(self, claims: dict[str, Any], *, key_id: str | None = None) -> str:
        return jwt.encode(self._signer, claims, key_id=key_id or self.key_id).decode()


def claims(**overrides: Any) -> dict[str, Any]:
    """What Google puts in a push request's token, valid for the next hour."""
    now = int(time.time())
    base: dict[str, Any] = {
        "aud": AUDIENCE,
        "azp": "112233445566778899",
        "email": EMAIL,
        "email_verified": True,
        "exp": now + 3600,
        "iat": now,
        "iss": "https://accounts.google.com",
        "sub": "112233445566778899",
    }
    base.update(overrides)
    return base


class CertsEndpoint:
    """`GET /oauth2/v1/certs` serving the certificates of `keys`; `status` makes it fail on demand."""

    def __init__(self, *keys: LocalKey, max_age: int = 3600) -> None:
        self.keys = list(keys)
        self.max_age = max_age
        self.status = 200
        self.requests = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/oauth2/v1/certs", self._certs)
        return app

    async def _certs(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.status != 200:
            return web.Response(status=self.status, text="unavailable")
        body = {key.key_id: key.certificate for key in self.keys}
        headers = {"Cache-Control": f"public, max-age={self.max_age}, must-revalidate, no-transform"}
        return web.json_response(body, headers=headers)
