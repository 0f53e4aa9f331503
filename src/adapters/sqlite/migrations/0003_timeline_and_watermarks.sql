-- A return's timeline for people, and named watermarks/cursors that survive restarts.
CREATE TABLE timeline (
    seq INTEGER PRIMARY KEY,
    return_id TEXT NOT NULL,
    at REAL NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail BLOB NOT NULL,
    order_ref TEXT
);
CREATE INDEX timeline_return ON timeline (return_id, seq);

CREATE TABLE watermarks (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    updated_at REAL NOT NULL
);
