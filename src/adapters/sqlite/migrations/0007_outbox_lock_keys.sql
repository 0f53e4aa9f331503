-- 0007: keyed serialisation of outbox jobs. A row may carry the key it is serialised on (its order,
-- its return): the claim never leases a row whose key another unexpired lease holds, and leases at
-- most one row per key at a time. Older rows have no key (NULL): claimed as before, unserialised.
ALTER TABLE outbox ADD COLUMN lock_key TEXT;
CREATE INDEX outbox_leased_keys ON outbox (lock_key) WHERE status = 'leased';
