-- Inbox, outbox and the outbox's transition history.
CREATE TABLE inbox (
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at REAL NOT NULL,
    body BLOB NOT NULL,
    headers BLOB NOT NULL,
    trace_ctx BLOB NOT NULL,
    quarantine_reason TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    processed_at REAL,
    UNIQUE (source, source_id)
);
CREATE INDEX inbox_pending ON inbox (seq) WHERE status = 'pending';

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    available_at REAL NOT NULL,
    created_at REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL,
    previous_owner TEXT,
    trace_ctx BLOB NOT NULL,
    last_error TEXT,
    finished_at REAL
) WITHOUT ROWID;
CREATE UNIQUE INDEX outbox_live_key ON outbox (idempotency_key) WHERE status IN ('pending', 'leased');
CREATE INDEX outbox_due ON outbox (available_at, id) WHERE status = 'pending';
CREATE INDEX outbox_leases ON outbox (lease_until, id) WHERE status = 'leased';
CREATE INDEX outbox_dead ON outbox (id) WHERE status = 'dead';

CREATE TABLE outbox_events (
    seq INTEGER PRIMARY KEY,
    outbox_id TEXT NOT NULL,
    at REAL NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT,
    detail TEXT
);
CREATE INDEX outbox_events_row ON outbox_events (outbox_id, seq);
CREATE INDEX outbox_events_done ON outbox_events (at) WHERE to_status = 'done';
