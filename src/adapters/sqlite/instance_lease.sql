-- The instance lease (SQLite only: on PostgreSQL replicas share the work, so it has no counterpart
-- there and these queries live apart from queries.sql, which both engines name alike).
-- name: lease_take
-- Take the lease if it is free, expired or already ours (a renewal); otherwise leave it be.
INSERT INTO instance_lease (id, holder, term, acquired_at, renewed_at, lease_until)
VALUES (1, :holder, 1, :now, :now, :until)
ON CONFLICT (id) DO UPDATE SET
    term = CASE WHEN holder = excluded.holder THEN term ELSE term + 1 END,
    acquired_at = CASE WHEN holder = excluded.holder THEN acquired_at ELSE excluded.acquired_at END,
    holder = excluded.holder,
    renewed_at = excluded.renewed_at,
    lease_until = excluded.lease_until
WHERE holder = excluded.holder OR lease_until <= excluded.renewed_at;

-- name: lease_get
SELECT holder, term, acquired_at, renewed_at, lease_until FROM instance_lease WHERE id = 1;

-- name: lease_held_by
SELECT 1 FROM instance_lease WHERE id = 1 AND holder = :holder AND lease_until > :now;

-- name: lease_release
UPDATE instance_lease SET lease_until = :now, renewed_at = :now WHERE id = 1 AND holder = :holder;
