-- The attempt that ends a job (completed, failed, cancelled while running) is no longer copied into
-- jobs.attempts: the job's row already holds it (attempt, worker, started_at, completed_at, status,
-- error), and writing it cost every job a row, an index entry and a foreign-key check (~30 µs of a
-- job's ~300 µs of Postgres time in a drain). jobs.attempts keeps the attempts a job went on after
-- (retry, released, recovered); a reader adds the final one from the queue row (jobs.job_attempts
-- below, as server/queue/jobAttempts.ts does). When a finished job's row is about to lose that
-- attempt (a manual retry resets it), it is written out first.

-- The attempt a job's row holds: the one running, or the one it ended with. A finished row holds one
-- when it started and no attempts row has that start (a job cancelled while it waited for a retry
-- ends with the attempt already written). Used by the trigger below and by jobs.job_attempts.
CREATE FUNCTION jobs.held_attempt(q jobs.queue)
RETURNS TABLE (attempt int, worker_id uuid, started_at timestamptz, finished_at timestamptz, outcome text,
  error_message text)
LANGUAGE sql STABLE
AS $$
  SELECT q.attempt, q.worker_id, q.started_at,
    CASE WHEN q.status <> 'running' THEN coalesce(q.completed_at, q.updated_at) END,
    CASE WHEN q.status = 'running' THEN NULL
      WHEN q.error_message = 'Worker lost during execution' THEN 'recovered' ELSE q.status END,
    CASE WHEN q.status = 'failed' THEN q.error_message END
  WHERE q.status IN ('running', 'completed', 'failed', 'cancelled') AND q.started_at IS NOT NULL
    AND q.attempt > 0
    AND NOT EXISTS (SELECT 1 FROM jobs.attempts t
                    WHERE t.job_id = q.id AND t.attempt = q.attempt AND t.started_at = q.started_at)
$$;

-- 0031's, writing only attempts a job went on after, and the final one of a row that leaves its end;
-- it sends the messages itself, and skips the attempts insert (two joins of the transition tables)
-- when it can have no rows.
CREATE OR REPLACE FUNCTION jobs.queue_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET enable_nestloop = off
AS $$
DECLARE
  v_outbox jsonb;
BEGIN
  -- The change messages, one NOTIFY per ~7000 bytes: 0031's jobs.notify_queue_change_json written
  -- into this one statement, because every claim and completion runs it (called with a gathered
  -- array instead, a completion measured ~10-20 µs more per job). A lease renewal alone (lease_expires_at
  -- moved, status not) is not a change anyone watches.
  PERFORM pg_notify('fluxbase_changes', '[' || string_agg(m.message, ',' ORDER BY m.n) || ']')
  FROM (
    SELECT c.message, c.n, sum(octet_length(c.message)) OVER (ORDER BY c.n) / 7000 AS chunk
    FROM (
      SELECT jobs.queue_change_json('UPDATE', n.id, n.status, o.status, n.namespace, n.created_by, n.job_name)::text
          AS message,
        row_number() OVER () AS n
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE o.lease_expires_at IS NOT DISTINCT FROM n.lease_expires_at OR o.status IS DISTINCT FROM n.status
    ) c
  ) m
  GROUP BY m.chunk;
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

-- A job's attempts, oldest first: those written to jobs.attempts, then the one its row holds (running,
-- or the final one). Runs as the caller: it shows only what the caller's row-level security lets them
-- see of the job and its attempts.
CREATE FUNCTION jobs.job_attempts(p_job_id uuid)
RETURNS TABLE (attempt int, worker_id uuid, started_at timestamptz, finished_at timestamptz, outcome text,
  error_message text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.attempt, a.worker_id, a.started_at, a.finished_at, a.outcome, a.error_message
  FROM (
    SELECT t.attempt, t.worker_id, t.started_at, t.finished_at, t.outcome, t.error_message, t.id AS position
    FROM jobs.attempts t WHERE t.job_id = p_job_id
    UNION ALL
    SELECT h.*, NULL FROM jobs.queue q, jobs.held_attempt(q) h WHERE q.id = p_job_id
  ) a
  ORDER BY a.position NULLS LAST
$$;
REVOKE ALL ON FUNCTION jobs.job_attempts(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jobs.job_attempts(uuid) TO authenticated, service_role;
