-- 0002: keyed serialisation of outbox jobs (the SQLite store's 0007). A row may carry the key it is
-- serialised on (its order, its return): the claim never leases a row whose key another unexpired
-- lease holds, and leases at most one row per key at a time. Claims take a transaction-scoped
-- advisory lock first, so two replicas never both see a key free. Old rows (NULL key) are unserialised.
ALTER TABLE outbox ADD COLUMN lock_key text COLLATE "C";
CREATE INDEX outbox_leased_keys ON outbox (lock_key) WHERE status = 'leased';
