-- The runtime's tables: shadow mode's would-be writes and the readiness write probe.
CREATE TABLE shadow_writes (
    seq INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    operation TEXT NOT NULL,
    arguments BLOB NOT NULL,
    at REAL NOT NULL,
    trace_id TEXT
);

CREATE TABLE runtime_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at REAL NOT NULL
);

CREATE INDEX exceptions_first_seen ON exceptions (first_seen);
