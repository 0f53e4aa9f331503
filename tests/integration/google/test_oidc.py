"""Google's OIDC token on pushes, verified against certificates served from 127.0.0.1."""

from __future__ import annotations

import base64
import json
import time

import anyio
import pytest

from backflow.adapters.google.oidc import GoogleOidcVerifier, OidcRejected, OidcUnavailable
from tests.google_support import AUDIENCE, EMAIL, CertsEndpoint, LocalKey, claims

pytestmark = pytest.mark.anyio


async def _refused(verifier: GoogleOidcVerifier, authorization: str | None) -> str:
    with anyio.fail_after(10), pytest.raises(OidcRejected) as refused:
        await verifier.verify(authorization)
    return refused.value.reason


async def test_a_valid_token_is_accepted_with_its_claims(verifier: GoogleOidcVerifier, key: LocalKey) -> None:
    with anyio.fail_after(10):
        verified = await verifier.verify(f"Bearer {key.sign(claims())}")
    assert (verified["email"], verified["aud"]) == (EMAIL, AUDIENCE)


async def test_the_issuer_may_be_spelt_without_the_scheme(
    verifier: GoogleOidcVerifier, key: LocalKey
) -> None:
    with anyio.fail_after(10):
        await verifier.verify(f"bearer {key.sign(claims(iss='accounts.google.com'))}")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": -120, "iat": -3720}, "expired"),  # seconds from now, taken when the test runs
        ({"iat": 600}, "too early"),
        ({"aud": "https://someone-else.example/push"}, "wrong audience"),
        ({"email": "intruder@other-project.iam.gserviceaccount.com"}, "not the configured account"),
        ({"email_verified": False}, "not verified"),
        ({"iss": "https://evil.example"}, "is not Google"),
    ],
)
async def test_a_token_with_a_wrong_claim_is_refused(
    verifier: GoogleOidcVerifier, key: LocalKey, overrides: dict[str, object], reason: str
) -> None:
    now = int(time.time())
    timed = {name: now + value for name, value in overrides.items() if name in ("exp", "iat")}
    token = key.sign(claims(**{**overrides, **timed}))
    assert reason in await _refused(verifier, f"Bearer {token}")


async def test_a_token_signed_by_another_key_is_refused(
    verifier: GoogleOidcVerifier, other_key: LocalKey, key: LocalKey
) -> None:
    forged = other_key.sign(claims(), key_id=key.key_id)  # claims to be our key, signed by another
    assert "Could not verify token signature" in await _refused(verifier, f"Bearer {forged}")


async def test_a_tampered_token_is_refused(verifier: GoogleOidcVerifier, key: LocalKey) -> None:
    header, payload, signature = key.sign(claims()).split(".")
    changed = json.loads(base64.urlsafe_b64decode(payload + "=="))
    changed["email"] = EMAIL
    changed["aud"] = "https://other.example"
    forged_payload = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    assert "signature" in await _refused(verifier, f"Bearer {header}.{forged_payload}.{signature}")


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "missing bearer token"),
        ("", "missing bearer token"),
        ("Basic dTpw", "missing bearer token"),
        ("Bearer ", "missing bearer token"),
        ("Bearer not-a-jwt", "malformed token"),
        ("Bearer " + "a" * 9000, "token too long"),
    ],
)
async def test_a_missing_or_malformed_token_is_refused(
    verifier: GoogleOidcVerifier, authorization: str | None, reason: str
) -> None:
    assert reason in await _refused(verifier, authorization)


async def test_an_unsigned_token_is_refused(verifier: GoogleOidcVerifier, key: LocalKey) -> None:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = f"{part({'alg': 'none', 'kid': key.key_id})}.{part(claims())}."
    assert "algorithm" in await _refused(verifier, f"Bearer {unsigned}")


async def test_certificates_are_cached_until_their_max_age(
    verifier: GoogleOidcVerifier, key: LocalKey, certs: CertsEndpoint, clock
) -> None:
    with anyio.fail_after(10):
        for _ in range(3):
            await verifier.verify(f"Bearer {key.sign(claims())}")
        assert certs.requests == 1
        clock.now += 3601
        await verifier.verify(f"Bearer {key.sign(claims())}")
    assert certs.requests == 2


async def test_a_rotated_key_is_fetched_once_and_an_unknown_one_cannot_flood(
    verifier: GoogleOidcVerifier, key: LocalKey, other_key: LocalKey, certs: CertsEndpoint, clock
) -> None:
    with anyio.fail_after(10):
        await verifier.verify(f"Bearer {key.sign(claims())}")
        certs.keys.append(other_key)  # Google publishes a new key and starts signing with it
        clock.now += 31
        await verifier.verify(f"Bearer {other_key.sign(claims())}")
        assert certs.requests == 2
        for n in range(5):
            reason = await _refused(verifier, f"Bearer {key.sign(claims(), key_id=f'made-up-{n}')}")
            assert "not found" in reason
    assert certs.requests == 2  # within the refetch interval an unknown kid fetches nothing


async def test_without_certificates_verification_is_unavailable_not_refused(
    verifier: GoogleOidcVerifier, key: LocalKey, certs: CertsEndpoint
) -> None:
    certs.status = 503
    with anyio.fail_after(10), pytest.raises(OidcUnavailable):
        await verifier.verify(f"Bearer {key.sign(claims())}")


async def test_cached_certificates_outlive_an_outage(
    verifier: GoogleOidcVerifier, key: LocalKey, certs: CertsEndpoint, clock
) -> None:
    with anyio.fail_after(10):
        await verifier.verify(f"Bearer {key.sign(claims())}")
        certs.status = 500
        clock.now += 7200
        await verifier.verify(f"Bearer {key.sign(claims())}")
        assert certs.requests == 2
        await verifier.verify(f"Bearer {key.sign(claims())}")
    assert certs.requests == 2  # the failed fetch is retried after the refetch interval, not per request
