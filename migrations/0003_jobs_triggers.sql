-- Triggers that keep jobs.queue honest whoever writes to it, and the small NOTIFY that wakes
-- workers and the realtime server.

-- A caller below admin may only submit a fresh pending job as themselves, and may only move
-- their own job to 'cancelled'. Everything else a worker or admin owns.
CREATE OR REPLACE FUNCTION jobs.guard_queue_write() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF current_user <> 'authenticated' OR auth.is_admin() THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
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
    RETURN NEW;
  END IF;
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
  RETURN NEW;
END
$$;

CREATE TRIGGER queue_guard BEFORE INSERT OR UPDATE ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.guard_queue_write();

-- Timestamps come from the database clock.
CREATE OR REPLACE FUNCTION jobs.touch_queue() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.updated_at := now();
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
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

CREATE TRIGGER queue_touch BEFORE INSERT OR UPDATE ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.touch_queue();

-- NOTIFY carries identifiers only: listeners read the row themselves, so a large payload,
-- result, error or progress can never overflow the 8000-byte NOTIFY limit.
CREATE OR REPLACE FUNCTION jobs.notify_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  row_data jsonb := to_jsonb(coalesce(NEW, OLD));
  message jsonb;
BEGIN
  message := jsonb_build_object(
    'schema', TG_TABLE_SCHEMA,
    'table', TG_TABLE_NAME,
    'type', TG_OP,
    'id', row_data -> 'id',
    'ts', now()
  );
  IF TG_TABLE_NAME = 'queue' THEN
    message := message || jsonb_build_object(
      'status', row_data -> 'status',
      'old_status', CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD.status) END,
      'namespace', row_data -> 'namespace',
      'created_by', row_data -> 'created_by',
      'job_name', row_data -> 'job_name'
    );
  ELSIF TG_TABLE_NAME = 'logs' THEN
    message := message || jsonb_build_object('job_id', row_data -> 'job_id', 'line_number', row_data -> 'line_number');
  END IF;
  PERFORM pg_notify('fluxbase_changes', left(message::text, 7900));
  RETURN NULL;
END
$$;

CREATE TRIGGER queue_notify AFTER INSERT OR UPDATE OR DELETE ON jobs.queue
  FOR EACH ROW EXECUTE FUNCTION jobs.notify_change();
CREATE TRIGGER logs_notify AFTER INSERT ON jobs.logs
  FOR EACH ROW EXECUTE FUNCTION jobs.notify_change();
CREATE TRIGGER workers_notify AFTER INSERT OR UPDATE OR DELETE ON jobs.workers
  FOR EACH ROW EXECUTE FUNCTION jobs.notify_change();

-- Retrying is allowed to the job's owner (and admins) but is not an UPDATE they may make
-- themselves, so it runs as the definer after checking visibility with the caller's claims.
CREATE OR REPLACE FUNCTION jobs.retry_job(p_id uuid) RETURNS SETOF jobs.queue
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  job jobs.queue;
BEGIN
  SELECT * INTO job FROM jobs.queue WHERE id = p_id FOR UPDATE;
  IF NOT FOUND OR NOT (job.created_by = auth.uid() OR auth.is_admin()) THEN
    RETURN;  -- not found and not yours look the same
  END IF;
  IF job.status <> 'failed' THEN
    RAISE EXCEPTION 'only a failed job can be retried; this one is %', job.status
      USING ERRCODE = 'P0409', DETAIL = job.status;
  END IF;
  RETURN QUERY UPDATE jobs.queue SET
    status = 'pending', retry_count = 0, attempt = 0, error_message = NULL, result = NULL,
    progress = NULL, worker_id = NULL, lease_token = NULL, started_at = NULL, completed_at = NULL,
    last_progress_at = NULL, cancel_requested_at = NULL, cancel_mode = NULL, scheduled_at = NULL
  WHERE id = p_id
  RETURNING *;
END
$$;

REVOKE ALL ON FUNCTION jobs.retry_job(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jobs.retry_job(uuid) TO authenticated, service_role;
