"""Capture mode for onboarding (`BACKFLOW_CAPTURE_UNKNOWN=1`, off by default).

A body a ReBound endpoint refused (failed authentication or parsing) is kept, quarantined and never
processed, with its headers, so an implementation team can build a retailer's mapping from real
samples (`backflow inbox export --quarantined`). Capture only records: the caller answers exactly as
it would without it. Credentials are masked (Authorization, signature headers, the configured token
header), bodies are capped by the endpoint's body cap (a larger one is never read), and at most
`per_minute` samples are kept per minute, so a flood cannot fill the disk.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, Inbox, StoreOutcome

SOURCE = "rebound-capture"
CAPTURE_VARIABLE = "BACKFLOW_CAPTURE_UNKNOWN"
MASK = "***"
ALWAYS_MASKED = frozenset(
    {"authorization", "proxy-authorization", "cookie", "rebound-signature", "x-goog-signature"}
)
NEVER_PROCESSED = "captured for onboarding: never processed"
_MAX_HEADERS = 64
_MAX_HEADER_VALUE = 512
log = logging.getLogger("backflow.app.intake")


@dataclass
class Capture:
    inbox: Inbox
    clock: Clock
    masked: frozenset[str] = ALWAYS_MASKED
    """Header names (lower case) whose values are credentials."""
    per_minute: int = 30
    _window: tuple[int, int] = field(default=(0, 0))
    """(minute, samples kept in it)."""

    async def refused(self, endpoint: str, headers: Mapping[str, str], body: bytes, reason: str) -> bool:
        """Keep one refused request; False when the rate limit dropped it."""
        if not self._admit():
            return False
        event = InboundEvent(
            source=SOURCE,
            source_id=f"sha256:{hashlib.sha256(body).hexdigest()}",
            kind=endpoint,
            received_at=self.clock.now(),
            body=body,
            headers=self.masked_headers(headers),
            quarantine_reason=f"captured ({reason})"[:500],
        )
        if await self.inbox.store(event) is StoreOutcome.STORED:
            stored = await self.inbox.get(SOURCE, event.source_id)
            if stored is not None:
                # Settled at once, so the inbox processor never picks it up.
                await self.inbox.mark_failed(stored.seq, NEVER_PROCESSED, final=True)
        log.info("refused request captured", extra={"endpoint": endpoint, "reason": reason})
        return True

    def masked_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        kept: dict[str, str] = {}
        for name, value in list(headers.items())[:_MAX_HEADERS]:
            masked = name.lower() in self.masked
            kept[name[:128]] = MASK if masked else value[:_MAX_HEADER_VALUE]
        return kept

    def _admit(self) -> bool:
        minute = int(self.clock.monotonic() // 60)
        current, used = self._window
        if current != minute:
            current, used = minute, 0
        if used >= self.per_minute:
            self._window = (current, used)
            return False
        self._window = (current, used + 1)
        return True


def capture_enabled(env: Mapping[str, str]) -> bool:
    return env.get(CAPTURE_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}
