-- 0004: the order as last synced, for the anchoring to plan on without looking the order up.
CREATE TABLE order_snapshots (
    ct_order_id text COLLATE "C" PRIMARY KEY,
    order_number text COLLATE "C",
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    body bytea NOT NULL
);
CREATE INDEX order_snapshots_number ON order_snapshots (order_number);
CREATE INDEX order_snapshots_created ON order_snapshots (created_at);
