-- 0010: reads of the rows still live stay as cheap at 1 M stored returns as at 1 k. Without these,
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
