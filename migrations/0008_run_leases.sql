-- Leases that expire: every running job carries the time its lease runs out. The worker that runs
-- it renews it with each heartbeat; any process recovers a running job whose lease has run out,
-- whatever its worker row says. A renewal is not a change anyone watches, so it sends no NOTIFY.
ALTER TABLE jobs.queue ADD COLUMN lease_expires_at timestamptz;
UPDATE jobs.queue SET lease_expires_at = now() + interval '30 seconds' WHERE status = 'running';

-- The claim walks namespaces with pending work and takes the head of each that has room.
CREATE INDEX queue_pending_namespace_idx
  ON jobs.queue (namespace, priority DESC, (coalesce(scheduled_at, created_at)), id)
  WHERE status = 'pending';

DROP TRIGGER queue_notify ON jobs.queue;
CREATE TRIGGER queue_notify AFTER INSERT OR DELETE ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.notify_change();
CREATE TRIGGER queue_notify_update AFTER UPDATE ON jobs.queue
  FOR EACH ROW
  WHEN (OLD.lease_expires_at IS NOT DISTINCT FROM NEW.lease_expires_at OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION jobs.notify_change();

-- The claim, in one statement the client sends on its own (no transaction around it), so the lock
-- that serialises claimers is only ever held while the server executes it: a frozen or slow client
-- cannot hold it across a round trip. It returns only ids and lease tokens, which never fill a
-- socket buffer; the worker reads the claimed rows afterwards. Highest priority first, then the
-- oldest due; never more running jobs per namespace than p_per_namespace, and a namespace at its
-- cap never stands in another's way: each namespace with room offers only its own head of line.
CREATE FUNCTION jobs.claim_jobs(p_worker uuid, p_limit int, p_per_namespace int, p_lease_ms int)
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

REVOKE ALL ON FUNCTION jobs.claim_jobs(uuid, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jobs.claim_jobs(uuid, int, int, int) TO service_role;
