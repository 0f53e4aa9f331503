"""Tracking updates delivered over every channel ReBound offers: HTTP with the endpoint's auth
scheme, a Google Pub/Sub push with an OIDC token, and a file in an SFTP drop folder.

Channels are chosen when a milestone happens (each configured one gets the update). A failed
delivery stays pending, due again after `retry_base` * 2^n simulated seconds (the clock loop respects
that; `POST /_sim/deliver` sends everything pending at once), up to `tracking_attempts`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import anyio
import msgspec

from backflow.devtools.rebound_sim.oidc import OidcIssuer
from backflow.devtools.rebound_sim.options import SimOptions
from backflow.devtools.rebound_sim.tracking_format import auth_headers, pubsub_envelope

HTTP, PUBSUB, SFTP = "http", "pubsub", "sftp"


@dataclass
class PendingUpdate:
    channel: str
    body: bytes
    rebound_order_id: str
    status_description: str
    due_at: datetime
    attempt: int = 0


class TrackingAttempt(msgspec.Struct, kw_only=True):
    channel: str
    rebound_order_id: str
    status_description: str
    attempt: int
    outcome: str
    """`delivered`, `failed` (will retry) or `abandoned`."""
    http_status: int | None = None
    error: str | None = None
    file: str | None = None


@dataclass
class TrackingChannels:
    options: SimOptions
    issuer: OidcIssuer
    wall_clock: Callable[[], float] = time.time
    pending: list[PendingUpdate] = field(default_factory=list)
    log: list[TrackingAttempt] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def channels(self) -> list[str]:
        chosen = [(HTTP, self.options.tracking_url), (PUBSUB, self.options.push_url)]
        chosen.append((SFTP, self.options.sftp_dir))
        return [name for name, target in chosen if target]

    def enqueue(self, body: bytes, rebound_order_id: str, now: datetime) -> None:
        description = msgspec.json.decode(body)["order"]["statusDescription"]
        for channel in self.channels():
            self.pending.append(PendingUpdate(channel, body, rebound_order_id, description, now))

    async def flush(
        self, session: aiohttp.ClientSession, now: datetime | None = None
    ) -> list[TrackingAttempt]:
        """Every update due at `now` (None: every pending one) once, in the order its milestones happened."""
        attempts = []
        for update in [u for u in self.pending if now is None or u.due_at <= now]:
            update.attempt += 1
            attempt = await self._send(session, update)
            if attempt.outcome == "delivered" or update.attempt >= self.options.tracking_attempts:
                self.pending.remove(update)
                if attempt.outcome != "delivered":
                    attempt.outcome = "abandoned"
            elif now is not None:
                backoff = self.options.retry_base * 2 ** (update.attempt - 1)
                update.due_at = now + timedelta(seconds=backoff)
            self.log.append(attempt)
            attempts.append(attempt)
        return attempts

    async def _send(self, session: aiohttp.ClientSession, update: PendingUpdate) -> TrackingAttempt:
        attempt = TrackingAttempt(
            channel=update.channel,
            rebound_order_id=update.rebound_order_id,
            status_description=update.status_description,
            attempt=update.attempt,
            outcome="failed",
        )
        try:
            if update.channel == SFTP:
                attempt.file = await self._write_file(update.body)
                attempt.outcome = "delivered"
                return attempt
            url, body, headers = self._request(update)
            timeout = aiohttp.ClientTimeout(total=self.options.delivery_timeout)
            async with session.post(url, data=body, headers=headers, timeout=timeout) as response:
                attempt.http_status = response.status
                await response.read()
            if 200 <= response.status < 300:
                attempt.outcome = "delivered"
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"
        return attempt

    def _request(self, update: PendingUpdate) -> tuple[str, bytes, dict[str, str]]:
        headers = {"Content-Type": "application/json"}
        if update.channel == HTTP:
            assert self.options.tracking_url is not None
            secret = self.options.tracking_secret or self.options.webhook_secrets[0]
            now = int(self.wall_clock())
            headers |= auth_headers(self.options.tracking_auth, secret, update.body, now)
            return self.options.tracking_url, update.body, headers
        url = self.options.push_url
        assert url is not None
        audience = self.options.push_audience or _without_query(url)
        token = self.issuer.token(audience, self.options.push_email)
        headers["Authorization"] = f"Bearer {token}"
        published = datetime.fromtimestamp(self.wall_clock(), UTC).isoformat().replace("+00:00", "Z")
        return url, pubsub_envelope(update.body, str(next(self._numbers)), published), headers

    async def _write_file(self, body: bytes) -> str:
        """Written under a dot name and renamed, so a poller never reads half a file."""
        assert self.options.sftp_dir is not None
        folder = anyio.Path(self.options.sftp_dir)
        name = f"rebound-{int(self.wall_clock() * 1000)}-{next(self._numbers):06d}.json"
        partial = folder / f".{name}.part"
        await partial.write_bytes(body)
        await partial.rename(folder / name)
        return name


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
