"""SQLite adapter: the durable store behind the inbox, outbox, repositories, ledgers and monitor ports."""
