"""The simulator as Google's token issuer for Pub/Sub pushes: an RSA key made at start-up, tokens
signed with google-auth's encoder (RS256 with a `kid`), and its certificate served at
`/_sim/oidc/certs` in Google's format (`{kid: PEM certificate}`), so a daemon configured with
`BACKFLOW_PUSH_OIDC_CERTS_URL` checks pushes exactly as it would Google's."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

CERTS_PATH = "/_sim/oidc/certs"
ISSUER = "https://accounts.google.com"


class OidcIssuer:
    """The key is made on first use: RSA generation takes a moment, and most runs never push."""

    def __init__(self, key_id: str = "rebound-sim-1") -> None:
        self.key_id = key_id

    @cached_property
    def _material(self) -> tuple[crypt.RSASigner, str]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.key_id)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=14))
            .sign(key, hashes.SHA256())
        )
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        signer = crypt.RSASigner.from_string(private, self.key_id)  # type: ignore[no-untyped-call]
        return signer, cert.public_bytes(serialization.Encoding.PEM).decode()

    def certificates(self) -> dict[str, str]:
        return {self.key_id: self._material[1]}

    def token(self, audience: str, email: str, *, lifetime: int = 3600) -> str:
        """What Google puts in a push request's `Authorization: Bearer`, valid for `lifetime` seconds."""
        now = int(time.time())
        claims = {
            "aud": audience,
            "azp": "100000000000000000001",
            "email": email,
            "email_verified": True,
            "exp": now + lifetime,
            "iat": now,
            "iss": ISSUER,
            "sub": "100000000000000000001",
        }
        encoded: bytes = jwt.encode(self._material[0], claims, key_id=self.key_id)  # type: ignore[no-untyped-call]
        return encoded.decode()
