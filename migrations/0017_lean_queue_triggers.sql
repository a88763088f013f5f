-- The queue's triggers, per statement instead of per row where they can be. A claim or a completion
-- batch moves dozens of rows in one statement; before this, each row paid for five trigger calls
-- (and two copies of the whole row as jsonb). Now each write pays one BEFORE call per row, and one
-- AFTER call per statement that works on the statement's rows as sets:
--   - change notifications go out in batches: a JSON array of the per-row messages of 0003, cut so
--     each NOTIFY stays under the 8000-byte limit (server/db/changeNotification.ts reads both forms);
--   - the notifications outbox (0009) is written set-wise, and only when something may want it;
--   - an attempt (0015) is one row written when it ends, not a row written at start and updated.
-- What each row's change means is unchanged: same rules, same messages, same rows written.

-- BEFORE: the guard (0003), the kind and lane of the function (0010), the tenant (0011) and the
-- database-clock timestamps (0003), in the order their separate triggers ran (by name).
CREATE FUNCTION jobs.queue_before_insert() RETURNS trigger
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
  END IF;
  SELECT f.run_in, f.origin INTO fn FROM jobs.functions f WHERE f.id = NEW.function_id;
  IF FOUND THEN
    NEW.lane := fn.run_in;
    NEW.kind := CASE WHEN fn.origin = 'handler' THEN 'handler' ELSE 'sandboxed' END;
  ELSE
    NEW.lane := 'worker';
    NEW.kind := 'sandboxed';
  END IF;
  IF v_caller THEN
    NEW.tenant := toggles.current_tenant();
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE FUNCTION jobs.queue_before_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF current_user = 'authenticated' AND NOT auth.is_admin() THEN
    IF (to_jsonb(NEW) - 'status' - 'updated_at' - 'completed_at' - 'cancel_requested_at' - 'cancel_mode')
       IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'updated_at' - 'completed_at' - 'cancel_requested_at' - 'cancel_mode')
    THEN
      RAISE EXCEPTION 'only the status of a job can be changed, and only to cancel it'
        USING ERRCODE = '42501';
    END IF;
    IF NEW.status <> 'cancelled' THEN
      RAISE EXCEPTION 'a job can only be cancelled' USING ERRCODE = '42501';
    END IF;
    NEW.cancel_mode := 'cancel';
    NEW.cancel_requested_at := now();
    NEW.completed_at := now();
  END IF;
  NEW.updated_at := now();
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.status = 'cancelled' THEN
      NEW.cancel_requested_at := coalesce(NEW.cancel_requested_at, now());
      NEW.cancel_mode := coalesce(NEW.cancel_mode, 'cancel');
      NEW.completed_at := coalesce(NEW.completed_at, now());
    ELSIF NEW.status IN ('completed', 'failed') THEN
      NEW.completed_at := coalesce(NEW.completed_at, now());
    END IF;
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER queue_guard ON jobs.queue;
DROP TRIGGER queue_kind_lane ON jobs.queue;
DROP TRIGGER queue_tenant ON jobs.queue;
DROP TRIGGER queue_touch ON jobs.queue;
DROP FUNCTION jobs.guard_queue_write();
DROP FUNCTION jobs.queue_kind_lane();
DROP FUNCTION jobs.queue_tenant();
DROP FUNCTION jobs.touch_queue();
CREATE TRIGGER queue_before_insert BEFORE INSERT ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.queue_before_insert();
CREATE TRIGGER queue_before_update BEFORE UPDATE ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.queue_before_update();

-- The AFTER functions run as service_role (owner + SECURITY DEFINER), as 0009's and 0015's did: a
-- user cancelling their own job still records its attempt and queues its notifications, which that
-- user can neither see nor forge (the helpers below are not theirs to call).

-- One NOTIFY per ~7000 bytes of messages (a JSON array), instead of one per row.
CREATE FUNCTION jobs.notify_queue_changes(p_messages jsonb[]) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('fluxbase_changes', jsonb_agg(m.message ORDER BY m.n)::text)
  FROM (
    SELECT message, n, sum(length(message::text)) OVER (ORDER BY n) / 7000 AS chunk
    FROM unnest(p_messages) WITH ORDINALITY AS u(message, n)
  ) m
  GROUP BY m.chunk;
END
$$;

-- The messages of 0003's jobs.notify_change() for queue rows, as a set.
CREATE FUNCTION jobs.queue_change_message(p_type text, p_id uuid, p_status text, p_old_status text,
  p_namespace text, p_created_by uuid, p_job_name text) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT jsonb_build_object('schema', 'jobs', 'table', 'queue', 'type', p_type, 'id', p_id, 'ts', now(),
    'status', p_status, 'old_status', p_old_status, 'namespace', p_namespace, 'created_by', p_created_by,
    'job_name', p_job_name)
$$;

-- The outbox rows of 0009's jobs.queue_notifications() for a set of status changes.
CREATE FUNCTION jobs.queue_outbox(p_changes jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  WITH changed AS (
    SELECT c.job, c.job ->> 'status' AS status,
      CASE c.job ->> 'status' WHEN 'running' THEN 'job.started' WHEN 'completed' THEN 'job.completed'
        WHEN 'failed' THEN 'job.failed' WHEN 'cancelled' THEN 'job.cancelled' END AS event
    FROM jsonb_array_elements(p_changes) AS c(job)
  ), events AS (
    SELECT (changed.job - 'lease_token' - 'idempotency_key') AS snapshot, changed.job, changed.event
    FROM changed WHERE changed.event IS NOT NULL
  ), hooks AS (
    INSERT INTO jobs.notifications (channel, webhook_id, event, job_id, job)
    SELECT 'webhook', w.id, e.event, (e.job ->> 'id')::uuid, e.snapshot
    FROM events e JOIN jobs.webhooks w
      ON w.enabled AND e.event = ANY (w.events)
      AND (w.namespace IS NULL OR w.namespace = e.job ->> 'namespace')
      AND (w.job_name IS NULL OR w.job_name = e.job ->> 'job_name')
  ), mails AS (
    INSERT INTO jobs.notifications (channel, mail_kind, recipient, event, job_id, job)
    SELECT 'mail', 'notify', e.job ->> 'user_email', e.event, (e.job ->> 'id')::uuid, e.snapshot
    FROM events e
    WHERE e.event <> 'job.started' AND (e.job ->> 'notify')::boolean AND e.job ->> 'user_email' IS NOT NULL
  )
  -- Scheduled runs: whether anyone is alerted is the drainer's setting (FLUXBASE_JOBS_ALERT_EMAIL).
  INSERT INTO jobs.notifications (channel, mail_kind, event, job_id, job)
  SELECT 'mail', 'alert', e.event, (e.job ->> 'id')::uuid, e.snapshot
  FROM events e
  WHERE e.event <> 'job.started' AND e.job ->> 'idempotency_key' LIKE 'schedule:%';
END
$$;
ALTER FUNCTION jobs.queue_outbox(jsonb) OWNER TO service_role;
REVOKE ALL ON FUNCTION jobs.queue_outbox(jsonb) FROM PUBLIC;

CREATE FUNCTION jobs.queue_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_messages jsonb[];
  v_outbox jsonb;
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
  RETURN NULL;
END
$$;

CREATE FUNCTION jobs.queue_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_messages jsonb[];
  v_outbox jsonb;
BEGIN
  -- A lease renewal alone (lease_expires_at moved, status not) is not a change anyone watches.
  SELECT array_agg(jobs.queue_change_message('UPDATE', n.id, n.status, o.status, n.namespace, n.created_by, n.job_name))
  INTO v_messages
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE o.lease_expires_at IS NOT DISTINCT FROM n.lease_expires_at OR o.status IS DISTINCT FROM n.status;
  IF v_messages IS NOT NULL THEN
    PERFORM jobs.notify_queue_changes(v_messages);
  END IF;
  -- An attempt is written once, when it ends; the one running is the queue row itself.
  INSERT INTO jobs.attempts (job_id, attempt, worker_id, started_at, finished_at, outcome, error_message)
  SELECT o.id, o.attempt, o.worker_id, coalesce(o.started_at, now()), now(),
    CASE
      WHEN n.status = 'pending' AND n.attempt < o.attempt THEN 'released'
      WHEN n.error_message = 'Worker lost during execution' THEN 'recovered'
      WHEN n.status = 'pending' THEN 'retry'
      ELSE n.status END,
    CASE WHEN n.status IN ('failed', 'pending') THEN n.error_message END
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE o.status = 'running' AND n.status <> 'running';
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

-- Attempts (0015) are written when they end: rows of attempts running now are dropped (their jobs'
-- rows say they run; each is written when it ends), so none is open and finished_at is always set.
DELETE FROM jobs.attempts WHERE finished_at IS NULL;
DROP INDEX jobs.attempts_open_idx;
ALTER TABLE jobs.attempts ALTER COLUMN finished_at SET NOT NULL, ALTER COLUMN outcome SET NOT NULL;

CREATE FUNCTION jobs.queue_after_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_messages jsonb[];
BEGIN
  SELECT array_agg(jobs.queue_change_message('DELETE', o.id, o.status, NULL, o.namespace, o.created_by, o.job_name))
  INTO v_messages FROM old_rows o;
  IF v_messages IS NOT NULL THEN
    PERFORM jobs.notify_queue_changes(v_messages);
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER queue_notify ON jobs.queue;
DROP TRIGGER queue_notify_update ON jobs.queue;
DROP TRIGGER queue_notifications ON jobs.queue;
DROP TRIGGER queue_record_attempt ON jobs.queue;
DROP FUNCTION jobs.queue_notifications();
DROP FUNCTION jobs.record_attempt();
CREATE TRIGGER queue_after_insert AFTER INSERT ON jobs.queue
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION jobs.queue_after_insert();
CREATE TRIGGER queue_after_update AFTER UPDATE ON jobs.queue
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION jobs.queue_after_update();
CREATE TRIGGER queue_after_delete AFTER DELETE ON jobs.queue
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION jobs.queue_after_delete();

ALTER FUNCTION jobs.queue_after_insert() OWNER TO service_role;
ALTER FUNCTION jobs.queue_after_update() OWNER TO service_role;
ALTER FUNCTION jobs.queue_after_delete() OWNER TO service_role;
REVOKE ALL ON FUNCTION jobs.queue_after_insert(), jobs.queue_after_update(), jobs.queue_after_delete(),
  jobs.notify_queue_changes(jsonb[]) FROM PUBLIC;
ALTER FUNCTION jobs.notify_queue_changes(jsonb[]) OWNER TO service_role;

-- The claim of 0014 in one round trip: it returns what a run needs instead of ids to read back.
-- The lock is still held only while the server executes it; the rows it returns are a claimer's
-- free slots at most, so they never fill a socket buffer.
DROP FUNCTION jobs.claim_jobs(uuid, int, int, int, text, text[]);
CREATE FUNCTION jobs.claim_jobs(p_worker uuid, p_limit int, p_per_namespace int, p_lease_ms int,
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
REVOKE ALL ON FUNCTION jobs.claim_jobs(uuid, int, int, int, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jobs.claim_jobs(uuid, int, int, int, text, text[]) TO service_role;
