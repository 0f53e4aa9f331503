-- 0006: order sync remembers what it last sent ReBound, so a newer order version that maps to the
-- same sales order (Backflow's own return writes move the version) is recorded without a call and
-- without replacing the lag of the sync that changed what the portal shows; the skips are counted.
ALTER TABLE synced_orders ADD COLUMN payload_digest text COLLATE "C";
ALTER TABLE synced_orders ADD COLUMN resyncs_skipped bigint NOT NULL DEFAULT 0;
-- The metrics sum the skips over the orders that had any, not over every order ever synced.
CREATE INDEX synced_orders_resyncs_skipped ON synced_orders (resyncs_skipped) WHERE resyncs_skipped > 0;
