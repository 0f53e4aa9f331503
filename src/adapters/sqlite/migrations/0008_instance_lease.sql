-- 0008: one active daemon per database. The active instance holds this single row and renews it at
-- half its period; a second daemon on the same file waits until `lease_until` has passed. `term`
-- counts changes of holder (each takeover), for the log and the admin overview.
CREATE TABLE instance_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    term INTEGER NOT NULL,
    acquired_at REAL NOT NULL,
    renewed_at REAL NOT NULL,
    lease_until REAL NOT NULL
);
