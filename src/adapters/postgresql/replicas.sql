-- PostgreSQL only: how replicas share what SQLite's one active daemon does alone (job ticks, the
-- inbox). Kept apart from queries.sql, which names the same operations as SQLite's.

-- name: job_tick_begin
-- One row per job; the WHERE makes a racing replica's upsert a no-op (it waits for the winner's row
-- lock, then sees the tick taken), so RETURNING yields a row for exactly one caller per tick.
INSERT INTO job_ticks (name, interval_seconds, tick, started_at)
VALUES (%(name)s, %(interval_seconds)s, %(tick)s, %(now)s)
ON CONFLICT (name) DO UPDATE
SET interval_seconds = EXCLUDED.interval_seconds, tick = EXCLUDED.tick, started_at = EXCLUDED.started_at
WHERE job_ticks.tick < EXCLUDED.tick OR job_ticks.interval_seconds <> EXCLUDED.interval_seconds
RETURNING name;

-- name: inbox_claim_lock
-- The event's row, locked: a replica marking it processed or failed holds the same lock, so a claim
-- never slips in between the end of someone's processing and its mark.
SELECT seq FROM inbox WHERE seq = %(seq)s AND status = 'pending' FOR UPDATE;

-- name: inbox_claim
INSERT INTO inbox_claims (seq, holder, claimed_until) VALUES (%(seq)s, %(holder)s, %(until)s)
ON CONFLICT (seq) DO UPDATE SET holder = EXCLUDED.holder, claimed_until = EXCLUDED.claimed_until
WHERE inbox_claims.claimed_until < %(now)s OR inbox_claims.holder = EXCLUDED.holder
RETURNING seq;

-- name: inbox_claim_lock_many
SELECT seq FROM inbox WHERE seq = ANY(%(seqs)s) AND status = 'pending' ORDER BY seq FOR UPDATE;

-- name: inbox_claim_many
INSERT INTO inbox_claims (seq, holder, claimed_until)
SELECT seq, %(holder)s, %(until)s FROM unnest(%(seqs)s::bigint[]) AS seq
ON CONFLICT (seq) DO UPDATE SET holder = EXCLUDED.holder, claimed_until = EXCLUDED.claimed_until
WHERE inbox_claims.claimed_until < %(now)s OR inbox_claims.holder = EXCLUDED.holder
RETURNING seq;

-- name: inbox_claim_release
DELETE FROM inbox_claims WHERE seq = %(seq)s;
