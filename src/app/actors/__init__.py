"""Actors: one anyio task per flow, fed from the durable outbox, supervised and restartable."""
