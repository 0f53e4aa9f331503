-- Every query the adapter runs; `-- name: x` starts query x (parsed by adapters.sqlfiles).
-- Parameters are psycopg's %(name)s; a parameter only ever compared with NULL is cast, so the
-- server knows its type. Times are timestamptz; the clock is the application's (an injected port),
-- never the server's now(), so both stores read the same time.

-- name: inbox_insert
INSERT INTO inbox (source, source_id, kind, received_at, body, headers, trace_ctx, quarantine_reason)
VALUES (%(source)s, %(source_id)s, %(kind)s, %(received_at)s, %(body)s, %(headers)s::json,
        %(trace_ctx)s::json, %(quarantine_reason)s)
ON CONFLICT (source, source_id) DO NOTHING
RETURNING seq;

-- name: inbox_pending
SELECT * FROM inbox WHERE status = 'pending' AND seq > %(after_seq)s ORDER BY seq LIMIT %(limit)s;

-- name: inbox_get
SELECT * FROM inbox WHERE source = %(source)s AND source_id = %(source_id)s;

-- name: inbox_mark_processed
UPDATE inbox SET status = 'processed', attempts = attempts + 1, processed_at = %(now)s
WHERE seq = %(seq)s AND status = 'pending';

-- name: inbox_mark_failed
UPDATE inbox SET status = %(status)s, attempts = attempts + 1, last_error = %(error)s
WHERE seq = %(seq)s AND status = 'pending';

-- name: notify
-- Delivered at commit, once per channel and payload however often a transaction sends it.
SELECT pg_notify(%(channel)s, '');

-- name: outbox_insert
INSERT INTO outbox (
    id, kind, payload, idempotency_key, status, attempts, available_at, created_at, trace_ctx, lock_key
)
VALUES (%(id)s, %(kind)s, %(payload)s, %(idempotency_key)s, 'pending', 0, %(available_at)s, %(now)s,
        %(trace_ctx)s::json, %(lock_key)s)
ON CONFLICT (idempotency_key) WHERE status IN ('pending', 'leased') DO NOTHING
RETURNING id;

-- name: outbox_live_by_key
SELECT id FROM outbox WHERE idempotency_key = %(idempotency_key)s AND status IN ('pending', 'leased');

-- name: outbox_event_insert
INSERT INTO outbox_events (outbox_id, at, from_status, to_status, actor, detail)
VALUES (%(outbox_id)s, %(at)s, %(from_status)s, %(to_status)s, %(actor)s, %(detail)s);

-- name: outbox_claim_lock
-- Claims run one at a time across replicas (the lock lives until the claim commits), so the claim
-- statement after it sees every lease committed before, and no two claims both find a key free.
SELECT pg_advisory_xact_lock(%(lock)s);

-- name: outbox_claim
-- Lapsed leases first, then due pending rows, oldest first; each branch walks its own partial index.
-- A row whose lock key an unexpired lease holds is passed over (before the LIMIT, so a busy key never
-- blocks the rows behind it), and of the candidates sharing a key only the oldest is leased.
-- SKIP LOCKED: a row renewed, completed or failed meanwhile is passed over, not waited for.
-- SET sees the old values: previous_owner keeps who lost a lapsed lease (NULL for a pending row).
WITH lapsed AS MATERIALIZED (
    SELECT id, lock_key, 0 AS branch, lease_until AS due FROM outbox AS o
    WHERE status = 'leased' AND lease_until <= %(now)s
      AND (%(any_kind)s OR kind = ANY (%(kinds)s::text[]))
      AND (lock_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM outbox AS busy
          WHERE busy.status = 'leased' AND busy.lock_key = o.lock_key AND busy.lease_until > %(now)s))
    ORDER BY lease_until, id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), due AS MATERIALIZED (
    SELECT id, lock_key, 1 AS branch, available_at AS due FROM outbox AS o
    WHERE status = 'pending' AND available_at <= %(now)s
      AND (%(any_kind)s OR kind = ANY (%(kinds)s::text[]))
      AND (lock_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM outbox AS busy
          WHERE busy.status = 'leased' AND busy.lock_key = o.lock_key AND busy.lease_until > %(now)s))
    ORDER BY available_at, id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), first_per_key AS (
    SELECT id, branch, due,
           row_number() OVER (PARTITION BY coalesce(lock_key, id) ORDER BY branch, due, id) AS nth
    FROM (SELECT * FROM lapsed UNION ALL SELECT * FROM due) AS candidates
)
UPDATE outbox
SET status = 'leased', lease_owner = %(owner)s, lease_until = %(lease_until)s, attempts = attempts + 1,
    previous_owner = lease_owner
WHERE id IN (SELECT id FROM first_per_key WHERE nth = 1 ORDER BY branch, due, id LIMIT %(limit)s)
RETURNING *;

-- name: outbox_held_by
SELECT attempts FROM outbox WHERE id = %(id)s AND status = 'leased' AND lease_owner = %(owner)s
FOR UPDATE;

-- name: outbox_renew
UPDATE outbox SET lease_until = %(lease_until)s
WHERE id = %(id)s AND status = 'leased' AND lease_owner = %(owner)s;

-- name: outbox_complete
UPDATE outbox SET status = 'done', lease_owner = NULL, lease_until = NULL, finished_at = %(now)s
WHERE id = %(id)s AND status = 'leased' AND lease_owner = %(owner)s;

-- name: outbox_retry_later
UPDATE outbox
SET status = 'pending', lease_owner = NULL, lease_until = NULL, available_at = %(available_at)s,
    last_error = %(error)s
WHERE id = %(id)s AND status = 'leased' AND lease_owner = %(owner)s;

-- name: outbox_bury
UPDATE outbox
SET status = 'dead', lease_owner = NULL, lease_until = NULL, last_error = %(error)s, finished_at = %(now)s
WHERE id = %(id)s AND status = 'leased' AND lease_owner = %(owner)s;

-- name: outbox_requeue
UPDATE outbox SET status = 'pending', attempts = 0, available_at = %(now)s, finished_at = NULL
WHERE id = %(id)s AND status = 'dead';

-- name: outbox_resolve
UPDATE outbox SET status = 'done', finished_at = %(now)s WHERE id = %(id)s AND status = 'dead';

-- name: outbox_get
SELECT * FROM outbox WHERE id = %(id)s;

-- name: outbox_history
SELECT * FROM outbox_events WHERE outbox_id = %(outbox_id)s ORDER BY seq;

-- name: monitor_queue_depth
SELECT kind, status, count(*) AS count FROM outbox
WHERE status IN ('pending', 'leased', 'dead') GROUP BY kind, status ORDER BY kind, status;

-- name: monitor_oldest_due
SELECT least(
    (SELECT min(available_at) FROM outbox WHERE status = 'pending' AND available_at <= %(now)s),
    (SELECT min(lease_until) FROM outbox WHERE status = 'leased' AND lease_until <= %(now)s)
) AS due;

-- name: monitor_dead_rows
SELECT * FROM outbox WHERE status = 'dead' ORDER BY id LIMIT %(limit)s OFFSET %(offset)s;

-- name: monitor_throughput
SELECT count(*) AS count FROM outbox_events WHERE to_status = 'done' AND at >= %(since)s;

-- name: monitor_exceptions_by_owner
SELECT owner, type, state, count(*) AS count FROM exceptions
WHERE state IN ('open', 'acknowledged') GROUP BY owner, type, state ORDER BY owner, type, state;

-- name: return_case_get
SELECT * FROM return_cases WHERE return_id = %(return_id)s;

-- name: return_case_by_order
SELECT * FROM return_cases WHERE client_order_id = %(order_ref)s OR ct_order_id = %(order_ref)s
ORDER BY created_at;

-- name: return_case_in_state
SELECT * FROM return_cases WHERE state = %(state)s ORDER BY updated_at LIMIT %(limit)s;

-- name: return_case_insert
INSERT INTO return_cases
    (return_id, client_order_id, ct_order_id, state, last_sequence, snapshot, version, created_at, updated_at)
VALUES (%(return_id)s, %(client_order_id)s, %(ct_order_id)s, %(state)s, %(last_sequence)s, %(snapshot)s, 1,
        %(now)s, %(now)s)
ON CONFLICT (return_id) DO NOTHING;

-- name: return_case_update
-- Under READ COMMITTED a concurrent update is waited for, then the version is re-checked: stale, 0 rows.
UPDATE return_cases
SET client_order_id = %(client_order_id)s, ct_order_id = %(ct_order_id)s, state = %(state)s,
    last_sequence = %(last_sequence)s, snapshot = %(snapshot)s, version = version + 1, updated_at = %(now)s
WHERE return_id = %(return_id)s AND version = %(version)s;

-- name: synced_order_get
SELECT * FROM synced_orders WHERE ct_order_id = %(ct_order_id)s;

-- name: synced_order_by_number
SELECT * FROM synced_orders WHERE order_number = %(order_number)s;

-- name: synced_order_failing
SELECT * FROM synced_orders WHERE status = 'failing' ORDER BY last_synced_at LIMIT %(limit)s;

-- name: synced_order_upsert
INSERT INTO synced_orders
    (ct_order_id, order_number, ct_version, status, last_synced_at, lag_seconds, attempts, last_error,
     payload_digest, resyncs_skipped)
VALUES (%(ct_order_id)s, %(order_number)s, %(ct_version)s, %(status)s, %(last_synced_at)s, %(lag_seconds)s,
        %(attempts)s, %(last_error)s, %(payload_digest)s, %(resyncs_skipped)s)
ON CONFLICT (ct_order_id) DO UPDATE SET
    order_number = excluded.order_number, ct_version = excluded.ct_version, status = excluded.status,
    last_synced_at = excluded.last_synced_at, lag_seconds = excluded.lag_seconds,
    attempts = excluded.attempts, last_error = excluded.last_error,
    payload_digest = excluded.payload_digest, resyncs_skipped = excluded.resyncs_skipped
WHERE excluded.ct_version >= synced_orders.ct_version;

-- name: order_snapshot_keep
INSERT INTO order_snapshots (ct_order_id, order_number, version, created_at, body)
VALUES (%(ct_order_id)s, %(order_number)s, %(version)s, %(created_at)s, %(body)s)
ON CONFLICT (ct_order_id) DO UPDATE SET
    order_number = excluded.order_number, version = excluded.version, body = excluded.body
WHERE excluded.version > order_snapshots.version;

-- name: order_snapshot_forget
DELETE FROM order_snapshots WHERE ct_order_id = %(ct_order_id)s;

-- name: order_snapshot_by_ref
(SELECT body FROM order_snapshots WHERE order_number = %(ref)s LIMIT 1)
UNION ALL (SELECT body FROM order_snapshots WHERE ct_order_id = %(ref)s)
LIMIT 1;

-- name: order_snapshot_created_before
SELECT ct_order_id FROM order_snapshots WHERE created_at < %(cutoff)s ORDER BY created_at LIMIT %(limit)s;

-- name: order_snapshot_forget_many
DELETE FROM order_snapshots WHERE ct_order_id = ANY (%(ct_order_ids)s::text[]);

-- name: exception_raise
INSERT INTO exceptions
    (type, owner, severity, state, dedupe_key, return_id, order_ref, evidence, first_seen, last_seen, count)
VALUES (%(type)s, %(owner)s, %(severity)s, 'open', %(dedupe_key)s, %(return_id)s, %(order_ref)s,
        %(evidence)s, %(now)s, %(now)s, 1)
ON CONFLICT (dedupe_key) WHERE state IN ('open', 'acknowledged') DO UPDATE SET
    count = exceptions.count + 1, last_seen = excluded.last_seen, evidence = excluded.evidence
RETURNING id, count;

-- name: exception_change_state
UPDATE exceptions SET state = %(state)s, changed_by = %(actor)s, changed_at = %(now)s, note = %(note)s
WHERE id = %(id)s AND state != %(state)s;

-- name: exception_event_insert
INSERT INTO exception_events (exception_id, at, action, actor, note)
VALUES (%(exception_id)s, %(at)s, %(action)s, %(actor)s, %(note)s);

-- name: exception_get
SELECT * FROM exceptions WHERE id = %(id)s;

-- name: exception_unresolved
SELECT * FROM exceptions
WHERE state IN ('open', 'acknowledged') AND (%(owner)s::text IS NULL OR owner = %(owner)s)
ORDER BY last_seen DESC LIMIT %(limit)s;

-- name: exception_events
SELECT * FROM exception_events WHERE exception_id = %(exception_id)s ORDER BY seq;

-- name: stock_record
INSERT INTO stock_movements
    (marker, sku, supply_channel, quantity, return_id, item_id, state, applied_at, inventory_version, recorded_at,
     disposition)
VALUES (%(marker)s, %(sku)s, %(supply_channel)s, %(quantity)s, %(return_id)s, %(item_id)s, %(state)s,
        %(applied_at)s, %(inventory_version)s, %(now)s, %(disposition)s)
ON CONFLICT (marker) DO NOTHING;

-- name: stock_set_state
UPDATE stock_movements
SET state = %(state)s, applied_at = CASE WHEN %(state)s = 'applied' THEN %(now)s ELSE applied_at END,
    inventory_version = coalesce(%(inventory_version)s::bigint, inventory_version)
WHERE marker = %(marker)s;

-- name: stock_get
SELECT * FROM stock_movements WHERE marker = %(marker)s;

-- name: stock_for_return
SELECT * FROM stock_movements WHERE return_id = %(return_id)s ORDER BY recorded_at, marker;

-- name: refund_record
INSERT INTO refunds
    (interaction_id, return_id, lines, amount_minor, currency, payment_id, outcome, state, recorded_at, updated_at)
VALUES (%(interaction_id)s, %(return_id)s, %(lines)s, %(amount_minor)s, %(currency)s, %(payment_id)s,
        %(outcome)s, %(state)s, %(now)s, %(now)s)
ON CONFLICT (interaction_id) DO NOTHING;

-- name: refund_set_state
UPDATE refunds SET state = %(state)s, updated_at = %(now)s WHERE interaction_id = %(interaction_id)s;

-- name: refund_get
SELECT * FROM refunds WHERE interaction_id = %(interaction_id)s;

-- name: refund_for_return
SELECT * FROM refunds WHERE return_id = %(return_id)s ORDER BY recorded_at, interaction_id;

-- name: credit_post
INSERT INTO pending_credits (return_id, currency, amount_minor, state, posted_at)
VALUES (%(return_id)s, %(currency)s, %(amount_minor)s, 'posted', %(now)s)
ON CONFLICT (return_id, currency) DO UPDATE SET
    amount_minor = excluded.amount_minor, state = 'posted', posted_at = excluded.posted_at, released_at = NULL;

-- name: credit_release
UPDATE pending_credits SET state = 'released', released_at = %(now)s
WHERE return_id = %(return_id)s AND currency = %(currency)s AND state = 'posted';

-- name: credit_for_return
SELECT * FROM pending_credits WHERE return_id = %(return_id)s ORDER BY currency;

-- name: credit_outstanding
SELECT currency, sum(amount_minor) AS amount FROM pending_credits WHERE state = 'posted' GROUP BY currency;

-- name: exception_unresolved_by_key
SELECT * FROM exceptions
WHERE dedupe_key = %(dedupe_key)s AND state IN ('open', 'acknowledged') AND id != %(id)s;

-- name: exception_bump
UPDATE exceptions SET count = count + 1, last_seen = %(now)s WHERE id = %(id)s;

-- name: timeline_insert
INSERT INTO timeline (return_id, at, source, action, outcome, detail, order_ref)
VALUES (%(return_id)s, %(at)s, %(source)s, %(action)s, %(outcome)s, %(detail)s, %(order_ref)s);

-- name: timeline_for_return
SELECT * FROM timeline WHERE return_id = %(return_id)s ORDER BY seq LIMIT %(limit)s;

-- name: timeline_latest
SELECT * FROM timeline WHERE return_id = %(return_id)s AND action = %(action)s ORDER BY seq DESC LIMIT 1;

-- name: watermark_get
SELECT value FROM watermarks WHERE name = %(name)s;

-- name: watermark_set
INSERT INTO watermarks (name, value, updated_at) VALUES (%(name)s, %(value)s, %(now)s)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;

-- ================================================================ runtime (admin API, shadow, probe)

-- name: admin_exceptions
-- %(state)s NULL means unresolved; 'any' means every state. Ages are measured from first_seen.
SELECT * FROM exceptions
WHERE (%(owner)s::text IS NULL OR owner = %(owner)s)
  AND (%(type)s::text IS NULL OR type = %(type)s)
  AND (CASE WHEN %(state)s::text IS NULL THEN state IN ('open', 'acknowledged')
            WHEN %(state)s = 'any' THEN true ELSE state = %(state)s END)
  AND (%(oldest_first_seen)s::timestamptz IS NULL OR first_seen >= %(oldest_first_seen)s)
  AND (%(newest_first_seen)s::timestamptz IS NULL OR first_seen <= %(newest_first_seen)s)
ORDER BY CASE WHEN %(newest_first)s THEN first_seen END DESC,
         CASE WHEN %(newest_first)s THEN id END DESC,
         first_seen, id
LIMIT %(limit)s OFFSET %(offset)s;

-- name: admin_search_returns
SELECT * FROM return_cases
WHERE return_id = %(text)s OR client_order_id = %(text)s OR ct_order_id = %(text)s
   OR EXISTS (
       SELECT 1 FROM json_array_elements(
           CASE WHEN json_typeof(convert_from(snapshot, 'UTF8')::json -> 'items') = 'array'
                THEN convert_from(snapshot, 'UTF8')::json -> 'items' END) AS item
       WHERE item ->> 'sku' = %(text)s)
ORDER BY updated_at DESC, return_id LIMIT %(limit)s OFFSET %(offset)s;

-- name: admin_queue_counts
SELECT kind,
       count(*) FILTER (WHERE status = 'pending' AND available_at <= %(now)s) AS due,
       count(*) FILTER (WHERE status = 'pending' AND available_at > %(now)s) AS scheduled,
       count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying,
       count(*) FILTER (WHERE status = 'leased') AS leased,
       count(*) FILTER (WHERE status = 'dead') AS dead
FROM outbox WHERE status IN ('pending', 'leased', 'dead') GROUP BY kind ORDER BY kind;

-- name: admin_inbox_quarantined
SELECT * FROM inbox WHERE quarantine_reason IS NOT NULL AND seq > %(after_seq)s ORDER BY seq LIMIT %(limit)s;

-- name: admin_inbox_counts
-- Unsettled and quarantined rows only, each through its partial index (never every processed row).
SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       (SELECT count(*) FROM inbox WHERE quarantine_reason IS NOT NULL) AS quarantined,
       min(received_at) FILTER (WHERE status = 'pending') AS oldest_pending
FROM inbox WHERE status IN ('pending', 'failed');

-- name: admin_sync_counts
SELECT count(*) FILTER (WHERE status = 'synced') AS synced,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'failing') AS failing,
       avg(lag_seconds) AS lag_avg, max(lag_seconds) AS lag_max,
       count(lag_seconds) AS lag_count, max(last_synced_at) AS last_synced_at,
       coalesce(sum(resyncs_skipped), 0) AS resyncs_skipped
FROM synced_orders;

-- name: admin_sync_lag_at
SELECT lag_seconds FROM synced_orders WHERE lag_seconds IS NOT NULL
ORDER BY lag_seconds LIMIT 1 OFFSET %(offset)s;

-- name: admin_exception_retried
INSERT INTO exception_events (exception_id, at, action, actor, note)
SELECT id, %(now)s, 'retried', %(actor)s, %(note)s FROM exceptions WHERE id = %(id)s;

-- name: runtime_probe_write
INSERT INTO runtime_probe (id, at) VALUES (1, %(now)s) ON CONFLICT (id) DO UPDATE SET at = excluded.at;

-- name: shadow_insert
INSERT INTO shadow_writes (target, operation, arguments, at, trace_id)
VALUES (%(target)s, %(operation)s, %(arguments)s, %(at)s, %(trace_id)s);

-- name: shadow_count
SELECT count(*) AS count FROM shadow_writes;

-- name: shadow_recent
SELECT * FROM shadow_writes ORDER BY seq DESC LIMIT %(limit)s;

-- ================================================================ decisions, alerts, report reads

-- name: decisions_for_trigger
SELECT * FROM refund_decisions WHERE return_id = %(return_id)s AND sequence = %(sequence)s
ORDER BY decided_at;

-- name: decision_for_exception
SELECT * FROM refund_decisions WHERE exception_id = %(exception_id)s;

-- name: decision_record
INSERT INTO refund_decisions
    (return_id, sequence, exception_id, decision, currency, backflow_total_minor, rebound_total_minor,
     actor, note, decided_at)
VALUES (%(return_id)s, %(sequence)s, %(exception_id)s, %(decision)s, %(currency)s, %(backflow_total_minor)s,
        %(rebound_total_minor)s, %(actor)s, %(note)s, %(now)s)
ON CONFLICT (exception_id) DO NOTHING;

-- name: exception_unresolved_with_key
SELECT * FROM exceptions WHERE dedupe_key = %(dedupe_key)s AND state IN ('open', 'acknowledged');

-- name: exception_alert_opened
SELECT * FROM exceptions e
WHERE state IN ('open', 'acknowledged') AND first_seen > %(opened_after)s
  AND NOT EXISTS (SELECT 1 FROM exception_alerts a WHERE a.exception_id = e.id AND a.reason = 'opened')
ORDER BY first_seen, id LIMIT %(limit)s;

-- name: exception_alert_aged
SELECT * FROM exceptions e
WHERE state IN ('open', 'acknowledged') AND first_seen <= %(first_seen_before)s
  AND NOT EXISTS (SELECT 1 FROM exception_alerts a WHERE a.exception_id = e.id AND a.reason = 'age_limit')
ORDER BY first_seen, id LIMIT %(limit)s;

-- name: exception_mark_alerted
INSERT INTO exception_alerts (exception_id, reason, queued_at) VALUES (%(exception_id)s, %(reason)s, %(now)s)
ON CONFLICT (exception_id, reason) DO NOTHING;

-- name: write_off_record
INSERT INTO stock_write_offs (marker, sku, quantity, disposition, return_id, item_id, recorded_at)
VALUES (%(marker)s, %(sku)s, %(quantity)s, %(disposition)s, %(return_id)s, %(item_id)s, %(now)s)
ON CONFLICT (marker) DO NOTHING;

-- name: order_lines_clear
DELETE FROM order_line_quantities WHERE ct_order_id = %(ct_order_id)s;

-- name: order_lines_insert
INSERT INTO order_line_quantities (ct_order_id, sku, quantity, product)
VALUES (%(ct_order_id)s, %(sku)s, %(quantity)s, %(product)s)
ON CONFLICT (ct_order_id, sku) DO UPDATE SET quantity = excluded.quantity, product = excluded.product;

-- name: report_cases
SELECT * FROM return_cases
WHERE (%(created_before)s::timestamptz IS NULL OR created_at <= %(created_before)s)
ORDER BY created_at, return_id;

-- name: report_active_cases
-- Only the cases a period's report names, each part through an index (never every stored case).
SELECT * FROM return_cases
WHERE created_at <= %(until)s AND return_id IN (
    SELECT return_id FROM return_cases WHERE created_at >= %(since)s AND created_at <= %(until)s
    UNION SELECT return_id FROM return_status_history WHERE at >= %(since)s AND at <= %(until)s
    UNION SELECT unnest(%(return_ids)s::text[]))
ORDER BY created_at, return_id;

-- name: report_active_status_history
SELECT * FROM return_status_history
WHERE at <= %(until)s AND return_id IN (
    SELECT return_id FROM return_status_history WHERE at >= %(since)s AND at <= %(until)s)
ORDER BY seq;

-- name: report_active_refunds
SELECT * FROM refunds
WHERE recorded_at <= %(until)s AND interaction_id IN (
    SELECT interaction_id FROM refunds WHERE updated_at >= %(since)s AND updated_at <= %(until)s
    UNION SELECT interaction_id FROM refunds WHERE return_id = ANY (%(return_ids)s::text[]))
ORDER BY recorded_at, interaction_id;

-- name: report_active_credit_history
-- Before the period only the latest change of each credit, and only if it was still owed then.
SELECT * FROM credit_history WHERE at <= %(until)s AND seq IN (
    SELECT seq FROM credit_history WHERE at >= %(since)s AND at <= %(until)s
    UNION SELECT seq FROM credit_history WHERE return_id = ANY (%(return_ids)s::text[])
    UNION SELECT seq FROM (
        SELECT seq, state, amount_minor, row_number() OVER (
            PARTITION BY return_id, currency ORDER BY at DESC, seq DESC) AS latest
        FROM credit_history WHERE at < %(since)s) AS before_period
    WHERE latest = 1 AND state = 'posted' AND amount_minor > 0)
ORDER BY at, seq;

-- name: report_cases_page
-- Keyset paging: the row value seeks in the (created_at, return_id) index, so each page costs its size.
SELECT * FROM return_cases
WHERE (created_at, return_id) > (%(after_at)s, %(after_id)s)
  AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR created_at <= %(until)s)
ORDER BY created_at, return_id LIMIT %(limit)s;

-- name: report_open_cases
SELECT * FROM return_cases WHERE state != 'CLOSED' ORDER BY updated_at, return_id LIMIT %(limit)s;

-- name: report_status_history
SELECT * FROM return_status_history WHERE at <= %(until)s ORDER BY seq;

-- name: report_status_history_of
-- A monitor's batch of returns only, through the (return_id, seq) index.
SELECT * FROM return_status_history
WHERE return_id = ANY (%(return_ids)s::text[]) AND at <= %(until)s ORDER BY seq;

-- name: report_refunds
SELECT * FROM refunds WHERE recorded_at <= %(until)s ORDER BY recorded_at, interaction_id;

-- name: report_cases_touched_since
SELECT ct_order_id, updated_at FROM return_cases
WHERE updated_at >= %(since)s AND ct_order_id IS NOT NULL ORDER BY updated_at DESC LIMIT %(limit)s;

-- name: report_refunds_touched_since
SELECT c.ct_order_id, r.updated_at FROM refunds AS r JOIN return_cases AS c ON c.return_id = r.return_id
WHERE r.updated_at >= %(since)s AND c.ct_order_id IS NOT NULL ORDER BY r.updated_at DESC LIMIT %(limit)s;

-- name: report_credit_history
SELECT * FROM credit_history WHERE at <= %(until)s ORDER BY at, seq;

-- name: report_stock_movements
SELECT * FROM stock_movements WHERE applied_at >= %(since)s AND applied_at <= %(until)s
ORDER BY applied_at, marker;

-- name: report_write_offs
SELECT * FROM stock_write_offs WHERE recorded_at >= %(since)s AND recorded_at <= %(until)s
ORDER BY recorded_at, marker;

-- name: report_exceptions
SELECT * FROM exceptions WHERE first_seen <= %(until)s ORDER BY first_seen, id;

-- name: report_decisions
SELECT * FROM refund_decisions WHERE decided_at <= %(until)s ORDER BY decided_at, return_id;

-- name: report_ordered_quantities
SELECT sku, max(product) AS product, sum(quantity) AS quantity FROM order_line_quantities
GROUP BY sku ORDER BY sku;

-- name: figures_outbox
SELECT kind,
    count(*) FILTER (WHERE status = 'pending') AS pending,
    count(*) FILTER (WHERE status = 'leased') AS leased,
    count(*) FILTER (WHERE status = 'dead') AS dead,
    min(CASE WHEN status = 'pending' AND available_at <= %(now)s THEN available_at
             WHEN status = 'leased' AND lease_until <= %(now)s THEN lease_until END) AS due
FROM outbox WHERE status IN ('pending', 'leased', 'dead') GROUP BY kind ORDER BY kind;

-- name: figures_inbox
SELECT source,
    count(*) FILTER (WHERE status = 'pending') AS pending,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    min(received_at) FILTER (WHERE status = 'pending') AS oldest
FROM inbox WHERE status IN ('pending', 'failed') GROUP BY source ORDER BY source;

-- name: figures_exceptions
SELECT owner, type,
    CASE WHEN %(now)s - first_seen < interval '1 hour' THEN 'lt_1h'
         WHEN %(now)s - first_seen < interval '1 day' THEN '1h_1d'
         WHEN %(now)s - first_seen < interval '7 days' THEN '1d_7d'
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
WHERE last_synced_at > %(after)s AND lag_seconds IS NOT NULL ORDER BY last_synced_at LIMIT 10000;
