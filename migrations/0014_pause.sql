-- Pausing: a whole namespace (job_name '*') or one function stops being claimed; submits are still
-- accepted and wait. A row here is the paused state, so it survives restarts and reloads.
CREATE TABLE jobs.paused_queues (
  namespace text NOT NULL CHECK (namespace ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
  job_name text NOT NULL CHECK (job_name = '*' OR job_name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$'),
  paused_at timestamptz NOT NULL DEFAULT now(),
  paused_by uuid,
  PRIMARY KEY (namespace, job_name)
);
ALTER TABLE jobs.paused_queues ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs.paused_queues FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs.paused_queues TO authenticated, service_role;
CREATE POLICY "Admins can pause and resume" ON jobs.paused_queues
  FOR ALL TO authenticated USING (auth.is_admin()) WITH CHECK (auth.is_admin());
CREATE POLICY "Service role can pause and resume" ON jobs.paused_queues
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- The claim of 0010, skipping paused namespaces and functions.
CREATE OR REPLACE FUNCTION jobs.claim_jobs(p_worker uuid, p_limit int, p_per_namespace int, p_lease_ms int,
  p_lane text, p_handlers text[])
RETURNS TABLE (id uuid, lease_token uuid)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- A claimer waits at most a second for the lock (or a row) and tries again at its next wake-up.
SET lock_timeout = '1s'
AS $$
DECLARE
  -- Looked up once: with nothing paused (the usual case) no candidate row pays for the check.
  v_paused boolean := EXISTS (SELECT 1 FROM jobs.paused_queues);
BEGIN
  PERFORM pg_advisory_xact_lock(7242002);
  -- A new snapshot (READ COMMITTED, volatile function): the running counts below include every claim
  -- committed before the lock was granted, so the namespace cap holds exactly.
  RETURN QUERY
  WITH RECURSIVE namespaces AS (
    -- Every namespace with pending jobs, by a skip scan over queue_pending_namespace_idx.
    (SELECT q.namespace FROM jobs.queue q WHERE q.status = 'pending' ORDER BY q.namespace LIMIT 1)
    UNION ALL
    SELECT (SELECT q.namespace FROM jobs.queue q
            WHERE q.status = 'pending' AND q.namespace > n.namespace ORDER BY q.namespace LIMIT 1)
    FROM namespaces n WHERE n.namespace IS NOT NULL
  ), room AS (
    SELECT n.namespace, p_per_namespace - (
      SELECT count(*) FROM jobs.queue r WHERE r.status = 'running' AND r.namespace = n.namespace
    ) AS free
    FROM namespaces n WHERE n.namespace IS NOT NULL
      AND (NOT v_paused OR NOT EXISTS (
        SELECT 1 FROM jobs.paused_queues p WHERE p.namespace = n.namespace AND p.job_name = '*'))
  ), heads AS (
    -- Each namespace with room offers at most as many of its due jobs as it has room for.
    SELECT head.* FROM room, LATERAL (
      SELECT q.id, q.priority, coalesce(q.scheduled_at, q.created_at) AS due_at
      FROM jobs.queue q
      WHERE q.status = 'pending' AND q.namespace = room.namespace
        AND coalesce(q.scheduled_at, q.created_at) <= now()
        AND q.lane = p_lane
        AND (q.kind = 'sandboxed' OR (q.namespace || '/' || q.job_name) = ANY (p_handlers))
        AND (NOT v_paused OR NOT EXISTS (
          SELECT 1 FROM jobs.paused_queues p WHERE p.namespace = q.namespace AND p.job_name = q.job_name))
      ORDER BY q.priority DESC, coalesce(q.scheduled_at, q.created_at), q.id
      LIMIT least(room.free, p_limit)
    ) head
    WHERE room.free > 0
  ), picked AS (
    SELECT heads.id FROM heads ORDER BY heads.priority DESC, heads.due_at, heads.id LIMIT p_limit
  )
  UPDATE jobs.queue q SET
    status = 'running', worker_id = p_worker, lease_token = gen_random_uuid(),
    lease_expires_at = now() + make_interval(secs => p_lease_ms / 1000.0),
    attempt = q.attempt + 1, retry_count = q.attempt, started_at = now(), last_progress_at = now(),
    completed_at = NULL, cancel_requested_at = NULL, cancel_mode = NULL
  FROM picked
  WHERE q.id = picked.id AND q.status = 'pending'
  RETURNING q.id, q.lease_token;
END
$$;
