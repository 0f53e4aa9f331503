-- 0003: replicas coordinate. Scheduled jobs run once per tick across replicas. A tick is floor(epoch seconds / interval);
-- a replica runs a job only if it moves the job's row to a newer tick (or to a changed interval),
-- and PostgreSQL's row lock on the upsert lets exactly one of the racing replicas do so.
CREATE TABLE job_ticks (
    name text COLLATE "C" PRIMARY KEY,
    interval_seconds double precision NOT NULL,
    tick bigint NOT NULL,
    started_at timestamptz NOT NULL
);

-- Each inbound event processed by one replica at a time: its claim, until it is marked or lapses.
-- A table of its own (PostgreSQL only), so the inbox keeps SQLite's columns (store copy).
CREATE TABLE inbox_claims (
    seq bigint PRIMARY KEY REFERENCES inbox (seq) ON DELETE CASCADE,
    holder text COLLATE "C" NOT NULL,
    claimed_until timestamptz NOT NULL
);
