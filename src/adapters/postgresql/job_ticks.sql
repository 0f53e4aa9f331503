-- PostgreSQL only (SQLite has one active daemon per database, so every tick is its own).

-- name: job_tick_begin
-- One row per job; the WHERE makes a racing replica's upsert a no-op (it waits for the winner's row
-- lock, then sees the tick taken), so RETURNING yields a row for exactly one caller per tick.
INSERT INTO job_ticks (name, interval_seconds, tick, started_at)
VALUES (%(name)s, %(interval_seconds)s, %(tick)s, %(now)s)
ON CONFLICT (name) DO UPDATE
SET interval_seconds = EXCLUDED.interval_seconds, tick = EXCLUDED.tick, started_at = EXCLUDED.started_at
WHERE job_ticks.tick < EXCLUDED.tick OR job_ticks.interval_seconds <> EXCLUDED.interval_seconds
RETURNING name;
