-- Overlap: what a submit does while a job with the same key is active.
--   - A function's policy `reject` (jobs.functions.overlap = {"policy":"reject","key":<payload path>,
--     "scope":"user"|"global"}): while a pending or running job of the function has the same key,
--     a submit is refused (409 JOB_ALREADY_ACTIVE). The key is the payload value at the path (the
--     whole function when there is no path), or the submit's dedupe_key when given.
--   - A submit's dedupe_key on any other function: while a pending job of the function has that key,
--     the submit returns it (or replaces its payload and run time) instead of adding another.
-- Both are enforced by partial unique indexes, so concurrent submits from any number of processes
-- cannot both win. The key is computed here, from the function's row, whatever path inserted the
-- job; a submit only passes its dedupe_key (in overlap_key), which this replaces by the full key.
ALTER TABLE jobs.functions ADD COLUMN overlap jsonb CHECK (
  overlap IS NULL OR (
    jsonb_typeof(overlap) = 'object'
    AND overlap ->> 'policy' = 'reject'
    AND coalesce(overlap ->> 'scope', 'user') IN ('user', 'global')
    AND (overlap -> 'key' IS NULL OR jsonb_typeof(overlap -> 'key') IN ('string', 'null'))
  ));
GRANT SELECT (overlap) ON jobs.functions TO anon, authenticated;

ALTER TABLE jobs.queue
  ADD COLUMN overlap_key text CHECK (length(overlap_key) <= 600),
  ADD COLUMN overlap_mode text CHECK (overlap_mode IN ('reject', 'dedupe'));
CREATE UNIQUE INDEX queue_overlap_reject_idx ON jobs.queue (namespace, job_name, overlap_key)
  WHERE overlap_mode = 'reject' AND status IN ('pending', 'running');
CREATE UNIQUE INDEX queue_dedupe_idx ON jobs.queue (namespace, job_name, overlap_key)
  WHERE overlap_mode = 'dedupe' AND status = 'pending';

-- The full key: who it is scoped to, then the value. A user's key never matches another user's.
CREATE FUNCTION jobs.overlap_key(p_overlap jsonb, p_payload jsonb, p_created_by uuid, p_dedupe_key text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE WHEN coalesce(p_overlap ->> 'scope', 'user') = 'global' AND p_overlap IS NOT NULL
      THEN '*' ELSE coalesce(p_created_by::text, '-') END
    || ':' || coalesce(p_dedupe_key,
      CASE WHEN p_overlap ->> 'key' IS NULL THEN ''
        ELSE 'v:' || coalesce(p_payload #>> string_to_array(p_overlap ->> 'key', '.'), '') END)
$$;

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
  END IF;
  SELECT f.run_in, f.origin, f.overlap INTO fn FROM jobs.functions f WHERE f.id = NEW.function_id;
  IF FOUND THEN
    NEW.lane := fn.run_in;
    NEW.kind := CASE WHEN fn.origin = 'handler' THEN 'handler' ELSE 'sandboxed' END;
  ELSE
    NEW.lane := 'worker';
    NEW.kind := 'sandboxed';
  END IF;
  IF fn.overlap IS NOT NULL THEN
    NEW.overlap_mode := 'reject';
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

-- The active job a refused or deduplicated submit met: its id and status only, never its payload
-- or result (with `scope: global` it may be another user's). A caller below admin can only ask
-- about keys of their own (or global ones).
CREATE FUNCTION jobs.active_overlap(p_function_id uuid, p_payload jsonb, p_created_by uuid, p_dedupe_key text)
RETURNS TABLE (id uuid, status text, overlap_mode text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  fn record;
BEGIN
  -- This runs as its owner, so the caller is told by their claims: none (the server's own
  -- connection), an admin's or the service role's, or a user asking about their own key.
  IF auth.jwt() IS NOT NULL AND NOT auth.is_admin() AND p_created_by IS DISTINCT FROM auth.uid() THEN
    RETURN;
  END IF;
  SELECT f.namespace, f.name, f.overlap INTO fn FROM jobs.functions f WHERE f.id = p_function_id;
  IF NOT FOUND OR (fn.overlap IS NULL AND p_dedupe_key IS NULL) THEN
    RETURN;
  END IF;
  RETURN QUERY
  SELECT q.id, q.status, q.overlap_mode FROM jobs.queue q
  WHERE q.namespace = fn.namespace AND q.job_name = fn.name
    AND q.overlap_key = jobs.overlap_key(fn.overlap, p_payload, p_created_by, p_dedupe_key)
    AND ((q.overlap_mode = 'reject' AND q.status IN ('pending', 'running'))
      OR (q.overlap_mode = 'dedupe' AND q.status = 'pending'))
  LIMIT 1;
END
$$;
ALTER FUNCTION jobs.active_overlap(uuid, jsonb, uuid, text) OWNER TO service_role;
REVOKE ALL ON FUNCTION jobs.active_overlap(uuid, jsonb, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jobs.active_overlap(uuid, jsonb, uuid, text) TO authenticated, service_role;

-- The guard of 0017, letting a job's owner also do what `dedupe: "replace"` does: give their own
-- pending deduplicated job a new payload and run time (nothing else, and only while pending).
CREATE OR REPLACE FUNCTION jobs.queue_before_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF current_user = 'authenticated' AND NOT auth.is_admin() THEN
    IF OLD.status = 'pending' AND NEW.status = 'pending' AND OLD.overlap_mode = 'dedupe'
       AND (to_jsonb(NEW) - 'payload' - 'scheduled_at' - 'updated_at')
         IS NOT DISTINCT FROM (to_jsonb(OLD) - 'payload' - 'scheduled_at' - 'updated_at')
    THEN
      NEW.updated_at := now();
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
CREATE POLICY "Users can replace their own pending deduplicated jobs" ON jobs.queue
  FOR UPDATE TO authenticated
  USING (created_by = auth.uid() AND status = 'pending' AND overlap_mode = 'dedupe')
  WITH CHECK (created_by = auth.uid() AND status = 'pending' AND overlap_mode = 'dedupe');
