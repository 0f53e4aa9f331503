"""What the outbox relay hands an actor: the claimed row, its trace context and which attempt this is."""

from __future__ import annotations

from dataclasses import dataclass

from backflow.ports.outbox import OutboxRow


@dataclass(frozen=True, slots=True)
class Envelope:
    row: OutboxRow
    trace_ctx: dict[str, str]
    attempt: int

    @classmethod
    def of(cls, row: OutboxRow) -> Envelope:
        return cls(row=row, trace_ctx=row.trace_ctx, attempt=row.attempts)
