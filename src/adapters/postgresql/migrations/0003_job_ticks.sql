-- 0003: scheduled jobs run once per tick across replicas. A tick is floor(epoch seconds / interval);
-- a replica runs a job only if it moves the job's row to a newer tick (or to a changed interval),
-- and PostgreSQL's row lock on the upsert lets exactly one of the racing replicas do so.
CREATE TABLE job_ticks (
    name text COLLATE "C" PRIMARY KEY,
    interval_seconds double precision NOT NULL,
    tick bigint NOT NULL,
    started_at timestamptz NOT NULL
);
