"""Named cursors and watermarks that survive restarts (message cursor, catch-up high-water marks)."""

from __future__ import annotations

from typing import Protocol


class Watermarks(Protocol):
    async def get(self, name: str) -> bytes | None:
        """The stored value (msgspec JSON chosen by its owner), or None if never set."""
        ...

    async def set(self, name: str, value: bytes) -> None:
        """Store durably (committed before returning); the last write wins."""
        ...
