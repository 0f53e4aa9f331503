-- 0009: the order as last synced, for the anchoring to plan on without looking the order up.
CREATE TABLE order_snapshots (
    ct_order_id TEXT PRIMARY KEY,
    order_number TEXT,
    version INTEGER NOT NULL,
    created_at REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX order_snapshots_number ON order_snapshots (order_number);
CREATE INDEX order_snapshots_created ON order_snapshots (created_at);
