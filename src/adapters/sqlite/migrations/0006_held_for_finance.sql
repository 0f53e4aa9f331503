-- 0006: the position REFUND_REJECTED is renamed HELD_FOR_FINANCE (a refund held for finance's
-- decision, or one finance rejected). Data only: the schema does not change.

-- The case's position is stored twice (the state column and the snapshot's case), and in its history.
-- The history trigger is dropped while the cases are renamed, so the rename adds no history rows,
-- and is then created again exactly as in schema.sql.
DROP TRIGGER return_status_on_update;

UPDATE return_cases SET state = 'HELD_FOR_FINANCE' WHERE state = 'REFUND_REJECTED';

UPDATE return_cases
SET snapshot = CAST(json_set(CAST(snapshot AS TEXT), '$.case.position', 'HELD_FOR_FINANCE') AS BLOB)
WHERE CASE WHEN instr(CAST(snapshot AS TEXT), '"REFUND_REJECTED"') > 0 AND json_valid(CAST(snapshot AS TEXT))
      THEN json_extract(CAST(snapshot AS TEXT), '$.case.position') = 'REFUND_REJECTED' END;

CREATE TRIGGER return_status_on_update AFTER UPDATE ON return_cases
WHEN new.state IS NOT old.state
  OR json_extract(CAST(new.snapshot AS TEXT), '$.case.rebound_status')
     IS NOT json_extract(CAST(old.snapshot AS TEXT), '$.case.rebound_status')
BEGIN
    INSERT INTO return_status_history (return_id, at, position, rebound_status)
    VALUES (new.return_id, new.updated_at, new.state,
            json_extract(CAST(new.snapshot AS TEXT), '$.case.rebound_status'));
END;

UPDATE return_status_history SET position = 'HELD_FOR_FINANCE' WHERE position = 'REFUND_REJECTED';

-- Positions quoted for people: the timeline's "case moved to <position>/<status>" and a `position`
-- in its detail, and the `backflow_position` in the evidence of a return-info exception. Each JSON
-- function runs only on a row that names the old position and holds valid JSON.
UPDATE timeline
SET action = replace(action, 'case moved to REFUND_REJECTED/', 'case moved to HELD_FOR_FINANCE/')
WHERE action LIKE 'case moved to REFUND\_REJECTED/%' ESCAPE '\';

UPDATE timeline
SET detail = CAST(json_set(CAST(detail AS TEXT), '$.position', 'HELD_FOR_FINANCE') AS BLOB)
WHERE CASE WHEN instr(CAST(detail AS TEXT), '"REFUND_REJECTED"') > 0 AND json_valid(CAST(detail AS TEXT))
      THEN json_extract(CAST(detail AS TEXT), '$.position') = 'REFUND_REJECTED' END;

UPDATE exceptions
SET evidence = CAST(json_set(CAST(evidence AS TEXT), '$.backflow_position', 'HELD_FOR_FINANCE') AS BLOB)
WHERE CASE WHEN instr(CAST(evidence AS TEXT), '"REFUND_REJECTED"') > 0 AND json_valid(CAST(evidence AS TEXT))
      THEN json_extract(CAST(evidence AS TEXT), '$.backflow_position') = 'REFUND_REJECTED' END;
