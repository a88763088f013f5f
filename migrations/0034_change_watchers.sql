-- A job's updates (claimed, progress, ended) are announced only while a realtime server is watching.
-- The workers act only on rows that become pending (a job to run) or cancelled (a run to stop); every
-- other change message was for realtime subscribers, and with none anywhere, building and sending them
-- for each claim and completion was ~40 % of a trusted no-op drain's time. A realtime server keeps a
-- row in jobs.change_watchers while it has channels (renewed before it expires, so a crashed server's
-- row lapses by itself); while no live row exists, an UPDATE announces only its pending and cancelled
-- rows. INSERT and DELETE messages are unchanged.
CREATE TABLE jobs.change_watchers (
  id uuid PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
ALTER TABLE jobs.change_watchers ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.change_watchers FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.change_watchers TO service_role;
CREATE POLICY "Service role keeps change watchers" ON jobs.change_watchers
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- 0033's, announcing only the pending and cancelled rows of an unwatched update.
CREATE OR REPLACE FUNCTION jobs.queue_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET enable_nestloop = off
AS $$
DECLARE
  v_outbox jsonb;
  -- Looked up once per statement: is any realtime server watching?
  v_watched boolean := EXISTS (SELECT 1 FROM jobs.change_watchers w WHERE w.expires_at > now());
BEGIN
  -- The change messages, one NOTIFY per ~7000 bytes: 0031's jobs.notify_queue_change_json written
  -- into this one statement, because every claim and completion runs it (called with a gathered
  -- array instead, a completion measured ~10-20 µs more per job). A lease renewal alone (lease_expires_at
  -- moved, status not) is not a change anyone watches.
  IF v_watched OR EXISTS (SELECT 1 FROM new_rows n WHERE n.status IN ('pending', 'cancelled')) THEN
    PERFORM pg_notify('fluxbase_changes', '[' || string_agg(m.message, ',' ORDER BY m.n) || ']')
    FROM (
      SELECT c.message, c.n, sum(octet_length(c.message)) OVER (ORDER BY c.n) / 7000 AS chunk
      FROM (
        SELECT jobs.queue_change_json('UPDATE', n.id, n.status, o.status, n.namespace, n.created_by, n.job_name)::text
            AS message,
          row_number() OVER () AS n
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (o.lease_expires_at IS NOT DISTINCT FROM n.lease_expires_at OR o.status IS DISTINCT FROM n.status)
          -- Unwatched, only what the workers act on: a job to run, or a run to stop.
          AND (v_watched OR n.status IN ('pending', 'cancelled'))
      ) c
    ) m
    GROUP BY m.chunk;
  END IF;
  -- Attempts to write: a run that goes back to pending, or a finished row that changes. A claim and a
  -- completion have none, and skip the joins.
  IF EXISTS (SELECT 1 FROM new_rows n WHERE n.status = 'pending')
     OR EXISTS (SELECT 1 FROM old_rows o WHERE o.status IN ('completed', 'failed', 'cancelled')) THEN
    INSERT INTO jobs.attempts (job_id, attempt, worker_id, started_at, finished_at, outcome, error_message)
    SELECT o.id, o.attempt, o.worker_id, coalesce(o.started_at, now()), now(),
      CASE
        WHEN n.attempt < o.attempt THEN 'released'
        WHEN n.error_message = 'Worker lost during execution' THEN 'recovered'
        ELSE 'retry' END,
      n.error_message
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.status = 'running' AND n.status = 'pending'
    UNION ALL
    SELECT o.id, h.attempt, h.worker_id, h.started_at, h.finished_at, h.outcome, h.error_message
    FROM new_rows n JOIN old_rows o ON o.id = n.id, jobs.held_attempt(o::jobs.queue) h
    WHERE o.status IN ('completed', 'failed', 'cancelled')
      AND (n.status, n.attempt, n.started_at) IS DISTINCT FROM (o.status, o.attempt, o.started_at);
  END IF;
  -- Snapshots for the outbox are only built when something may want one.
  IF EXISTS (SELECT 1 FROM jobs.webhooks WHERE enabled) OR EXISTS (
    SELECT 1 FROM new_rows n
    WHERE n.status IN ('completed', 'failed', 'cancelled')
      AND ((n.notify AND n.user_email IS NOT NULL) OR n.idempotency_key LIKE 'schedule:%'))
  THEN
    SELECT jsonb_agg(to_jsonb(n)) INTO v_outbox
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.status IS DISTINCT FROM n.status AND n.status IN ('running', 'completed', 'failed', 'cancelled');
    IF v_outbox IS NOT NULL THEN
      PERFORM jobs.queue_outbox(v_outbox);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
