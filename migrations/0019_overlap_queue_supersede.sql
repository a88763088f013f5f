-- The other overlap policies and a per-function cap on running jobs.
--   - `queue` (a singleton per key): submits are accepted, but at most one job per key runs at a
--     time; the others wait their turn in the claim.
--   - `supersede`: a new submit cancels the older pending or running jobs with its key; they end
--     `cancelled` with `superseded_by` the new job (a running one's signal is aborted).
--   - `@fluxbase:concurrency N` (jobs.functions.concurrency): at most N running jobs of the
--     function across all processes. Copied onto each job (concurrency_cap) so the claim checks it
--     only for jobs that have one.
ALTER TABLE jobs.functions DROP CONSTRAINT functions_overlap_check;
ALTER TABLE jobs.functions ADD CONSTRAINT functions_overlap_check CHECK (
  overlap IS NULL OR (
    jsonb_typeof(overlap) = 'object'
    AND overlap ->> 'policy' IN ('reject', 'queue', 'supersede')
    AND coalesce(overlap ->> 'scope', 'user') IN ('user', 'global')
    AND (overlap -> 'key' IS NULL OR jsonb_typeof(overlap -> 'key') IN ('string', 'null'))
  ));
ALTER TABLE jobs.functions ADD COLUMN concurrency int CHECK (concurrency > 0);
GRANT SELECT (concurrency) ON jobs.functions TO anon, authenticated;

ALTER TABLE jobs.queue DROP CONSTRAINT queue_overlap_mode_check;
ALTER TABLE jobs.queue ADD CONSTRAINT queue_overlap_mode_check
  CHECK (overlap_mode IN ('reject', 'dedupe', 'queue', 'supersede'));
ALTER TABLE jobs.queue
  ADD COLUMN concurrency_cap int,
  ADD COLUMN superseded_by uuid;
-- A claim never lets two jobs of one queued key run: this is the guarantee, the claim's filter the way.
CREATE UNIQUE INDEX queue_singleton_running_idx ON jobs.queue (namespace, job_name, overlap_key)
  WHERE overlap_mode = 'queue' AND status = 'running';
CREATE INDEX queue_supersede_idx ON jobs.queue (namespace, job_name, overlap_key)
  WHERE overlap_mode = 'supersede' AND status IN ('pending', 'running');
CREATE INDEX queue_capped_running_idx ON jobs.queue (function_id)
  WHERE concurrency_cap IS NOT NULL AND status = 'running';

CREATE OR REPLACE FUNCTION jobs.queue_before_insert() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_caller boolean := current_user IN ('anon', 'authenticated') AND NOT auth.is_admin();
  fn record;
BEGIN
  IF v_caller AND current_user = 'authenticated' THEN
    NEW.status := 'pending';
    NEW.result := NULL;
    NEW.progress := NULL;
    NEW.retry_count := 0;
    NEW.attempt := 0;
    NEW.error_message := NULL;
    NEW.worker_id := NULL;
    NEW.lease_token := NULL;
    NEW.cancel_requested_at := NULL;
    NEW.cancel_mode := NULL;
    NEW.created_at := now();
    NEW.started_at := NULL;
    NEW.last_progress_at := NULL;
    NEW.completed_at := NULL;
    NEW.superseded_by := NULL;
  END IF;
  SELECT f.run_in, f.origin, f.overlap, f.concurrency INTO fn FROM jobs.functions f WHERE f.id = NEW.function_id;
  IF FOUND THEN
    NEW.lane := fn.run_in;
    NEW.kind := CASE WHEN fn.origin = 'handler' THEN 'handler' ELSE 'sandboxed' END;
  ELSE
    NEW.lane := 'worker';
    NEW.kind := 'sandboxed';
  END IF;
  NEW.concurrency_cap := fn.concurrency;
  IF fn.overlap IS NOT NULL THEN
    NEW.overlap_mode := fn.overlap ->> 'policy';
    NEW.overlap_key := jobs.overlap_key(fn.overlap, NEW.payload, NEW.created_by, NEW.overlap_key);
  ELSIF NEW.overlap_key IS NOT NULL THEN
    NEW.overlap_mode := 'dedupe';
    NEW.overlap_key := jobs.overlap_key(NULL, NEW.payload, NEW.created_by, NEW.overlap_key);
  ELSE
    NEW.overlap_mode := NULL;
  END IF;
  IF v_caller THEN
    NEW.tenant := toggles.current_tenant();
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

-- 0017's, and `supersede`: each new job cancels the older active ones with its key. Submits of one
-- key take turns (a transaction lock on the key), so of two concurrent ones the later cancels the
-- earlier and exactly one stays active.
CREATE OR REPLACE FUNCTION jobs.queue_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_messages jsonb[];
  v_outbox jsonb;
  v_new record;
BEGIN
  SELECT array_agg(jobs.queue_change_message('INSERT', n.id, n.status, NULL, n.namespace, n.created_by, n.job_name)),
    jsonb_agg(to_jsonb(n)) FILTER (WHERE n.status IN ('running', 'completed', 'failed', 'cancelled'))
  INTO v_messages, v_outbox
  FROM new_rows n;
  IF v_messages IS NOT NULL THEN
    PERFORM jobs.notify_queue_changes(v_messages);
  END IF;
  IF v_outbox IS NOT NULL THEN
    PERFORM jobs.queue_outbox(v_outbox);
  END IF;
  FOR v_new IN
    SELECT n.id, n.namespace, n.job_name, n.overlap_key FROM new_rows n
    WHERE n.overlap_mode = 'supersede' AND n.status = 'pending'
    ORDER BY n.created_at, n.id
  LOOP
    PERFORM pg_advisory_xact_lock(hashtext('fluxbase.supersede'), hashtext(v_new.namespace || '/' || v_new.job_name || '/' || v_new.overlap_key));
    UPDATE jobs.queue q SET status = 'cancelled', cancel_mode = 'cancel', superseded_by = v_new.id,
      error_message = 'Superseded by job ' || v_new.id
    WHERE q.overlap_mode = 'supersede' AND q.namespace = v_new.namespace AND q.job_name = v_new.job_name
      AND q.overlap_key = v_new.overlap_key AND q.status IN ('pending', 'running') AND q.id <> v_new.id;
  END LOOP;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION jobs.claim_jobs(p_worker uuid, p_limit int, p_per_namespace int, p_lease_ms int,
  p_lane text, p_handlers text[])
RETURNS TABLE (id uuid, namespace text, function_id uuid, job_name text, payload jsonb, attempt int,
  retry_count int, max_retries int, timeout_seconds int, progress_timeout_seconds int, lease_token uuid,
  created_by uuid, user_role text, user_email text, kind text, backoff_base_ms int, backoff_max_ms int,
  tenant text, waited_seconds float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- A claimer waits at most a second for the lock (or a row) and tries again at its next wake-up.
SET lock_timeout = '1s'
AS $$
#variable_conflict use_column
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
      SELECT q.id, q.priority, coalesce(q.scheduled_at, q.created_at) AS due_at, q.function_id,
        q.concurrency_cap, q.overlap_mode, q.overlap_key, q.job_name, q.namespace
      FROM jobs.queue q
      WHERE q.status = 'pending' AND q.namespace = room.namespace
        AND coalesce(q.scheduled_at, q.created_at) <= now()
        AND q.lane = p_lane
        AND (q.kind = 'sandboxed' OR (q.namespace || '/' || q.job_name) = ANY (p_handlers))
        AND (NOT v_paused OR NOT EXISTS (
          SELECT 1 FROM jobs.paused_queues p WHERE p.namespace = q.namespace AND p.job_name = q.job_name))
        -- overlap: queue — a key with a running job waits.
        AND (q.overlap_mode IS DISTINCT FROM 'queue' OR NOT EXISTS (
          SELECT 1 FROM jobs.queue r
          WHERE r.overlap_mode = 'queue' AND r.status = 'running' AND r.namespace = q.namespace
            AND r.job_name = q.job_name AND r.overlap_key = q.overlap_key))
        -- @fluxbase:concurrency — a function at its cap waits.
        AND (q.concurrency_cap IS NULL OR q.concurrency_cap > (
          SELECT count(*) FROM jobs.queue r
          WHERE r.concurrency_cap IS NOT NULL AND r.status = 'running' AND r.function_id = q.function_id))
      ORDER BY q.priority DESC, coalesce(q.scheduled_at, q.created_at), q.id
      LIMIT least(room.free, p_limit)
    ) head
    WHERE room.free > 0
  ), ranked AS (
    -- Within this claim too: one job per queued key, and no more of a function than its room.
    SELECT heads.*,
      row_number() OVER (
        PARTITION BY CASE WHEN heads.overlap_mode = 'queue'
          THEN heads.namespace || '/' || heads.job_name || '/' || heads.overlap_key ELSE heads.id::text END
        ORDER BY heads.priority DESC, heads.due_at, heads.id) AS key_rank,
      row_number() OVER (PARTITION BY heads.function_id ORDER BY heads.priority DESC, heads.due_at, heads.id)
        AS function_rank
    FROM heads
  ), picked AS (
    SELECT ranked.id FROM ranked
    WHERE ranked.key_rank = 1
      AND (ranked.concurrency_cap IS NULL OR ranked.function_rank <= ranked.concurrency_cap - (
        SELECT count(*) FROM jobs.queue r
        WHERE r.concurrency_cap IS NOT NULL AND r.status = 'running' AND r.function_id = ranked.function_id))
    ORDER BY ranked.priority DESC, ranked.due_at, ranked.id LIMIT p_limit
  ), claimed AS (
  UPDATE jobs.queue q SET
    status = 'running', worker_id = p_worker, lease_token = gen_random_uuid(),
    lease_expires_at = now() + make_interval(secs => p_lease_ms / 1000.0),
    attempt = q.attempt + 1, retry_count = q.attempt, started_at = now(), last_progress_at = now(),
    completed_at = NULL, cancel_requested_at = NULL, cancel_mode = NULL
  FROM picked
  WHERE q.id = picked.id AND q.status = 'pending'
  RETURNING q.*
  )
  SELECT c.id, c.namespace, c.function_id, c.job_name, c.payload, c.attempt, c.retry_count, c.max_retries,
    c.timeout_seconds, c.progress_timeout_seconds, c.lease_token, c.created_by, c.user_role, c.user_email,
    c.kind, c.backoff_base_ms, c.backoff_max_ms, c.tenant,
    extract(epoch from c.started_at - coalesce(c.scheduled_at, c.created_at))::float8
  FROM claimed c
  ORDER BY c.priority DESC, coalesce(c.scheduled_at, c.created_at), c.id;
END
$$;
