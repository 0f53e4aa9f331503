"""`ReBound-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

Both sides live here: the simulator signs, the webhook intake verifies. During a rotation ReBound
sends one `v1` per active secret and Backflow may hold several secrets; one match is enough.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from enum import StrEnum

SIGNATURE_HEADER = "ReBound-Signature"
TOLERANCE_SECONDS = 300
_MAX_ENTRIES = 16  # a header with more entries than this is not a rotation, it is an attack


class SignatureProblem(StrEnum):
    MISSING = "missing signature"
    MALFORMED = "malformed signature"
    STALE = "timestamp outside tolerance"
    MISMATCH = "no signature matches"


class SignatureError(Exception):
    def __init__(self, problem: SignatureProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def compute(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """The header value, one `v1` per secret (several while a secret is being rotated)."""
    parts = [f"t={timestamp}", *(f"v1={compute(secret, timestamp, body)}" for secret in secrets)]
    return ",".join(parts)


def parse(header: str) -> tuple[int, list[str]]:
    """The timestamp and the `v1` candidates; other schemes are ignored, as a future v2 would be."""
    timestamp: int | None = None
    candidates: list[str] = []
    entries = header.split(",")
    if len(entries) > _MAX_ENTRIES:
        raise SignatureError(SignatureProblem.MALFORMED)
    for entry in entries:
        key, sep, value = entry.strip().partition("=")
        if not sep:
            raise SignatureError(SignatureProblem.MALFORMED)
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit() or len(value) > 12:
                raise SignatureError(SignatureProblem.MALFORMED)
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError(SignatureProblem.MALFORMED)
    return timestamp, candidates


def verify(
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """The signed timestamp if some `v1` matches some secret within `tolerance`; else `SignatureError`."""
    if not header:
        raise SignatureError(SignatureProblem.MISSING)
    timestamp, candidates = parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(SignatureProblem.STALE)
    matched = False
    for secret in secrets:
        expected = compute(secret, timestamp, body).encode()
        for candidate in candidates:
            # Check every pair, so timing does not reveal which secret or entry matched.
            matched |= hmac.compare_digest(expected, candidate.encode("ascii", "replace"))
    if not matched:
        raise SignatureError(SignatureProblem.MISMATCH)
    return timestamp
