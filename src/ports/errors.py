"""Typed errors every outbound port raises, whatever the technology behind it.

The application decides what to do from the type alone: retry a `TransientError`, re-read after a
`ConflictError`, park the work and raise an exception for a `NotFoundError` or `InvalidRequestError`.
"""

from __future__ import annotations


class PortError(Exception):
    """Base of every error an outbound port raises."""

    def __init__(self, message: str, *, status: int | None = None, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.codes = codes


class NotFoundError(PortError):
    """The resource does not exist (404)."""


class ConflictError(PortError):
    """A concurrent modification: the version we sent is stale (409)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 409,
        codes: tuple[str, ...] = (),
        current_version: int | None = None,
    ) -> None:
        super().__init__(message, status=status, codes=codes)
        self.current_version = current_version


class InvalidRequestError(PortError):
    """The remote refused the request as invalid (400); `codes` are the remote's error codes."""


class UnauthorizedError(PortError):
    """Credentials were refused, or the token lacks a scope (401/403), even after one fresh token."""


class TransientError(PortError):
    """Worth retrying later: 429, 502, 503, 504, timeouts, connection resets."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        codes: tuple[str, ...] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, codes=codes)
        self.retry_after = retry_after


class StoreUnavailable(ConnectionError):
    """The store's database cannot be reached just now (its server is down, restarting or cut off).

    Not an outbound port's error: any store call may raise it. What the call wrote is rolled back
    or, if the connection broke during COMMIT, unknown; either way retrying an idempotent write is
    safe, so intake answers 503 and the sender retries.
    """
