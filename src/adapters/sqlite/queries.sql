-- Every query the adapter runs; `-- name: x` starts query x (parsed by adapters.sqlite.sql).
-- Times are REAL unix seconds (UTC); JSON columns are msgspec-encoded BLOBs.

-- name: inbox_insert
INSERT INTO inbox (source, source_id, kind, received_at, body, headers, trace_ctx, quarantine_reason)
VALUES (:source, :source_id, :kind, :received_at, :body, :headers, :trace_ctx, :quarantine_reason)
ON CONFLICT (source, source_id) DO NOTHING
RETURNING seq;

-- name: inbox_pending
SELECT * FROM inbox WHERE status = 'pending' AND seq > :after_seq ORDER BY seq LIMIT :limit;

-- name: inbox_get
SELECT * FROM inbox WHERE source = :source AND source_id = :source_id;

-- name: inbox_mark_processed
UPDATE inbox SET status = 'processed', attempts = attempts + 1, processed_at = :now
WHERE seq = :seq AND status = 'pending';

-- name: inbox_mark_failed
UPDATE inbox SET status = :status, attempts = attempts + 1, last_error = :error
WHERE seq = :seq AND status = 'pending';

-- name: outbox_insert
INSERT INTO outbox (
    id, kind, payload, idempotency_key, status, attempts, available_at, created_at, trace_ctx, lock_key
)
VALUES (:id, :kind, :payload, :idempotency_key, 'pending', 0, :available_at, :now, :trace_ctx, :lock_key)
ON CONFLICT (idempotency_key) WHERE status IN ('pending', 'leased') DO NOTHING
RETURNING id;

-- name: outbox_live_by_key
SELECT id FROM outbox WHERE idempotency_key = :idempotency_key AND status IN ('pending', 'leased');

-- name: outbox_event_insert
INSERT INTO outbox_events (outbox_id, at, from_status, to_status, actor, detail)
VALUES (:outbox_id, :at, :from_status, :to_status, :actor, :detail);

-- name: outbox_claim
-- Due pending rows and expired leases, oldest first; each branch walks its own partial index.
-- A row whose lock key an unexpired lease holds is passed over (before the LIMIT, so a busy key never
-- blocks the rows behind it), and of the candidates sharing a key only the oldest is leased. The
-- writer runs one claim at a time, so no other claim can take the same key meanwhile.
-- SET sees the old values: previous_owner keeps who lost a lapsed lease (NULL for a pending row).
WITH candidates AS (
    SELECT id, lock_key, 0 AS branch, due FROM (
        SELECT id, lock_key, lease_until AS due FROM outbox AS o
        WHERE status = 'leased' AND lease_until <= :now
          AND (:any_kind OR kind IN (SELECT value FROM json_each(:kinds)))
          AND (lock_key IS NULL OR NOT EXISTS (
              SELECT 1 FROM outbox AS busy
              WHERE busy.status = 'leased' AND busy.lock_key = o.lock_key AND busy.lease_until > :now))
        ORDER BY lease_until, id LIMIT :limit
    )
    UNION ALL
    SELECT id, lock_key, 1 AS branch, due FROM (
        SELECT id, lock_key, available_at AS due FROM outbox AS o
        WHERE status = 'pending' AND available_at <= :now
          AND (:any_kind OR kind IN (SELECT value FROM json_each(:kinds)))
          AND (lock_key IS NULL OR NOT EXISTS (
              SELECT 1 FROM outbox AS busy
              WHERE busy.status = 'leased' AND busy.lock_key = o.lock_key AND busy.lease_until > :now))
        ORDER BY available_at, id LIMIT :limit
    )
), first_per_key AS (
    SELECT id, branch, due,
           row_number() OVER (PARTITION BY coalesce(lock_key, id) ORDER BY branch, due, id) AS nth
    FROM candidates
)
UPDATE outbox
SET status = 'leased', lease_owner = :owner, lease_until = :lease_until, attempts = attempts + 1,
    previous_owner = lease_owner
WHERE id IN (SELECT id FROM first_per_key WHERE nth = 1 ORDER BY branch, due, id LIMIT :limit)
RETURNING *;

-- name: outbox_held_by
SELECT attempts FROM outbox WHERE id = :id AND status = 'leased' AND lease_owner = :owner;

-- name: outbox_renew
UPDATE outbox SET lease_until = :lease_until
WHERE id = :id AND status = 'leased' AND lease_owner = :owner;

-- name: outbox_complete
UPDATE outbox SET status = 'done', lease_owner = NULL, lease_until = NULL, finished_at = :now
WHERE id = :id AND status = 'leased' AND lease_owner = :owner;

-- name: outbox_retry_later
UPDATE outbox
SET status = 'pending', lease_owner = NULL, lease_until = NULL, available_at = :available_at,
    last_error = :error
WHERE id = :id AND status = 'leased' AND lease_owner = :owner;

-- name: outbox_bury
UPDATE outbox
SET status = 'dead', lease_owner = NULL, lease_until = NULL, last_error = :error, finished_at = :now
WHERE id = :id AND status = 'leased' AND lease_owner = :owner;

-- name: outbox_requeue
UPDATE outbox SET status = 'pending', attempts = 0, available_at = :now, finished_at = NULL
WHERE id = :id AND status = 'dead';

-- name: outbox_resolve
UPDATE outbox SET status = 'done', finished_at = :now WHERE id = :id AND status = 'dead';

-- name: outbox_get
SELECT * FROM outbox WHERE id = :id;

-- name: outbox_history
SELECT * FROM outbox_events WHERE outbox_id = :outbox_id ORDER BY seq;

-- name: monitor_queue_depth
SELECT kind, status, count(*) AS count FROM outbox
WHERE status IN ('pending', 'leased', 'dead') GROUP BY kind, status ORDER BY kind, status;

-- name: monitor_oldest_due
SELECT min(due) AS due FROM (
    SELECT min(available_at) AS due FROM outbox WHERE status = 'pending' AND available_at <= :now
    UNION ALL
    SELECT min(lease_until) AS due FROM outbox WHERE status = 'leased' AND lease_until <= :now
);

-- name: monitor_dead_rows
SELECT * FROM outbox WHERE status = 'dead' ORDER BY id LIMIT :limit OFFSET :offset;

-- name: monitor_throughput
SELECT count(*) AS count FROM outbox_events WHERE to_status = 'done' AND at >= :since;

-- name: monitor_exceptions_by_owner
SELECT owner, type, state, count(*) AS count FROM exceptions
WHERE state IN ('open', 'acknowledged') GROUP BY owner, type, state ORDER BY owner, type, state;

-- name: return_case_get
SELECT * FROM return_cases WHERE return_id = :return_id;

-- name: return_case_by_order
SELECT * FROM return_cases WHERE client_order_id = :order_ref OR ct_order_id = :order_ref ORDER BY created_at;

-- name: return_case_in_state
SELECT * FROM return_cases WHERE state = :state ORDER BY updated_at LIMIT :limit;

-- name: return_case_insert
INSERT INTO return_cases
    (return_id, client_order_id, ct_order_id, state, last_sequence, snapshot, version, created_at, updated_at)
VALUES (:return_id, :client_order_id, :ct_order_id, :state, :last_sequence, :snapshot, 1, :now, :now)
ON CONFLICT (return_id) DO NOTHING;

-- name: return_case_update
UPDATE return_cases
SET client_order_id = :client_order_id, ct_order_id = :ct_order_id, state = :state,
    last_sequence = :last_sequence, snapshot = :snapshot, version = version + 1, updated_at = :now
WHERE return_id = :return_id AND version = :version;

-- name: synced_order_get
SELECT * FROM synced_orders WHERE ct_order_id = :ct_order_id;

-- name: synced_order_by_number
SELECT * FROM synced_orders WHERE order_number = :order_number;

-- name: synced_order_failing
SELECT * FROM synced_orders WHERE status = 'failing' ORDER BY last_synced_at LIMIT :limit;

-- name: synced_order_upsert
INSERT INTO synced_orders
    (ct_order_id, order_number, ct_version, status, last_synced_at, lag_seconds, attempts, last_error,
     payload_digest, resyncs_skipped)
VALUES (:ct_order_id, :order_number, :ct_version, :status, :last_synced_at, :lag_seconds, :attempts, :last_error,
        :payload_digest, :resyncs_skipped)
ON CONFLICT (ct_order_id) DO UPDATE SET
    order_number = excluded.order_number, ct_version = excluded.ct_version, status = excluded.status,
    last_synced_at = excluded.last_synced_at, lag_seconds = excluded.lag_seconds,
    attempts = excluded.attempts, last_error = excluded.last_error,
    payload_digest = excluded.payload_digest, resyncs_skipped = excluded.resyncs_skipped
WHERE excluded.ct_version >= synced_orders.ct_version;

-- name: order_snapshot_keep
INSERT INTO order_snapshots (ct_order_id, order_number, version, created_at, body)
VALUES (:ct_order_id, :order_number, :version, :created_at, :body)
ON CONFLICT (ct_order_id) DO UPDATE SET
    order_number = excluded.order_number, version = excluded.version, body = excluded.body
WHERE excluded.version > order_snapshots.version;

-- name: order_snapshot_forget
DELETE FROM order_snapshots WHERE ct_order_id = :ct_order_id;

-- name: order_snapshot_by_ref
SELECT body FROM order_snapshots WHERE order_number = :ref
UNION ALL SELECT body FROM order_snapshots WHERE ct_order_id = :ref
LIMIT 1;

-- name: order_snapshot_created_before
SELECT ct_order_id FROM order_snapshots WHERE created_at < :cutoff ORDER BY created_at LIMIT :limit;

-- name: order_snapshot_forget_many
DELETE FROM order_snapshots WHERE ct_order_id IN (SELECT value FROM json_each(:ct_order_ids));

-- name: exception_raise
INSERT INTO exceptions
    (type, owner, severity, state, dedupe_key, return_id, order_ref, evidence, first_seen, last_seen, count)
VALUES (:type, :owner, :severity, 'open', :dedupe_key, :return_id, :order_ref, :evidence, :now, :now, 1)
ON CONFLICT (dedupe_key) WHERE state IN ('open', 'acknowledged') DO UPDATE SET
    count = count + 1, last_seen = excluded.last_seen, evidence = excluded.evidence
RETURNING id, count;

-- name: exception_change_state
UPDATE exceptions SET state = :state, changed_by = :actor, changed_at = :now, note = :note
WHERE id = :id AND state != :state;

-- name: exception_event_insert
INSERT INTO exception_events (exception_id, at, action, actor, note)
VALUES (:exception_id, :at, :action, :actor, :note);

-- name: exception_get
SELECT * FROM exceptions WHERE id = :id;

-- name: exception_unresolved
SELECT * FROM exceptions WHERE state IN ('open', 'acknowledged') AND (:owner IS NULL OR owner = :owner)
ORDER BY last_seen DESC LIMIT :limit;

-- name: exception_events
SELECT * FROM exception_events WHERE exception_id = :exception_id ORDER BY seq;

-- name: stock_record
INSERT INTO stock_movements
    (marker, sku, supply_channel, quantity, return_id, item_id, state, applied_at, inventory_version, recorded_at,
     disposition)
VALUES (:marker, :sku, :supply_channel, :quantity, :return_id, :item_id, :state, :applied_at,
        :inventory_version, :now, :disposition)
ON CONFLICT (marker) DO NOTHING;

-- name: stock_set_state
UPDATE stock_movements
SET state = :state, applied_at = CASE WHEN :state = 'applied' THEN :now ELSE applied_at END,
    inventory_version = coalesce(:inventory_version, inventory_version)
WHERE marker = :marker;

-- name: stock_get
SELECT * FROM stock_movements WHERE marker = :marker;

-- name: stock_for_return
SELECT * FROM stock_movements WHERE return_id = :return_id ORDER BY recorded_at, marker;

-- name: refund_record
INSERT INTO refunds
    (interaction_id, return_id, lines, amount_minor, currency, payment_id, outcome, state, recorded_at, updated_at)
VALUES (:interaction_id, :return_id, :lines, :amount_minor, :currency, :payment_id, :outcome, :state, :now, :now)
ON CONFLICT (interaction_id) DO NOTHING;

-- name: refund_set_state
UPDATE refunds SET state = :state, updated_at = :now WHERE interaction_id = :interaction_id;

-- name: refund_get
SELECT * FROM refunds WHERE interaction_id = :interaction_id;

-- name: refund_for_return
SELECT * FROM refunds WHERE return_id = :return_id ORDER BY recorded_at, interaction_id;

-- name: credit_post
INSERT INTO pending_credits (return_id, currency, amount_minor, state, posted_at)
VALUES (:return_id, :currency, :amount_minor, 'posted', :now)
ON CONFLICT (return_id, currency) DO UPDATE SET
    amount_minor = excluded.amount_minor, state = 'posted', posted_at = excluded.posted_at, released_at = NULL;

-- name: credit_release
UPDATE pending_credits SET state = 'released', released_at = :now
WHERE return_id = :return_id AND currency = :currency AND state = 'posted';

-- name: credit_for_return
SELECT * FROM pending_credits WHERE return_id = :return_id ORDER BY currency;

-- name: credit_outstanding
SELECT currency, sum(amount_minor) AS amount FROM pending_credits WHERE state = 'posted' GROUP BY currency;

-- name: exception_unresolved_by_key
SELECT * FROM exceptions WHERE dedupe_key = :dedupe_key AND state IN ('open', 'acknowledged') AND id != :id;

-- name: exception_bump
UPDATE exceptions SET count = count + 1, last_seen = :now WHERE id = :id;

-- name: timeline_insert
INSERT INTO timeline (return_id, at, source, action, outcome, detail, order_ref)
VALUES (:return_id, :at, :source, :action, :outcome, :detail, :order_ref);

-- name: timeline_for_return
SELECT * FROM timeline WHERE return_id = :return_id ORDER BY seq LIMIT :limit;

-- name: timeline_latest
SELECT * FROM timeline WHERE return_id = :return_id AND action = :action ORDER BY seq DESC LIMIT 1;

-- name: watermark_get
SELECT value FROM watermarks WHERE name = :name;

-- name: watermark_set
INSERT INTO watermarks (name, value, updated_at) VALUES (:name, :value, :now)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;

-- ================================================================ runtime (admin API, shadow, probe)

-- name: admin_exceptions
-- :state NULL means unresolved; 'any' means every state. Ages are measured from first_seen.
SELECT * FROM exceptions
WHERE (:owner IS NULL OR owner = :owner)
  AND (:type IS NULL OR type = :type)
  AND (CASE WHEN :state IS NULL THEN state IN ('open', 'acknowledged')
            WHEN :state = 'any' THEN 1 ELSE state = :state END)
  AND (:oldest_first_seen IS NULL OR first_seen >= :oldest_first_seen)
  AND (:newest_first_seen IS NULL OR first_seen <= :newest_first_seen)
ORDER BY CASE WHEN :newest_first THEN -first_seen ELSE first_seen END,
         CASE WHEN :newest_first THEN -id ELSE id END
LIMIT :limit OFFSET :offset;

-- name: admin_search_returns
SELECT * FROM return_cases
WHERE return_id = :text OR client_order_id = :text OR ct_order_id = :text
   OR EXISTS (SELECT 1 FROM json_each(return_cases.snapshot, '$.items') AS item
              WHERE json_extract(item.value, '$.sku') = :text)
ORDER BY updated_at DESC, return_id LIMIT :limit OFFSET :offset;

-- name: admin_queue_counts
SELECT kind,
       sum(status = 'pending' AND available_at <= :now) AS due,
       sum(status = 'pending' AND available_at > :now) AS scheduled,
       sum(status = 'pending' AND attempts > 0) AS retrying,
       sum(status = 'leased') AS leased,
       sum(status = 'dead') AS dead
FROM outbox WHERE status IN ('pending', 'leased', 'dead') GROUP BY kind ORDER BY kind;

-- name: admin_inbox_quarantined
SELECT * FROM inbox WHERE quarantine_reason IS NOT NULL AND seq > :after_seq ORDER BY seq LIMIT :limit;

-- name: admin_inbox_counts
-- Unsettled and quarantined rows only, each through its partial index (never every processed row).
SELECT coalesce(sum(status = 'pending'), 0) AS pending,
       coalesce(sum(status = 'failed'), 0) AS failed,
       (SELECT count(*) FROM inbox WHERE quarantine_reason IS NOT NULL) AS quarantined,
       min(CASE WHEN status = 'pending' THEN received_at END) AS oldest_pending
FROM inbox WHERE status IN ('pending', 'failed');

-- name: admin_sync_counts
SELECT sum(status = 'synced') AS synced, sum(status = 'pending') AS pending,
       sum(status = 'failing') AS failing, avg(lag_seconds) AS lag_avg, max(lag_seconds) AS lag_max,
       count(lag_seconds) AS lag_count, max(last_synced_at) AS last_synced_at,
       sum(resyncs_skipped) AS resyncs_skipped
FROM synced_orders;

-- name: admin_sync_lag_at
SELECT lag_seconds FROM synced_orders WHERE lag_seconds IS NOT NULL
ORDER BY lag_seconds LIMIT 1 OFFSET :offset;

-- name: admin_exception_retried
INSERT INTO exception_events (exception_id, at, action, actor, note)
SELECT id, :now, 'retried', :actor, :note FROM exceptions WHERE id = :id;

-- name: runtime_probe_write
INSERT INTO runtime_probe (id, at) VALUES (1, :now) ON CONFLICT (id) DO UPDATE SET at = excluded.at;

-- name: shadow_insert
INSERT INTO shadow_writes (target, operation, arguments, at, trace_id)
VALUES (:target, :operation, :arguments, :at, :trace_id);

-- name: shadow_count
SELECT count(*) AS count FROM shadow_writes;

-- name: shadow_recent
SELECT * FROM shadow_writes ORDER BY seq DESC LIMIT :limit;

-- ================================================================ 0005: decisions, alerts, report reads

-- name: decisions_for_trigger
SELECT * FROM refund_decisions WHERE return_id = :return_id AND sequence = :sequence ORDER BY decided_at;

-- name: decision_for_exception
SELECT * FROM refund_decisions WHERE exception_id = :exception_id;

-- name: decision_record
INSERT INTO refund_decisions
    (return_id, sequence, exception_id, decision, currency, backflow_total_minor, rebound_total_minor,
     actor, note, decided_at)
VALUES (:return_id, :sequence, :exception_id, :decision, :currency, :backflow_total_minor,
        :rebound_total_minor, :actor, :note, :now)
ON CONFLICT (exception_id) DO NOTHING;

-- name: exception_unresolved_with_key
SELECT * FROM exceptions WHERE dedupe_key = :dedupe_key AND state IN ('open', 'acknowledged');

-- name: exception_alert_opened
SELECT * FROM exceptions e
WHERE state IN ('open', 'acknowledged') AND first_seen > :opened_after
  AND NOT EXISTS (SELECT 1 FROM exception_alerts a WHERE a.exception_id = e.id AND a.reason = 'opened')
ORDER BY first_seen, id LIMIT :limit;

-- name: exception_alert_aged
SELECT * FROM exceptions e
WHERE state IN ('open', 'acknowledged') AND first_seen <= :first_seen_before
  AND NOT EXISTS (SELECT 1 FROM exception_alerts a WHERE a.exception_id = e.id AND a.reason = 'age_limit')
ORDER BY first_seen, id LIMIT :limit;

-- name: exception_mark_alerted
INSERT INTO exception_alerts (exception_id, reason, queued_at) VALUES (:exception_id, :reason, :now)
ON CONFLICT (exception_id, reason) DO NOTHING;

-- name: write_off_record
INSERT INTO stock_write_offs (marker, sku, quantity, disposition, return_id, item_id, recorded_at)
VALUES (:marker, :sku, :quantity, :disposition, :return_id, :item_id, :now)
ON CONFLICT (marker) DO NOTHING;

-- name: order_lines_clear
DELETE FROM order_line_quantities WHERE ct_order_id = :ct_order_id;

-- name: order_lines_insert
INSERT INTO order_line_quantities (ct_order_id, sku, quantity, product)
VALUES (:ct_order_id, :sku, :quantity, :product)
ON CONFLICT (ct_order_id, sku) DO UPDATE SET quantity = excluded.quantity, product = excluded.product;

-- name: report_cases
SELECT * FROM return_cases WHERE (:created_before IS NULL OR created_at <= :created_before)
ORDER BY created_at, return_id;

-- name: report_active_cases
-- Only the cases a period's report names, each part through an index (never every stored case).
SELECT * FROM return_cases
WHERE created_at <= :until AND return_id IN (
    SELECT return_id FROM return_cases WHERE created_at >= :since AND created_at <= :until
    UNION SELECT return_id FROM return_status_history WHERE at >= :since AND at <= :until
    UNION SELECT value FROM json_each(:return_ids))
ORDER BY created_at, return_id;

-- name: report_active_status_history
SELECT * FROM return_status_history
WHERE at <= :until AND return_id IN (
    SELECT return_id FROM return_status_history WHERE at >= :since AND at <= :until)
ORDER BY seq;

-- name: report_active_refunds
SELECT * FROM refunds
WHERE recorded_at <= :until AND interaction_id IN (
    SELECT interaction_id FROM refunds WHERE updated_at >= :since AND updated_at <= :until
    UNION SELECT interaction_id FROM refunds WHERE return_id IN (SELECT value FROM json_each(:return_ids)))
ORDER BY recorded_at, interaction_id;

-- name: report_active_credit_history
-- Before the period only the latest change of each credit, and only if it was still owed then.
SELECT * FROM credit_history WHERE at <= :until AND seq IN (
    SELECT seq FROM credit_history WHERE at >= :since AND at <= :until
    UNION SELECT seq FROM credit_history WHERE return_id IN (SELECT value FROM json_each(:return_ids))
    UNION SELECT seq FROM (
        SELECT seq, state, amount_minor, row_number() OVER (
            PARTITION BY return_id, currency ORDER BY at DESC, seq DESC) AS latest
        FROM credit_history WHERE at < :since)
    WHERE latest = 1 AND state = 'posted' AND amount_minor > 0)
ORDER BY at, seq;

-- name: report_cases_page
-- Keyset paging: the row value seeks in the (created_at, return_id) index, so each page costs its size.
SELECT * FROM return_cases
WHERE (created_at, return_id) > (:after_at, :after_id)
  AND (:since IS NULL OR created_at >= :since) AND (:until IS NULL OR created_at <= :until)
ORDER BY created_at, return_id LIMIT :limit;

-- name: report_open_cases
SELECT * FROM return_cases WHERE state != 'CLOSED' ORDER BY updated_at, return_id LIMIT :limit;

-- name: report_status_history
SELECT * FROM return_status_history WHERE at <= :until ORDER BY seq;

-- name: report_status_history_of
-- A monitor's batch of returns only, through the (return_id, seq) index.
SELECT * FROM return_status_history
WHERE return_id IN (SELECT value FROM json_each(:return_ids)) AND at <= :until ORDER BY seq;

-- name: report_refunds
SELECT * FROM refunds WHERE recorded_at <= :until ORDER BY recorded_at, interaction_id;

-- name: report_cases_touched_since
SELECT ct_order_id, updated_at FROM return_cases WHERE updated_at >= :since AND ct_order_id IS NOT NULL
ORDER BY updated_at DESC LIMIT :limit;

-- name: report_refunds_touched_since
SELECT c.ct_order_id, r.updated_at FROM refunds AS r JOIN return_cases AS c ON c.return_id = r.return_id
WHERE r.updated_at >= :since AND c.ct_order_id IS NOT NULL ORDER BY r.updated_at DESC LIMIT :limit;

-- name: report_credit_history
SELECT * FROM credit_history WHERE at <= :until ORDER BY at, seq;

-- name: report_stock_movements
SELECT * FROM stock_movements WHERE applied_at >= :since AND applied_at <= :until
ORDER BY applied_at, marker;

-- name: report_write_offs
SELECT * FROM stock_write_offs WHERE recorded_at >= :since AND recorded_at <= :until
ORDER BY recorded_at, marker;

-- name: report_exceptions
SELECT * FROM exceptions WHERE first_seen <= :until ORDER BY first_seen, id;

-- name: report_decisions
SELECT * FROM refund_decisions WHERE decided_at <= :until ORDER BY decided_at, return_id;

-- name: report_ordered_quantities
SELECT sku, max(product) AS product, sum(quantity) AS quantity FROM order_line_quantities
GROUP BY sku ORDER BY sku;

-- name: figures_outbox
SELECT kind,
    sum(status = 'pending') AS pending,
    sum(status = 'leased') AS leased,
    sum(status = 'dead') AS dead,
    min(CASE WHEN status = 'pending' AND available_at <= :now THEN available_at
             WHEN status = 'leased' AND lease_until <= :now THEN lease_until END) AS due
FROM outbox WHERE status IN ('pending', 'leased', 'dead') GROUP BY kind ORDER BY kind;

-- name: figures_inbox
SELECT source,
    sum(status = 'pending') AS pending,
    sum(status = 'failed') AS failed,
    min(CASE WHEN status = 'pending' THEN received_at END) AS oldest
FROM inbox WHERE status IN ('pending', 'failed') GROUP BY source ORDER BY source;

-- name: figures_exceptions
SELECT owner, type,
    CASE WHEN :now - first_seen < 3600 THEN 'lt_1h'
         WHEN :now - first_seen < 86400 THEN '1h_1d'
         WHEN :now - first_seen < 604800 THEN '1d_7d'
         ELSE 'gt_7d' END AS age,
    count(*) AS count
FROM exceptions WHERE state IN ('open', 'acknowledged') GROUP BY owner, type, age ORDER BY owner, type, age;

-- name: figures_refunds
SELECT currency, count(*) AS count, sum(amount_minor) AS amount_minor
FROM refunds WHERE state = 'recorded' GROUP BY currency ORDER BY currency;

-- name: figures_restocked
SELECT coalesce(sum(quantity), 0) AS units FROM stock_movements WHERE state = 'applied';

-- name: figures_order_sync
SELECT status, count(*) AS count FROM synced_orders GROUP BY status ORDER BY status;

-- name: figures_resyncs_skipped
SELECT coalesce(sum(resyncs_skipped), 0) AS skipped FROM synced_orders WHERE resyncs_skipped > 0;

-- name: figures_sync_lags
SELECT lag_seconds, last_synced_at FROM synced_orders
WHERE last_synced_at > :after AND lag_seconds IS NOT NULL ORDER BY last_synced_at LIMIT 10000;
