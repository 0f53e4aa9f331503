"""One line of `backflow check-config`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    warning: bool = False

    def line(self) -> str:
        label = "ok" if self.ok and not self.warning else ("warn" if self.ok else "FAIL")
        return f"[{label:>4}] {self.name}: {self.message}"
