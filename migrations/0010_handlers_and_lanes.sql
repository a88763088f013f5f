-- Trusted handlers (application code registered with defineJob, run in-process) beside sandboxed
-- functions, lanes (where a job runs: a process with the HTTP API, or a worker process), and
-- per-job retry backoff chosen at submit.

-- A trusted handler is stored like any function (so submit, limits, roles, schedules and the admin
-- list work the same) with origin 'handler' and no code: its code lives in the application.
ALTER TABLE jobs.functions DROP CONSTRAINT functions_origin_check;
ALTER TABLE jobs.functions ADD CONSTRAINT functions_origin_check
  CHECK (origin IN ('api', 'filesystem', 'handler'));
ALTER TABLE jobs.functions ADD COLUMN run_in text NOT NULL DEFAULT 'worker'
  CHECK (run_in IN ('api', 'worker'));
-- "handler" for trusted handlers, "sandboxed" for files of ./jobs and uploads.
ALTER TABLE jobs.functions ADD COLUMN kind text NOT NULL
  GENERATED ALWAYS AS (CASE WHEN origin = 'handler' THEN 'handler' ELSE 'sandboxed' END) STORED;
GRANT SELECT (run_in, kind) ON jobs.functions TO anon, authenticated;

ALTER TABLE jobs.queue ADD COLUMN lane text NOT NULL DEFAULT 'worker' CHECK (lane IN ('api', 'worker'));
ALTER TABLE jobs.queue ADD COLUMN kind text NOT NULL DEFAULT 'sandboxed'
  CHECK (kind IN ('sandboxed', 'handler'));
ALTER TABLE jobs.queue ADD COLUMN backoff_base_ms integer CHECK (backoff_base_ms >= 0);
ALTER TABLE jobs.queue ADD COLUMN backoff_max_ms integer CHECK (backoff_max_ms >= 0);

ALTER TABLE jobs.workers ADD COLUMN lane text NOT NULL DEFAULT 'worker' CHECK (lane IN ('api', 'worker'));

-- Lane and kind follow the job's function, whatever path inserted the job (submit, schedule,
-- resubmit), so no caller can put a job in a lane its function does not name.
CREATE OR REPLACE FUNCTION jobs.queue_kind_lane() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  fn record;
BEGIN
  SELECT f.run_in, f.origin INTO fn FROM jobs.functions f WHERE f.id = NEW.function_id;
  IF FOUND THEN
    NEW.lane := fn.run_in;
    NEW.kind := CASE WHEN fn.origin = 'handler' THEN 'handler' ELSE 'sandboxed' END;
  ELSE
    NEW.lane := 'worker';
    NEW.kind := 'sandboxed';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER queue_kind_lane BEFORE INSERT ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.queue_kind_lane();

-- The claim of 0008, taking only the jobs of the claimer's lane and, of trusted handlers, only those
-- whose code the claiming process has (`namespace/name` in p_handlers).
DROP FUNCTION jobs.claim_jobs(uuid, int, int, int);
CREATE FUNCTION jobs.claim_jobs(p_worker uuid, p_limit int, p_per_namespace int, p_lease_ms int,
  p_lane text, p_handlers text[])
RETURNS TABLE (id uuid, lease_token uuid)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- A claimer waits at most a second for the lock (or a row) and tries again at its next wake-up.
SET lock_timeout = '1s'
AS $$
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
  ), heads AS (
    -- Each namespace with room offers at most as many of its due jobs as it has room for.
    SELECT head.* FROM room, LATERAL (
      SELECT q.id, q.priority, coalesce(q.scheduled_at, q.created_at) AS due_at
      FROM jobs.queue q
      WHERE q.status = 'pending' AND q.namespace = room.namespace
        AND coalesce(q.scheduled_at, q.created_at) <= now()
        AND q.lane = p_lane
        AND (q.kind = 'sandboxed' OR (q.namespace || '/' || q.job_name) = ANY (p_handlers))
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

REVOKE ALL ON FUNCTION jobs.claim_jobs(uuid, int, int, int, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jobs.claim_jobs(uuid, int, int, int, text, text[]) TO service_role;
