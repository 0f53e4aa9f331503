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

-- Stock: the disposition behind each movement, and units written off (graded, not restocked).
ALTER TABLE stock_movements ADD COLUMN disposition TEXT;

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

INSERT INTO credit_history (return_id, currency, at, amount_minor, state)
SELECT return_id, currency, posted_at, amount_minor, 'posted' FROM pending_credits;
INSERT INTO credit_history (return_id, currency, at, amount_minor, state)
SELECT return_id, currency, released_at, amount_minor, 'released' FROM pending_credits
WHERE state = 'released' AND released_at IS NOT NULL;

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

INSERT INTO return_status_history (return_id, at, position, rebound_status)
SELECT return_id, updated_at, state, json_extract(CAST(snapshot AS TEXT), '$.case.rebound_status')
FROM return_cases;

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
