-- The whole schema at the latest version; a fresh database is built from this file alone.
-- Keep it equal to the migrations applied in order (tests/integration/sqlite/test_migrations.py).
CREATE TABLE inbox (
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at REAL NOT NULL,
    body BLOB NOT NULL,
    headers BLOB NOT NULL,
    trace_ctx BLOB NOT NULL,
    quarantine_reason TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    processed_at REAL,
    UNIQUE (source, source_id)
);
CREATE INDEX inbox_pending ON inbox (seq) WHERE status = 'pending';

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    available_at REAL NOT NULL,
    created_at REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL,
    previous_owner TEXT,
    trace_ctx BLOB NOT NULL,
    last_error TEXT,
    finished_at REAL
, lock_key TEXT) WITHOUT ROWID;
CREATE UNIQUE INDEX outbox_live_key ON outbox (idempotency_key) WHERE status IN ('pending', 'leased');
CREATE INDEX outbox_due ON outbox (available_at, id) WHERE status = 'pending';
CREATE INDEX outbox_leases ON outbox (lease_until, id) WHERE status = 'leased';
CREATE INDEX outbox_dead ON outbox (id) WHERE status = 'dead';
CREATE INDEX outbox_leased_keys ON outbox (lock_key) WHERE status = 'leased';

CREATE TABLE outbox_events (
    seq INTEGER PRIMARY KEY,
    outbox_id TEXT NOT NULL,
    at REAL NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT,
    detail TEXT
);
CREATE INDEX outbox_events_row ON outbox_events (outbox_id, seq);
CREATE INDEX outbox_events_done ON outbox_events (at) WHERE to_status = 'done';
CREATE TABLE return_cases (
    return_id TEXT PRIMARY KEY,
    client_order_id TEXT,
    ct_order_id TEXT,
    state TEXT NOT NULL,
    last_sequence INTEGER NOT NULL,
    snapshot BLOB NOT NULL,
    version INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX return_cases_client_order ON return_cases (client_order_id);
CREATE INDEX return_cases_ct_order ON return_cases (ct_order_id);
CREATE INDEX return_cases_state ON return_cases (state);

CREATE TABLE synced_orders (
    ct_order_id TEXT PRIMARY KEY,
    order_number TEXT,
    ct_version INTEGER NOT NULL,
    status TEXT NOT NULL,
    last_synced_at REAL,
    lag_seconds REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
, payload_digest TEXT, resyncs_skipped INTEGER NOT NULL DEFAULT 0);
CREATE INDEX synced_orders_number ON synced_orders (order_number);
CREATE INDEX synced_orders_status ON synced_orders (status);
CREATE INDEX synced_orders_resyncs_skipped ON synced_orders (resyncs_skipped) WHERE resyncs_skipped > 0;

CREATE TABLE exceptions (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    owner TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    dedupe_key TEXT NOT NULL,
    return_id TEXT,
    order_ref TEXT,
    evidence BLOB NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    changed_by TEXT,
    changed_at REAL,
    note TEXT
);
CREATE UNIQUE INDEX exceptions_unresolved_key ON exceptions (dedupe_key) WHERE state IN ('open', 'acknowledged');
CREATE INDEX exceptions_owner ON exceptions (owner, type) WHERE state IN ('open', 'acknowledged');

CREATE TABLE exception_events (
    seq INTEGER PRIMARY KEY,
    exception_id INTEGER NOT NULL REFERENCES exceptions (id),
    at REAL NOT NULL,
    action TEXT NOT NULL,
    actor TEXT,
    note TEXT
);
CREATE INDEX exception_events_row ON exception_events (exception_id, seq);

CREATE TABLE stock_movements (
    marker TEXT PRIMARY KEY,
    sku TEXT NOT NULL,
    supply_channel TEXT,
    quantity INTEGER NOT NULL,
    return_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    state TEXT NOT NULL,
    applied_at REAL,
    inventory_version INTEGER,
    recorded_at REAL NOT NULL
, disposition TEXT);
CREATE INDEX stock_movements_return ON stock_movements (return_id);

CREATE TABLE refunds (
    interaction_id TEXT PRIMARY KEY,
    return_id TEXT NOT NULL,
    lines BLOB NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    payment_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('original-payment', 'store-credit')),
    state TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX refunds_return ON refunds (return_id);

CREATE TABLE pending_credits (
    return_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('posted', 'released')),
    posted_at REAL NOT NULL,
    released_at REAL,
    PRIMARY KEY (return_id, currency)
);
CREATE INDEX pending_credits_state ON pending_credits (state);

CREATE TABLE timeline (
    seq INTEGER PRIMARY KEY,
    return_id TEXT NOT NULL,
    at REAL NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail BLOB NOT NULL,
    order_ref TEXT
);
CREATE INDEX timeline_return ON timeline (return_id, seq);

CREATE TABLE watermarks (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    updated_at REAL NOT NULL
);

-- 0004: the runtime's tables.
CREATE TABLE shadow_writes (
    seq INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    operation TEXT NOT NULL,
    arguments BLOB NOT NULL,
    at REAL NOT NULL,
    trace_id TEXT
);

CREATE TABLE runtime_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at REAL NOT NULL
);

CREATE INDEX exceptions_first_seen ON exceptions (first_seen);

-- 0005: exception actions and alerts, and the history the reconciliation report reads.

-- Finance's decision on a refund mismatch, one per exception: the refund flow honours the latest
-- decision of its trigger (return, sequence) while the figures are still the ones decided on.
CREATE TABLE refund_decisions (
    return_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    exception_id INTEGER NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approve_backflow', 'approve_rebound', 'reject')),
    currency TEXT NOT NULL,
    backflow_total_minor INTEGER NOT NULL,
    rebound_total_minor INTEGER NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    decided_at REAL NOT NULL,
    PRIMARY KEY (exception_id)
);
CREATE INDEX refund_decisions_trigger ON refund_decisions (return_id, sequence);
CREATE INDEX refund_decisions_at ON refund_decisions (decided_at);

-- Alerts queued per exception and reason: once each.
CREATE TABLE exception_alerts (
    exception_id INTEGER NOT NULL REFERENCES exceptions (id),
    reason TEXT NOT NULL CHECK (reason IN ('opened', 'age_limit')),
    queued_at REAL NOT NULL,
    PRIMARY KEY (exception_id, reason)
);

-- Stock units written off (graded, not restocked); stock_movements.disposition is 0005's too.

CREATE TABLE stock_write_offs (
    marker TEXT PRIMARY KEY,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    disposition TEXT,
    return_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    recorded_at REAL NOT NULL
);
CREATE INDEX stock_write_offs_recorded ON stock_write_offs (recorded_at);

-- Units ordered per SKU of each synced order: the denominator of a return rate.
CREATE TABLE order_line_quantities (
    ct_order_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    product TEXT,
    PRIMARY KEY (ct_order_id, sku)
);

-- The order as last synced (commercetools' own copy at `version`, domain fields only): the anchoring
-- plans its version-checked write on it instead of looking the order up (a stale copy costs a 409).
-- `created_at` is the order's createdAt: the retention job walks its index, never the bodies.
CREATE TABLE order_snapshots (
    ct_order_id TEXT PRIMARY KEY,
    order_number TEXT,
    version INTEGER NOT NULL,
    created_at REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX order_snapshots_number ON order_snapshots (order_number);
CREATE INDEX order_snapshots_created ON order_snapshots (created_at);

-- The pending credit's history (the table keeps only the latest amount): liability as of any moment.
CREATE TABLE credit_history (
    seq INTEGER PRIMARY KEY,
    return_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    at REAL NOT NULL,
    amount_minor INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX credit_history_at ON credit_history (at);

CREATE TRIGGER credit_history_on_insert AFTER INSERT ON pending_credits
BEGIN
    INSERT INTO credit_history (return_id, currency, at, amount_minor, state)
    VALUES (new.return_id, new.currency, new.posted_at, new.amount_minor, new.state);
END;

CREATE TRIGGER credit_history_on_update AFTER UPDATE ON pending_credits
WHEN new.amount_minor IS NOT old.amount_minor OR new.state IS NOT old.state
BEGIN
    INSERT INTO credit_history (return_id, currency, at, amount_minor, state)
    VALUES (new.return_id, new.currency,
            CASE WHEN new.state = 'released' THEN new.released_at ELSE new.posted_at END,
            new.amount_minor, new.state);
END;

-- A return's position and ReBound status over time (received, cancelled, stuck since when).
CREATE TABLE return_status_history (
    seq INTEGER PRIMARY KEY,
    return_id TEXT NOT NULL,
    at REAL NOT NULL,
    position TEXT NOT NULL,
    rebound_status TEXT
);
CREATE INDEX return_status_history_return ON return_status_history (return_id, seq);
CREATE INDEX return_status_history_at ON return_status_history (at);

CREATE TRIGGER return_status_on_insert AFTER INSERT ON return_cases
BEGIN
    INSERT INTO return_status_history (return_id, at, position, rebound_status)
    VALUES (new.return_id, new.created_at, new.state,
            json_extract(CAST(new.snapshot AS TEXT), '$.case.rebound_status'));
END;

CREATE TRIGGER return_status_on_update AFTER UPDATE ON return_cases
WHEN new.state IS NOT old.state
  OR json_extract(CAST(new.snapshot AS TEXT), '$.case.rebound_status')
     IS NOT json_extract(CAST(old.snapshot AS TEXT), '$.case.rebound_status')
BEGIN
    INSERT INTO return_status_history (return_id, at, position, rebound_status)
    VALUES (new.return_id, new.updated_at, new.state,
            json_extract(CAST(new.snapshot AS TEXT), '$.case.rebound_status'));
END;

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
-- 0009: reads of the rows still live stay as cheap at 1 M stored returns as at 1 k. Without these,
-- the open-case monitors, the queue counts (overview, /metrics) and the inbox counts scanned every
-- finished row on each call: CPU that grew with the history, not with the work.
CREATE INDEX return_cases_open ON return_cases (updated_at, return_id) WHERE state != 'CLOSED';
-- A report of a period reads the cases created in it (and pages through them in this order).
CREATE INDEX return_cases_created ON return_cases (created_at, return_id);
-- The refunds and credit changes of a period, and those of the returns it names.
CREATE INDEX refunds_updated ON refunds (updated_at);
CREATE INDEX credit_history_return ON credit_history (return_id, currency, at, seq);
-- The refund-drift monitor's orders touched lately, newest first.
CREATE INDEX return_cases_updated ON return_cases (updated_at);
CREATE INDEX outbox_live ON outbox (kind, status, available_at, lease_until, attempts)
    WHERE status IN ('pending', 'leased', 'dead');
CREATE INDEX inbox_unsettled ON inbox (source, status, received_at) WHERE status IN ('pending', 'failed');
CREATE INDEX inbox_quarantined ON inbox (seq) WHERE quarantine_reason IS NOT NULL;
