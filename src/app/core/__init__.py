"""What the capability packages share: dependencies, outbox messages and keys, problems, notes, cases."""
